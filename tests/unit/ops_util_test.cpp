// Shared operations helpers: time text, the background HTTP client, bearer tokens, the Hub.
#include <gtest/gtest.h>

#include "../integration/webhook_receiver.h"
#include "deploy/file_store.h"
#include "ops/api_util.h"
#include "ops/deployments.h"
#include "ops/http_client.h"
#include "ops/hub.h"
#include "ops/time_util.h"

namespace ew::ops {
namespace {

TEST(OpsTime, FormatsAndParsesIso8601) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1'714'564'800'123), "2024-05-01T12:00:00.123Z");
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
  EXPECT_EQ(parse_iso8601(iso8601(1'234'567'890'123)), 1'234'567'890'123);
}

TEST(OpsHttpClient, PostsAndReadsTheAnswer) {
  test::WebhookReceiver receiver([](std::size_t) { return 202; });
  HttpRequest request;
  request.method = "POST";
  request.url = receiver.url("/in?x=1");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = "{\"a\":1}";
  HttpResult r = http_request(request);
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

TEST(OpsHttpClient, ReportsTransportErrors) {
  HttpRequest request;
  request.url = "not a url";
  EXPECT_EQ(http_request(request).error, "malformed URL");
  request.url = "http://no-such-host.invalid/";
  HttpResult unresolved = http_request(request);
  EXPECT_FALSE(unresolved.ok);
  EXPECT_NE(unresolved.error.find("resolve"), std::string::npos) << unresolved.error;

  test::WebhookReceiver hangs([](std::size_t) {
    // Answers after the client's timeout: the delay is the test's subject.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return -1;
  });
  request.url = hangs.url();
  request.timeout = std::chrono::milliseconds(150);
  HttpResult slow = http_request(request);
  EXPECT_FALSE(slow.ok);
  EXPECT_EQ(slow.error, "timed out");
  EXPECT_LT(slow.elapsed_ms, 450);
}

TEST(OpsHttpClient, CapsTheBodyKept) {
  test::WebhookReceiver receiver;
  HttpRequest request;
  request.url = receiver.url();
  request.max_body = 1;
  HttpResult r = http_request(request);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "o");
}

TEST(OpsHttpClient, WebSocketAcceptKeyFollowsRfc6455) {
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(OpsApi, BearerTokens) {
  Request request;
  request.mutable_headers().push_back({"Authorization", "Bearer secret-token-123"});
  EXPECT_TRUE(bearer_ok(request, "secret-token-123"));
  EXPECT_FALSE(bearer_ok(request, "secret-token-124"));
  EXPECT_FALSE(bearer_ok(request, ""));
  Request lower;
  lower.mutable_headers().push_back({"authorization", "bearer   secret-token-123  "});
  EXPECT_TRUE(bearer_ok(lower, "secret-token-123"));
  Request none;
  EXPECT_FALSE(bearer_ok(none, "secret-token-123"));
  Response r = unauthorized("rid");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.find_header("WWW-Authenticate"), "Bearer realm=\"edgewatch\"");
}

TEST(OpsApi, QueryParameters) {
  EXPECT_EQ(query_param("a=1&b=x%20y+z", "b"), "x y z");
  EXPECT_EQ(query_param("a=1&flag", "flag"), "");
  EXPECT_FALSE(query_param("a=1", "b"));
  EXPECT_EQ(query_param("since=2024-05-01T12%3A00%3A00Z", "since"), "2024-05-01T12:00:00Z");
}

TEST(OpsDeployments, TheDeploymentThatBroughtARelease) {
  deploy::FileDeploymentStore store("", 100);  // memory only
  store.add({0, "production", "v1", 1000, 1000});
  store.add({0, "production", "v2", 2000, 2000});
  store.add({0, "production", "v3", 3000, 3000});
  EXPECT_EQ(deployment_for(store, "v2", 5000)->version, "v2");
  EXPECT_EQ(deployment_for(store, "unknown", 2500)->version, "v2");  // newest before the time
  EXPECT_EQ(deployment_for(store, "", 9000)->version, "v3");
  EXPECT_FALSE(deployment_for(store, "", 500));
}

TEST(OpsHub, HoldsWhatModulesPlugIn) {
  Hub hub;
  EXPECT_FALSE(hub.storage_probe());
  EXPECT_FALSE(hub.monitoring());
  EXPECT_FALSE(hub.health());
  hub.set_storage_probe([] { return ProbeResult{true, "fine"}; });
  EXPECT_EQ(hub.storage_probe()().details, "fine");
  auto report = std::make_shared<HealthReport>();
  report->overall = HealthStatus::kDegraded;
  hub.publish_health(report);
  EXPECT_EQ(hub.health()->overall, HealthStatus::kDegraded);
  EXPECT_EQ(shared_hub(), shared_hub());
}

}  // namespace
}  // namespace ew::ops
