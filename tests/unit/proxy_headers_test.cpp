#include <gtest/gtest.h>

#include "proxy/headers.h"

namespace ew::proxy {
namespace {

Request make_request(Method method, std::string_view method_name,
                     std::vector<HeaderField> headers) {
  Request r;
  r.method = method;
  r.method_name = method_name;
  r.mutable_headers() = std::move(headers);
  return r;
}

TEST(ProxyHeaders, HopByHopIncludesFieldsNamedByConnection) {
  EXPECT_TRUE(is_hop_by_hop("Connection", ""));
  EXPECT_TRUE(is_hop_by_hop("keep-alive", ""));
  EXPECT_TRUE(is_hop_by_hop("Transfer-Encoding", ""));
  EXPECT_TRUE(is_hop_by_hop("TE", ""));
  EXPECT_TRUE(is_hop_by_hop("Upgrade", ""));
  EXPECT_FALSE(is_hop_by_hop("Content-Type", ""));
  EXPECT_TRUE(is_hop_by_hop("X-Secret", "keep-alive, x-secret"));
  EXPECT_TRUE(is_hop_by_hop("X-Secret", " X-SECRET ,close"));
  EXPECT_FALSE(is_hop_by_hop("X-Secretive", "x-secret"));
}

TEST(ProxyHeaders, RewriteStripsThePrefixAndKeepsTheQuery) {
  EXPECT_EQ(rewrite_target("/api/chat", "/api/", "/"), "/chat");
  EXPECT_EQ(rewrite_target("/api/chat?x=1&y=/api/", "/api/", "/"), "/chat?x=1&y=/api/");
  EXPECT_EQ(rewrite_target("/api/", "/api/", "/"), "/");
  EXPECT_EQ(rewrite_target("/api/chat", "/api/", "/api/"), "/api/chat");
  EXPECT_EQ(rewrite_target("/api/chat", "/api/", "/v1/"), "/v1/chat");
}

TEST(ProxyHeaders, UpstreamHeadDropsHopByHopAndSetsForwardedFields) {
  Request r = make_request(Method::kPost, "POST",
                           {{"Host", "app.example"},
                            {"Connection", "keep-alive, X-Hop"},
                            {"X-Hop", "1"},
                            {"X-Forwarded-For", "203.0.113.9"},
                            {"X-Real-IP", "6.6.6.6"},
                            {"Content-Length", "5"},
                            {"Accept", "text/event-stream"}});
  ForwardContext ctx{.client_address = "10.1.2.3", .request_id = "rid-1"};
  std::string head = upstream_request_head(r, "/chat", ctx, BodyFraming::kLength, 5);
  EXPECT_TRUE(head.starts_with("POST /chat HTTP/1.1\r\n"));
  EXPECT_NE(head.find("Host: app.example\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-For: 203.0.113.9, 10.1.2.3\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Real-IP: 10.1.2.3\r\n"), std::string::npos);
  EXPECT_EQ(head.find("6.6.6.6"), std::string::npos) << "client-sent X-Real-IP must not pass";
  EXPECT_NE(head.find("X-Forwarded-Host: app.example\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Request-Id: rid-1\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(head.find("X-Hop"), std::string::npos);
  EXPECT_EQ(head.find("Connection"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

TEST(ProxyHeaders, WebSocketUpgradeKeepsUpgradeHeaders) {
  Request r = make_request(Method::kGet, "GET",
                           {{"Host", "h"},
                            {"Connection", "Upgrade"},
                            {"Upgrade", "websocket"},
                            {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                            {"Sec-WebSocket-Version", "13"}});
  EXPECT_TRUE(is_websocket_upgrade(r));
  ForwardContext ctx{.client_address = "127.0.0.1", .request_id = "rid", .websocket = true};
  std::string head = upstream_request_head(r, "/ws", ctx, BodyFraming::kNone, 0);
  EXPECT_NE(head.find("Upgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(head.find("Connection: upgrade\r\n"), std::string::npos);
  EXPECT_NE(head.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);

  Request post =
      make_request(Method::kPost, "POST", {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}});
  EXPECT_FALSE(is_websocket_upgrade(post));
  Request no_connection = make_request(Method::kGet, "GET", {{"Upgrade", "websocket"}});
  EXPECT_FALSE(is_websocket_upgrade(no_connection));
}

TEST(ProxyHeaders, IdempotentMethods) {
  EXPECT_TRUE(is_idempotent(Method::kGet));
  EXPECT_TRUE(is_idempotent(Method::kPut));
  EXPECT_TRUE(is_idempotent(Method::kDelete));
  EXPECT_FALSE(is_idempotent(Method::kPost));
  EXPECT_FALSE(is_idempotent(Method::kPatch));
}

TEST(ProxyHeaders, ExpectIsAnsweredByTheGatewayNotForwarded) {
  Request r =
      make_request(Method::kPost, "POST", {{"Host", "app.example"}, {"Expect", "100-continue"}});
  ForwardContext ctx{.client_address = "10.1.2.3", .request_id = "rid"};
  std::string head = upstream_request_head(r, "/upload", ctx, BodyFraming::kLength, 5);
  EXPECT_EQ(head.find("Expect"), std::string::npos) << head;
}

TEST(ProxyHeaders, HostIsTheClientsOrConfiguredOrTheUpstreamsNeverInvented) {
  ForwardContext ctx{
      .client_address = "10.1.2.3", .request_id = "rid", .upstream_authority = "127.0.0.1:8004"};
  Request with_host = make_request(Method::kGet, "GET", {{"Host", "app.example:8080"}});
  std::string head = upstream_request_head(with_host, "/", ctx, BodyFraming::kNone, 0);
  EXPECT_NE(head.find("\r\nHost: app.example:8080\r\n"), std::string::npos) << head;

  Request http10 = make_request(Method::kGet, "GET", {});
  head = upstream_request_head(http10, "/", ctx, BodyFraming::kNone, 0);
  EXPECT_NE(head.find("\r\nHost: 127.0.0.1:8004\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("localhost"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Forwarded-Host"), std::string::npos) << head;

  ctx.configured_host = "api.internal";
  head = upstream_request_head(with_host, "/", ctx, BodyFraming::kNone, 0);
  EXPECT_NE(head.find("\r\nHost: api.internal\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nHost: app.example"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Forwarded-Host: app.example:8080\r\n"), std::string::npos) << head;
  EXPECT_EQ(std::count(head.begin(), head.end(), '\n'), 8) << "one line per field:\n" << head;
}

}  // namespace
}  // namespace ew::proxy
