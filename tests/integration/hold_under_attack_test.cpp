// Holding under attack (issue 15, item 7), against the real binary over loopback: wrong admin
// tokens are throttled per client address like the sign-in form, per-project ingestion quotas
// answer 429 with X-Sentry-Rate-Limits (other projects unaffected, one log line a minute), a
// Sentry item header with an unusable "length" is a 400 naming the item, and the access log
// stays valid UTF-8 whatever the User-Agent holds.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "ingest_util.h"

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kOtherKey = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const std::string kIssues = "/_edgewatch/api/issues";

std::string other_project() {
  return "[[sentry.projects]]\nid = 43\npublic_key = \"" + kOtherKey + "\"\n";
}

std::string sentry_path(int project, const std::string& key) {
  return "/_edgewatch/sentry/api/" + std::to_string(project) +
         "/envelope/?sentry_version=7&sentry_key=" + key;
}

// One error event; `kind` makes it its own issue.
std::string error_envelope(const std::string& kind) {
  const double ts =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "{\"sent_at\":" + js(iso_now()) + "}\n{\"type\":\"event\"}\n" +
         "{\"exception\":{\"values\":[{\"type\":" + js(kind) +
         ",\"value\":\"boom\"}]},\"level\":\"error\",\"platform\":\"javascript\",\"timestamp\":" +
         nlohmann::json(ts).dump() + "}";
}

// The per-minute quota starts over each minute: begin early enough in one that a test's few
// requests all fall into it.
void wait_for_a_fresh_minute() {
  using namespace std::chrono;
  const auto since_epoch = system_clock::now().time_since_epoch();
  const auto into_minute = duration_cast<milliseconds>(since_epoch) % minutes(1);
  // The quota's window is the wall-clock minute: only time passing starts a new one.
  if (into_minute > seconds(50)) std::this_thread::sleep_for(minutes(1) - into_minute + 200ms);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The value of one sample in a Prometheus exposition, or -1.
double sample(const std::string& exposition, const std::string& series) {
  const std::size_t at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + series.size() + 2));
}

TEST(AdminTokenThrottle, WrongBearerTokensFromOneAddressGet429AndOthersAreUnaffected) {
  Monitor m;
  const std::string wrong = "Authorization: Bearer not-the-admin-token";
  const std::string right = std::string("Authorization: Bearer ") + kToken;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(http(m.port(), "GET", kIssues, {wrong}).status, 401) << i;
  }
  HttpResponse r = http(m.port(), "GET", kIssues, {wrong});
  EXPECT_EQ(r.status, 429) << r.body;
  const std::string retry = r.header("retry-after");
  ASSERT_TRUE(std::regex_match(retry, std::regex("[0-9]+"))) << retry;
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);
  EXPECT_EQ(r.body.find("\"items\""), std::string::npos);
  // While throttled, not even the right token is compared (a correct guess is not confirmed);
  // the operations endpoints and the sign-in form share the allowance.
  EXPECT_EQ(http(m.port(), "GET", kIssues, {right}).status, 429);
  EXPECT_EQ(http(m.port(), "GET", "/_edgewatch/api/deployments", {wrong}).status, 429);
  EXPECT_EQ(http(m.port(), "GET", "/_edgewatch/api/health/history", {wrong}).status, 429);
  EXPECT_EQ(http(m.port(), "POST", "/_edgewatch/login", {"Content-Type: application/json"},
                 std::string("{\"token\":\"") + kToken + "\"}")
                .status,
            429);
  // Another address is a client of its own.
  HttpResponse other = http_as_client("127.0.0.2", m.port(), "GET", kIssues, {right});
  ASSERT_TRUE(other.complete) << "could not connect from 127.0.0.2";
  EXPECT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(http_as_client("127.0.0.2", m.port(), "GET", kIssues, {wrong}).status, 401);
}

TEST(IngestQuota, ItemsPerMinuteGet429WithSentryRateLimitsOtherProjectsUnaffected) {
  Monitor m("[ingest]\nproject_items_per_minute = 3\n" + other_project());
  wait_for_a_fresh_minute();
  const std::string path = sentry_path(42, kSentryKey);
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = m.post(path, error_envelope("Error" + std::to_string(i)), {});
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
  }
  HttpResponse r = m.post(path, error_envelope("Error3"), {});
  EXPECT_EQ(r.status, 429) << r.body;
  std::smatch match;
  const std::string limits = r.header("x-sentry-rate-limits");
  ASSERT_TRUE(
      std::regex_match(limits, match, std::regex("([0-9]+)::project:edgewatch_items_per_minute")))
      << limits;
  EXPECT_EQ(r.header("retry-after"), match[1].str());
  EXPECT_NE(r.header("access-control-expose-headers").find("x-sentry-rate-limits"),
            std::string::npos);
  EXPECT_NE(r.body.find("project 42"), std::string::npos) << r.body;
  EXPECT_EQ(m.post(path, error_envelope("Error4"), {}).status, 429);

  // Project 43 and the seed endpoints (project 0) have allowances of their own.
  EXPECT_EQ(m.post(sentry_path(43, kOtherKey), error_envelope("Other"), {}).status, 200);
  const std::string three = R"([{"name":"a"},{"name":"b"},{"name":"c"}])";
  HttpResponse seed = m.post("/api/analytics/events", three);
  EXPECT_EQ(seed.status, 200) << seed.body;
  seed = m.post("/api/analytics/events", R"({"name":"d"})");
  EXPECT_EQ(seed.status, 429) << seed.body;
  EXPECT_EQ(body_of(seed)["error"]["code"], "quota_exceeded");
  EXPECT_FALSE(seed.header("retry-after").empty());
  EXPECT_NE(seed.header("x-sentry-rate-limits").find("::project:edgewatch_items_per_minute"),
            std::string::npos);

  // One log line per quota and project in the minute, not one per refused request.
  ASSERT_TRUE(m.server().wait_for_err("project 0 is over its quota"));
  const std::string err = m.server().err();
  EXPECT_EQ(occurrences(err, "project 42 is over its quota of 3 items per minute"), 1u) << err;
  EXPECT_NE(err.find("rate-limited"), std::string::npos);
  const std::string metrics = http(m.port(), "GET", "/metrics").body;
  EXPECT_EQ(sample(metrics, "edgewatch_ingest_quota_refusals_total{quota=\"items_per_minute\"}"), 3)
      << metrics;
}

TEST(IngestQuota, StoredIssuesRefuseNewErrorsOfThatProjectOnly) {
  Monitor m("[ingest]\nproject_max_issues = 2\n" + other_project());
  const std::string path = sentry_path(42, kSentryKey);
  ASSERT_EQ(m.post(path, error_envelope("FirstError"), {}).status, 200);
  ASSERT_EQ(m.post(path, error_envelope("SecondError"), {}).status, 200);
  HttpResponse r = m.post(path, error_envelope("ThirdError"), {});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.header("x-sentry-rate-limits"), "60:error:project:edgewatch_issue_quota");
  EXPECT_EQ(r.header("retry-after"), "60");
  EXPECT_EQ(m.post(sentry_path(43, kOtherKey), error_envelope("ThirdError"), {}).status, 200);
  EXPECT_EQ(m.api_json(kIssues + "?project=42")["items"].size(), 2u);
  EXPECT_TRUE(m.server().wait_for_err("(ingest.project_max_issues)"));
}

TEST(IngestQuota, DatabaseSizeRefusesIngestion) {
  // A fresh database with its schema is already larger than this.
  Monitor m("[ingest]\nmax_database_size = \"4KiB\"\n");
  HttpResponse r = m.post(sentry_path(42, kSentryKey), error_envelope("Error"), {});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.header("x-sentry-rate-limits"), "60::organization:edgewatch_database_size");
  r = m.post("/api/analytics/events", R"({"name":"a"})");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("ingest.max_database_size"), std::string::npos) << r.body;
}

TEST(IngestEnvelopeLength, UnusableItemLengthIs400NamingTheItem) {
  Monitor m;
  const std::string body = "{}\n{\"type\":\"session\"}\n{}\n{\"type\":\"event\",\"length\":-1}\n{}";
  HttpResponse r = m.post(sentry_path(42, kSentryKey), body, {});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r)["detail"],
            "invalid envelope: item 1 (at byte 25): \"length\" is negative (-1)")
      << r.body;
}

TEST(AccessLog, InvalidUtf8InUserAgentIsWrittenAsValidUtf8) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_LOG_ACCESS", "json"}});
  HttpResponse r = http(server.port(), "GET", "/missing", {"User-Agent: probe\xff/1.0 \xc3"});
  const std::string id = r.header("x-request-id");
  ASSERT_FALSE(id.empty());
  server.wait_for_out(id, 3s);
  const std::string out = server.out();
  const std::size_t at = out.find(id);
  ASSERT_NE(at, std::string::npos) << out;
  const std::size_t start = out.rfind('\n', at) == std::string::npos ? 0 : out.rfind('\n', at) + 1;
  const std::string line = out.substr(start, out.find('\n', at) - start);
  // nlohmann's parser refuses invalid UTF-8, so parsing at all shows the line is valid.
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j["user_agent"], "probe\xef\xbf\xbd/1.0 \xef\xbf\xbd");
}

}  // namespace
}  // namespace ew::test
