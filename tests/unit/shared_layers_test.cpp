// The layers the modules share: time text and base64 (util), the background HTTP client
// (outbound), the admin gate (auth), query parameters (core), Published (core).
#include <gtest/gtest.h>

#include "../integration/webhook_receiver.h"
#include "auth/auth.h"
#include "core/published.h"
#include "core/query.h"
#include "deploy/deploy.h"
#include "deploy/file_store.h"
#include "health/health.h"
#include "outbound/http_client.h"
#include "util/base64.h"
#include "util/time.h"

namespace ew {
namespace {

TEST(UtilTime, FormatsAndParsesIso8601) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1'714'564'800'123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00Z"), 1'714'564'800'000);
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00.5Z"), 1'714'564'800'500);
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00.123456789Z"), 1'714'564'800'123);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:00:00+02:00"), 1'714'564'800'000);
  EXPECT_EQ(parse_iso8601("2024-05-01T07:30:00-04:30"), 1'714'564'800'000);
  EXPECT_EQ(parse_iso8601("2024-02-29T00:00:00Z"), 1'709'164'800'000);
  for (const char* bad :
       {"2024-05-01", "2024-05-01T12:00:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-05-01T24:00:00Z", "yesterday", "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00.Z",
        "1969-12-31T00:00:00Z", "2024-05-01T12:00:00+2:00", ""}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
  EXPECT_EQ(parse_iso8601(format_iso8601(1'234'567'890'123)), 1'234'567'890'123);
}

TEST(UtilTime, LenientModeReadsWhatClientsSend) {
  using enum Iso8601;
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00", kLenient), 1'714'564'800'000);  // no zone: UTC
  EXPECT_EQ(parse_iso8601("2024-05-01 12:00:00,5", kLenient), 1'714'564'800'500);
  EXPECT_EQ(parse_iso8601("2024-05-01", kLenient), 1'714'521'600'000);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:00:00+0200", kLenient), 1'714'564'800'000);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:00+02", kLenient), 1'714'564'800'000);
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59Z", kLenient), -1000);
  for (const char* bad : {"2023-02-29", "2024-05-01T12", "2024-05-01T12:00:00+2", "x", ""}) {
    EXPECT_FALSE(parse_iso8601(bad, kLenient)) << bad;
  }
}

TEST(UtilBase64, BothAlphabetsRoundTrip) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64_decode("Zm9vYg"), "foob");  // padding optional
  EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(base64_decode("-_8"));  // the other alphabet
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64_decode("Zm9vY"));  // a lone trailing character
  for (std::string bytes : {"", "a", "ab", "abc", "\x00\x01\x02\xff"}) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
  }
}

TEST(OutboundHttpClient, PostsAndReadsTheAnswer) {
  test::WebhookReceiver receiver([](std::size_t) { return 202; });
  outbound::HttpRequest request;
  request.method = "POST";
  request.url = receiver.url("/in?x=1");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = "{\"a\":1}";
  outbound::HttpResult r = outbound::http_request(request);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("content-length"), "2");
  ASSERT_EQ(receiver.count(), 1u);
  auto got = receiver.requests()[0];
  EXPECT_EQ(got.path, "/in?x=1");
  EXPECT_EQ(got.body, "{\"a\":1}");
  EXPECT_NE(got.head.find("Host: 127.0.0.1:" + std::to_string(receiver.port())), std::string::npos);
  EXPECT_NE(got.head.find("Connection: close"), std::string::npos);
  EXPECT_NE(got.head.find("User-Agent: edgewatch"), std::string::npos);
}

TEST(OutboundHttpClient, ReportsTransportErrors) {
  outbound::HttpRequest request;
  request.url = "not a url";
  EXPECT_EQ(http_request(request).error, "malformed URL");
  request.url = "http://no-such-host.invalid/";
  outbound::HttpResult unresolved = outbound::http_request(request);
  EXPECT_FALSE(unresolved.ok);
  EXPECT_NE(unresolved.error.find("resolve"), std::string::npos) << unresolved.error;

  test::WebhookReceiver hangs([](std::size_t) {
    // Answers after the client's timeout: the delay is the test's subject.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return -1;
  });
  request.url = hangs.url();
  request.timeout = std::chrono::milliseconds(150);
  outbound::HttpResult slow = outbound::http_request(request);
  EXPECT_FALSE(slow.ok);
  EXPECT_EQ(slow.error, "timed out");
  EXPECT_LT(slow.elapsed_ms, 450);
}

TEST(OutboundHttpClient, CapsTheBodyKept) {
  test::WebhookReceiver receiver;
  outbound::HttpRequest request;
  request.url = receiver.url();
  request.max_body = 1;
  outbound::HttpResult r = outbound::http_request(request);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "o");
}

TEST(OutboundHttpClient, WebSocketAcceptKeyFollowsRfc6455) {
  EXPECT_EQ(outbound::websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(AuthGate, BearerTokens) {
  auth::AdminGate gate;
  Request request;
  request.mutable_headers().push_back({"Authorization", "Bearer secret-token-123"});
  EXPECT_FALSE(gate.allows(request));  // no token configured: closed
  gate.configure("secret-token-124", 0);
  EXPECT_FALSE(gate.allows(request));
  gate.configure("secret-token-123", 0);
  EXPECT_TRUE(gate.allows(request));
  Request lower;
  lower.mutable_headers().push_back({"authorization", "bearer   secret-token-123  "});
  EXPECT_TRUE(gate.allows(lower));
  Request none;
  EXPECT_FALSE(gate.allows(none));
  auto refused = gate.refusal(none);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->find_header("WWW-Authenticate"), "Bearer realm=\"edgewatch\"");
}

TEST(AuthGate, WrongTokensAreThrottledPerAddress) {
  auth::AdminGate gate;
  gate.configure("secret-token-123", 2);
  Request wrong;
  wrong.client_address = "192.0.2.7";
  wrong.mutable_headers().push_back({"Authorization", "Bearer guess"});
  EXPECT_EQ(gate.refusal(wrong)->status, 401);
  EXPECT_EQ(gate.refusal(wrong)->status, 401);
  auto throttled = gate.refusal(wrong);
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_FALSE(throttled->find_header("Retry-After").empty());
  Request other = wrong;
  other.client_address = "192.0.2.8";
  EXPECT_EQ(gate.refusal(other)->status, 401);  // another address has its own allowance
}

TEST(CoreQuery, QueryParameters) {
  EXPECT_EQ(query_param("a=1&b=x%20y+z", "b"), "x y z");
  EXPECT_EQ(query_param("a=1&flag", "flag"), "");
  EXPECT_FALSE(query_param("a=1", "b"));
  EXPECT_EQ(query_param("since=2024-05-01T12%3A00%3A00Z", "since"), "2024-05-01T12:00:00Z");
}

TEST(Deployments, TheDeploymentThatBroughtARelease) {
  deploy::FileDeploymentStore store("", 100);  // memory only
  store.add({0, "production", "v1", 1000, 1000});
  store.add({0, "production", "v2", 2000, 2000});
  store.add({0, "production", "v3", 3000, 3000});
  EXPECT_EQ(deploy::deployment_for(store, "v2", 5000)->version, "v2");
  EXPECT_EQ(deploy::deployment_for(store, "unknown", 2500)->version,
            "v2");  // newest before the time
  EXPECT_EQ(deploy::deployment_for(store, "", 9000)->version, "v3");
  EXPECT_FALSE(deploy::deployment_for(store, "", 500));
}

TEST(CorePublished, ReadersSeeWhatTheProviderPublished) {
  Published<const health::HealthReport> published;
  EXPECT_FALSE(published.get());
  auto report = std::make_shared<health::HealthReport>();
  report->overall = health::HealthStatus::kDegraded;
  published.publish(report);
  EXPECT_EQ(published.get()->overall, health::HealthStatus::kDegraded);
  published.withdraw();
  EXPECT_FALSE(published.get());
}

}  // namespace
}  // namespace ew
