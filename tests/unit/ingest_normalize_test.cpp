// Normalization of messages, page paths, resource URLs and metric names; user agents; stacks.
#include "ingest/normalize.h"

#include <gtest/gtest.h>

#include "ingest/process.h"
#include "ingest/stacktrace.h"
#include "ingest/useragent.h"

namespace ew::ingest {
namespace {

TEST(IngestNormalize, MessagesReplaceVariableParts) {
  EXPECT_EQ(normalize_message("User 123 not found at 2024-01-15T10:30:00Z from 10.0.0.1"),
            "User <int> not found at <date> from <ip>");
  EXPECT_EQ(normalize_message("request 9f1c2e4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a failed"),
            "request <uuid> failed");
  EXPECT_EQ(normalize_message("mail to jane.doe+x@example.com bounced"), "mail to <email> bounced");
  EXPECT_EQ(normalize_message("GET https://api.example/u/1?x=2 returned 500."),
            "GET <url> returned <int>.");
  EXPECT_EQ(normalize_message("bad pointer 0xdeadBEEF"), "bad pointer <hex>");
  EXPECT_EQ(normalize_message("took 1.25 s"), "took <float> s");
  EXPECT_EQ(normalize_message("commit da39a3ee5e6b4b0d3255bfef95601890afd80709"), "commit <sha1>");
  EXPECT_EQ(normalize_message("asset d41d8cd98f00b204e9800998ecf8427e"), "asset <md5>");
  EXPECT_EQ(normalize_message("peer fe80::1 refused"), "peer <ip> refused");
  // Numbers glued to names are names.
  EXPECT_EQ(normalize_message("item42 and h1 and v2"), "item42 and h1 and v2");
  // Times are not IPv6 addresses.
  EXPECT_EQ(normalize_message("at 12:30:45"), "at <int>:<int>:<int>");
}

TEST(IngestNormalize, MessagesKeepTwoLines) {
  EXPECT_EQ(normalize_message("first 1\n\n  second 2  \nthird 3"), "first <int>\nsecond <int>...");
  EXPECT_EQ(normalize_message(""), "");
}

TEST(IngestNormalize, HostileMessagesStayLinear) {
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "a.";
  EXPECT_EQ(normalize_message(text).size(), text.size());
}

TEST(IngestNormalize, PagePathsCollapseIds) {
  EXPECT_EQ(normalize_page_path("/users/123/orders/9f1c2e4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a?tab=1#x"),
            "/users/:id/orders/:id");
  EXPECT_EQ(normalize_page_path("https://app.example/blog/my-post/"), "/blog/my-post");
  EXPECT_EQ(normalize_page_path("https://app.example"), "/");
  EXPECT_EQ(normalize_page_path(""), "/");
  EXPECT_EQ(normalize_page_path("/p/a1b2c3d4e5/x"), "/p/:id/x");
  EXPECT_EQ(normalize_page_path("/t/AbCdEfGh12345678ZZ"), "/t/:id");
  EXPECT_EQ(normalize_page_path("/shop/product-12345-blue"), "/shop/:id");
}

TEST(IngestNormalize, BuildHashesAreStripped) {
  EXPECT_EQ(strip_build_hash("index-4f3a9c1e"), "index");
  EXPECT_EQ(strip_build_hash("index-BxY3kq9a"), "index");
  EXPECT_EQ(strip_build_hash("index-B-x3_kq9"), "index");
  EXPECT_EQ(strip_build_hash("main.3f9a1b2c.chunk"), "main.chunk");
  EXPECT_EQ(strip_build_hash("vendor~main-abc12345"), "vendor~main");
  EXPECT_EQ(strip_build_hash("use-authentication"), "use-authentication");
  EXPECT_EQ(strip_build_hash("page-Settings"), "page-Settings");
  EXPECT_EQ(strip_build_hash("react-dom"), "react-dom");
}

TEST(IngestNormalize, ResourceUrlsAndMetricNames) {
  EXPECT_EQ(normalize_resource_url("https://cdn.x/assets/index-4f3a9c1e.js?v=3"),
            "cdn.x/assets/index-*.js");
  EXPECT_EQ(normalize_resource_url("https://API.example/v1/users/42"), "api.example/v1/users/:id");
  EXPECT_EQ(normalize_metric_name("performance.resource.https://app.example/assets/"
                                  "index-BxY3kq9a.js"),
            "performance.resource.app.example/assets/index-*.js");
  EXPECT_EQ(normalize_metric_name("performance.navigation.http://localhost:8080/products/42?x=1"),
            "performance.navigation.localhost:8080/products/:id");
  EXPECT_EQ(normalize_metric_name("react.render.duration"), "react.render.duration");
  EXPECT_LE(normalize_metric_name(std::string(5000, 'x')).size(), 200u);
}

TEST(IngestNormalize, SummaryTagsDropPerSampleIds) {
  std::vector<std::pair<std::string, std::string>> tags = {
      {"entryType", "resource"},
      {"name", "https://app.example/a.js"},
      {"sessionId", "session-1-abc"},
      {"userId", "anonymous"},
      {"environment", "production"},
      {"version", "1.2.3"},
      {"component", "https://cdn.x/x-4f3a9c1e.js"}};
  EXPECT_EQ(summary_tags(tags), "component=cdn.x/x-*.js,entryType=resource");
}

TEST(IngestNormalize, SelfTimingsAreRecognised) {
  const std::string own[] = {"/api/analytics/events", "/api/monitoring/metrics",
                             "/api/monitoring/errors"};
  SeedMetric m;
  m.name = "performance.resource.http://localhost:8080/api/monitoring/metrics";
  m.tags = {{"entryType", "resource"}, {"name", "http://localhost:8080/api/monitoring/metrics"}};
  EXPECT_TRUE(is_self_timing(m, own));
  m.name = "performance.resource.https://x.example/_edgewatch/sentry/api/1/envelope/?sentry_key=k";
  m.tags = {{"entryType", "resource"}};
  EXPECT_TRUE(is_self_timing(m, own));
  m.name = "performance.resource.http://localhost:8080/assets/index.js";
  m.tags = {{"entryType", "resource"}, {"name", "http://localhost:8080/assets/index.js"}};
  EXPECT_FALSE(is_self_timing(m, own));
  m.name = "performance.navigation.http://localhost:8080/api/monitoring/metrics";
  m.tags = {{"entryType", "navigation"}};
  EXPECT_FALSE(is_self_timing(m, own));
}

TEST(IngestNormalize, UserAgentFamilies) {
  auto ua = parse_user_agent(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
  EXPECT_EQ(ua.browser, "Safari");
  EXPECT_EQ(ua.os, "iOS");
  EXPECT_EQ(ua.device, "mobile");
  ua = parse_user_agent(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0");
  EXPECT_EQ(ua.browser, "Edge");
  EXPECT_EQ(ua.os, "Windows");
  EXPECT_EQ(ua.device, "desktop");
  ua = parse_user_agent(
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Mobile Safari/537.36");
  EXPECT_EQ(ua.browser, "Chrome");
  EXPECT_EQ(ua.os, "Android");
  EXPECT_EQ(ua.device, "mobile");
  ua = parse_user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0");
  EXPECT_EQ(ua.browser, "Firefox");
  EXPECT_EQ(ua.os, "Linux");
  EXPECT_EQ(parse_user_agent("").device, "");
}

TEST(IngestNormalize, StacksFromV8AndGecko) {
  ParsedStack v8 = parse_js_stack(
      "TypeError: x is undefined\n"
      "    at Object.handleClick [as onClick] (https://a.example/assets/index-4f3a9c1e.js:12:345)\n"
      "    at async load (https://a.example/app.js:3:4)\n"
      "    at https://a.example/app.js:1:2\n"
      "    at Array.map (<anonymous>)");
  EXPECT_EQ(v8.header, "TypeError: x is undefined");
  ASSERT_EQ(v8.frames.size(), 4u);
  // Oldest first: the last frame threw.
  EXPECT_EQ(v8.frames[3].function, "Object.handleClick");
  EXPECT_EQ(v8.frames[3].filename, "https://a.example/assets/index-4f3a9c1e.js");
  EXPECT_EQ(v8.frames[3].line, 12);
  EXPECT_EQ(v8.frames[3].column, 345);
  EXPECT_EQ(v8.frames[2].function, "load");
  EXPECT_EQ(v8.frames[1].function, "");
  EXPECT_EQ(v8.frames[0].filename, "<anonymous>");

  ParsedStack gecko =
      parse_js_stack("handleClick@https://a.example/app.js:12:5\n@https://a.example/app.js:1:1\n");
  EXPECT_EQ(gecko.header, "");
  ASSERT_EQ(gecko.frames.size(), 2u);
  EXPECT_EQ(gecko.frames[1].function, "handleClick");
  EXPECT_EQ(gecko.frames[1].line, 12);
  EXPECT_EQ(stack_line("a\nb\nc", 1), "b");
  EXPECT_EQ(stack_line("a", 1), "");
}

TEST(IngestNormalize, TimestampsAreSettledByDocumentedRules) {
  const TimeMs now = 1'750'000'000'000;
  std::string reason;
  EXPECT_EQ(settle_timestamp(std::nullopt, now, reason), now);
  EXPECT_EQ(settle_timestamp(now - 60'000, now, reason), now - 60'000);
  // A few minutes of client clock drift ahead is clamped to the receive time.
  EXPECT_EQ(settle_timestamp(now + 10 * 60'000, now, reason), now);
  EXPECT_EQ(settle_timestamp(now - 40LL * 86'400'000, now, reason), now);
  // Years away is absurd.
  EXPECT_FALSE(settle_timestamp(now + 2LL * 365 * 86'400'000, now, reason).has_value());
  EXPECT_NE(reason.find("year"), std::string::npos);
  EXPECT_FALSE(settle_timestamp(0, now, reason).has_value());
}

TEST(IngestNormalize, VitalValueLimits) {
  std::string reason;
  EXPECT_TRUE(check_vital_value("LCP", 2500, reason));
  EXPECT_FALSE(check_vital_value("LCP", -1, reason));
  EXPECT_FALSE(check_vital_value("LCP", 1e9, reason));
  EXPECT_TRUE(check_vital_value("CLS", 0.3, reason));
  EXPECT_FALSE(check_vital_value("CLS", 1000, reason));
}

}  // namespace
}  // namespace ew::ingest
