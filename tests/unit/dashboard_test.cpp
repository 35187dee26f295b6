// The dashboard's pieces without a server: admin sessions and cookies (src/auth), and the
// traffic history's histogram quantiles and Prometheus reading (src/dashboard).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "auth/admin_auth.h"
#include "dashboard/traffic.h"

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

TEST(DashboardTraffic, ReadsUpstreamFamiliesFromTheExposition) {
  const std::string text =
      "# HELP edgewatch_upstream_open_streams Open SSE streams\n"
      "# TYPE edgewatch_upstream_open_streams gauge\n"
      "edgewatch_upstream_open_streams{route=\"/api/\",upstream=\"a\"} 2\n"
      "edgewatch_upstream_open_streams{route=\"/api/\",upstream=\"b\"} 1\n"
      "edgewatch_upstream_open_websockets{route=\"/api/\",upstream=\"a\"} 4\n"
      "edgewatch_upstream_time_to_first_byte_seconds_bucket{upstream=\"a\",le=\"0.1\"} 3\n"
      "edgewatch_upstream_time_to_first_byte_seconds_bucket{upstream=\"a\",le=\"+Inf\"} 5\n"
      "edgewatch_upstream_time_to_first_byte_seconds_bucket{upstream=\"b\",le=\"0.1\"} 1\n"
      "edgewatch_upstream_time_to_first_byte_seconds_bucket{upstream=\"b\",le=\"+Inf\"} 1\n"
      "edgewatch_upstream_open_streams_other 99\n";
  dashboard::TrafficReading r;
  dashboard::read_upstream_families(text, r);
  EXPECT_EQ(r.open_streams, 3);
  EXPECT_EQ(r.open_websockets, 4);
  ASSERT_EQ(r.ttfb_buckets.size(), 2u);
  EXPECT_EQ(r.ttfb_buckets[0.1], 4);
  EXPECT_EQ(r.ttfb_buckets[std::numeric_limits<double>::infinity()], 6);
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
  EXPECT_TRUE(dashboard::is_admin_route("query_api"));
  EXPECT_FALSE(dashboard::is_admin_route("static"));
}

}  // namespace
}  // namespace ew
