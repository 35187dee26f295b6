// The dashboard's pieces without a server: admin sessions and cookies (src/auth), and the
// traffic history's histogram quantiles and rates (src/dashboard).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "auth/auth.h"
#include "dashboard/traffic.h"

#include <nlohmann/json.hpp>

namespace ew {
namespace {

TEST(AdminAuth, TokensCompareExactlyAndAnEmptyTokenNeverMatches) {
  EXPECT_TRUE(auth::token_matches("secret-token", "secret-token"));
  EXPECT_FALSE(auth::token_matches("secret-toke", "secret-token"));
  EXPECT_FALSE(auth::token_matches("secret-token ", "secret-token"));
  EXPECT_FALSE(auth::token_matches("", ""));
}

TEST(AdminAuth, SessionsExpireCloseAndEndWhenTheTokenChanges) {
  auth::SessionStore store;
  const std::int64_t now = 1'000'000;
  const std::string id = store.open("token-a", now);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(store.open("token-a", now), id) << "random ids";
  EXPECT_TRUE(store.valid(id, "token-a", now + 1000));
  EXPECT_FALSE(store.valid(id, "token-b", now + 1000)) << "a new admin token ends sessions";
  const std::int64_t lifetime = 12LL * 3600 * 1000;
  EXPECT_FALSE(store.valid(id, "token-a", now + lifetime)) << "expired";
  const std::string other = store.open("token-a", now);
  store.close(other);
  EXPECT_FALSE(store.valid(other, "token-a", now));
  EXPECT_FALSE(store.valid("", "token-a", now));
  EXPECT_FALSE(store.valid(std::string(64, '0'), "token-a", now));
}

TEST(AdminAuth, ReadsTheSessionCookieAmongOthers) {
  Request r;
  r.mutable_headers().push_back({"Cookie", "a=1; edgewatch_session=abc ; b=2"});
  EXPECT_EQ(auth::cookie_value(r, "edgewatch_session"), "abc");
  EXPECT_EQ(auth::cookie_value(r, "b"), "2");
  EXPECT_EQ(auth::cookie_value(r, "c"), "");
  Request quoted;
  quoted.mutable_headers().push_back({"cookie", "edgewatch_session=\"xyz\""});
  EXPECT_EQ(auth::cookie_value(quoted, "edgewatch_session"), "xyz");
  Request prefixed;
  prefixed.mutable_headers().push_back({"Cookie", "my_edgewatch_session=1"});
  EXPECT_EQ(auth::cookie_value(prefixed, "edgewatch_session"), "");
}

TEST(DashboardTraffic, HistogramQuantilesInterpolateWithinBuckets) {
  const double inf = std::numeric_limits<double>::infinity();
  // 100 observations: 50 up to 0.1, 40 more up to 0.5, 10 more up to 1.
  const std::vector<double> bounds = {0.1, 0.5, 1, inf};
  const std::vector<double> counts = {50, 90, 100, 100};
  EXPECT_DOUBLE_EQ(*dashboard::histogram_quantile(0.5, bounds, counts), 0.1);
  EXPECT_NEAR(*dashboard::histogram_quantile(0.7, bounds, counts), 0.1 + 0.4 * 20 / 40, 1e-9);
  EXPECT_NEAR(*dashboard::histogram_quantile(0.95, bounds, counts), 0.5 + 0.5 * 5 / 10, 1e-9);
  EXPECT_FALSE(dashboard::histogram_quantile(0.5, bounds, {0, 0, 0, 0}));
  // Everything above the last finite bound: that bound, as Prometheus answers.
  EXPECT_DOUBLE_EQ(*dashboard::histogram_quantile(0.99, bounds, {0, 0, 0, 10}), 1);
}

TEST(DashboardTraffic, TheOperatorsOwnRoutesAreLeftOutOfTheRates) {
  auto stats = std::make_shared<telemetry::TrafficStats>();
  dashboard::TrafficHistory history(stats, nullptr, std::chrono::seconds(1), 10);
  history.sample_now();  // the first reading: no sample yet
  stats->record("static", false, 200, std::chrono::milliseconds(1));
  stats->record("static", false, 500, std::chrono::milliseconds(1));
  for (int i = 0; i < 8; ++i) {
    stats->record("query_api", true, 200, std::chrono::milliseconds(1));
  }
  history.sample_now();
  const auto body = nlohmann::json::parse(history.json());
  ASSERT_EQ(body["error_rate"].size(), 1u);
  // One 5xx among the app's two requests; the eight operator requests count for nothing.
  EXPECT_DOUBLE_EQ(body["error_rate"][0].get<double>(), 0.5);
}

TEST(DashboardTraffic, SamplesAreDifferencesOfReadings) {
  dashboard::TrafficReading a, b;
  a.at_ms = 0;
  b.at_ms = 5000;
  a.requests = 100;
  b.requests = 150;
  a.errors = 1;
  b.errors = 6;
  a.latency_buckets.assign(15, 0);
  b.latency_buckets.assign(15, 50);  // every new request under 0.5 ms
  dashboard::TrafficSample s = dashboard::difference(a, b);
  EXPECT_DOUBLE_EQ(s.rps, 10);
  EXPECT_DOUBLE_EQ(s.error_rate, 0.1);
  ASSERT_TRUE(s.p99_ms);
  EXPECT_LE(*s.p99_ms, 0.5);
  EXPECT_FALSE(s.ttfb_p50_ms) << "no upstream responses";
}

}  // namespace
}  // namespace ew
