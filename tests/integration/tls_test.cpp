// HTTPS at the edge, over real TLS: certificates made at test time by a test CA, the real
// edgewatch with its HTTPS listener, and real clients (this test's OpenSSL client, curl and
// openssl s_client).
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "../common/test_pki.h"
#include "harness.h"
#include "tls_client.h"
#include "upstreams.h"

namespace ew::test {
namespace {

// The HTTPS port from the server's "listening on http://... and https://HOST:PORT" line.
int https_port(const ChildProcess& server) {
  std::smatch match;
  std::string err = server.err();
  if (!std::regex_search(err, match, std::regex("and https://[^ ]*:([0-9]+)"))) return 0;
  return std::stoi(match[1]);
}

struct Edge {
  std::string dir = make_temp_dir();
  TestPki pki{dir};
  LeafFiles leaf = pki.leaf("site", {.dns = {"localhost", "*.example.test"}, .ips = {"127.0.0.1"}});

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    std::map<std::string, std::string> out = {
        {"EDGEWATCH_TLS_LISTEN", "127.0.0.1:0"},
        {"EDGEWATCH_TLS_CERTIFICATES", leaf.certificate},
        {"EDGEWATCH_TLS_KEYS", leaf.key},
    };
    for (auto& [k, v] : extra) out[k] = v;
    return out;
  }

  std::string root() const {
    std::string root = dir + "/www";
    std::filesystem::create_directories(root + "/assets");
    write_file(root + "/index.html", "<!doctype html><title>app</title>\n");
    write_file(root + "/assets/app-B1x2y3z4.js", std::string(4000, 'x'));
    return root;
  }
};

TlsClientOptions verified(const Edge& edge, std::string name = "localhost") {
  TlsClientOptions options;
  options.ca_file = edge.pki.ca_file();
  options.server_name = std::move(name);
  return options;
}

std::string get(const std::string& target, const std::string& host = "localhost") {
  return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

TEST(Tls, ServesOverHttpsWithHstsAndSecureHeaders) {
  Edge edge;
  ServerProcess server({"--root", edge.root()}, edge.env());
  int port = https_port(server);
  ASSERT_GT(port, 0) << server.err();

  TlsClient client(port, verified(edge));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.alpn(), "http/1.1");
  HttpResponse page = client.request(get("/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><title>app</title>\n");
  EXPECT_EQ(page.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
  EXPECT_EQ(page.count("strict-transport-security"), 1u);
  EXPECT_FALSE(page.header("x-request-id").empty());
  EXPECT_FALSE(page.header("date").empty());

  // An error of the server's own gets the same head over TLS.
  TlsClient again(port, verified(edge));
  HttpResponse missing = again.request(get("/nothing-here.png"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("strict-transport-security"), "max-age=63072000; includeSubDomains");

  // Never over plain HTTP without a trusted proxy saying so.
  Connection plain(server.port());
  plain.send(get("/"));
  HttpResponse over_http = plain.read_response();
  EXPECT_EQ(over_http.status, 200);
  EXPECT_FALSE(over_http.count("strict-transport-security"));
}

TEST(Tls, KeepAliveCarriesManyRequestsAndLargeFilesWithoutSendfile) {
  Edge edge;
  std::string root = edge.root();
  std::string big(3 * 1024 * 1024 + 17, 'b');  // beyond the in-memory cache: a file body
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  write_file(root + "/big.bin", big);
  ServerProcess server({"--root", root}, edge.env());
  TlsClient client(https_port(server), verified(edge));
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    HttpResponse small =
        client.request("GET /assets/app-B1x2y3z4.js HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_EQ(small.status, 200);
    EXPECT_EQ(small.body.size(), 4000u);
  }
  HttpResponse large = client.request("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n", 20s);
  EXPECT_EQ(large.status, 200);
  EXPECT_TRUE(large.body == big) << "got " << large.body.size() << " bytes";
  HttpResponse range =
      client.request("GET /big.bin HTTP/1.1\r\nHost: localhost\r\nRange: bytes=4096-4100\r\n\r\n");
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, big.substr(4096, 5));
}

// The static edge answers over TLS as over HTTP: a compressed variant, a 304 for its ETag, and
// the frontend's runtime configuration.
TEST(Tls, CompressedVariantsRevalidationAndConfigOverTls) {
  Edge edge;
  ServerProcess server({"--root", edge.root()}, edge.env());
  TlsClient client(https_port(server), verified(edge));
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string asset = "/assets/app-B1x2y3z4.js";
  HttpResponse br = client.request("GET " + asset +
                                   " HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br\r\n\r\n");
  EXPECT_EQ(br.status, 200);
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_LT(br.body.size(), 4000u);
  std::string etag = br.header("etag");
  ASSERT_FALSE(etag.empty());
  HttpResponse unchanged = client.request("GET " + asset +
                                          " HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br\r\n"
                                          "If-None-Match: " +
                                          etag + "\r\n\r\n");
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_EQ(unchanged.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
  HttpResponse config = client.request(get("/config.json"));
  EXPECT_EQ(config.status, 200);
  EXPECT_NE(config.body.find("websocketUrl"), std::string::npos) << config.body;
}

TEST(Tls, CurlVerifiesTheChainAndGetsHealth) {
  Edge edge;
  ServerProcess server({}, edge.env());
  std::string url = "https://localhost:" + std::to_string(https_port(server)) + "/health";
  CommandResult ok = run_command({"curl", "-sS", "--cacert", edge.pki.ca_file(), "-o", "/dev/null",
                                  "-w", "%{http_code} %{scheme}", url});
  EXPECT_EQ(ok.out, "200 HTTPS") << ok.err;
  // Without the CA the chain does not verify.
  CommandResult refused = run_command({"curl", "-sS", "-o", "/dev/null", url});
  EXPECT_NE(refused.exit_code, 0);
}

TEST(Tls, OldProtocolsAreRefusedAndTheMinimumIsConfigurable) {
  Edge edge;
  ServerProcess server({}, edge.env());
  int port = https_port(server);
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClientOptions old = verified(edge);
    old.min_version = version;
    old.max_version = version;
    TlsClient client(port, old);
    EXPECT_FALSE(client.connected()) << "version " << std::hex << version;
  }
  TlsClientOptions tls12 = verified(edge);
  tls12.max_version = TLS1_2_VERSION;
  TlsClient client12(port, tls12);
  ASSERT_TRUE(client12.connected()) << client12.error();
  EXPECT_EQ(client12.version(), "TLSv1.2");
  TlsClient client13(port, verified(edge));
  EXPECT_EQ(client13.version(), "TLSv1.3");

  ServerProcess strict({}, edge.env({{"EDGEWATCH_TLS_MIN_VERSION", "1.3"}}));
  TlsClient refused(https_port(strict), tls12);
  EXPECT_FALSE(refused.connected());
}

TEST(Tls, SniChoosesTheCertificateAndSessionsResume) {
  Edge edge;
  LeafFiles other = edge.pki.leaf("other", {.dns = {"other.test"}});
  ServerProcess server(
      {}, edge.env({{"EDGEWATCH_TLS_CERTIFICATES", edge.leaf.certificate + "," + other.certificate},
                    {"EDGEWATCH_TLS_KEYS", edge.leaf.key + "," + other.key}}));
  int port = https_port(server);
  TlsClient by_name(port, verified(edge, "other.test"));
  ASSERT_TRUE(by_name.connected()) << by_name.error();
  EXPECT_NE(by_name.peer_subject().find("CN=other.test"), std::string::npos);
  TlsClient wildcard(port, verified(edge, "app.example.test"));
  ASSERT_TRUE(wildcard.connected()) << wildcard.error();
  EXPECT_NE(wildcard.peer_subject().find("CN=localhost"), std::string::npos);
  TlsClientOptions unknown = verified(edge, "");
  unknown.ca_file.clear();
  TlsClient fallback(port, unknown);
  ASSERT_TRUE(fallback.connected()) << fallback.error();
  EXPECT_NE(fallback.peer_subject().find("CN=localhost"), std::string::npos);

  // A TLS 1.3 ticket arrives with the first answer; the next connection resumes with it.
  TlsClient first(port, verified(edge));
  ASSERT_EQ(first.request(get("/health")).status, 200);
  SSL_SESSION* session = first.session();
  ASSERT_NE(session, nullptr);
  TlsClientOptions resume = verified(edge);
  resume.resume = session;
  TlsClient second(port, resume);
  EXPECT_TRUE(second.resumed());
  SSL_SESSION_free(session);
}

TEST(Tls, PlainHttpSentToTheTlsPortGetsAPlainAnswer) {
  Edge edge;
  ServerProcess server({}, edge.env());
  Connection plain(https_port(server));
  ASSERT_TRUE(plain.send(get("/health")));
  HttpResponse answer = plain.read_response();
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("plain HTTP request was sent to HTTPS port"), std::string::npos);
  EXPECT_EQ(answer.header("connection"), "close");
}

TEST(Tls, StalledHandshakesCloseAtTheHeaderTimeoutAndStarveNoOne) {
  Edge edge;
  ServerProcess server({}, edge.env({{"EDGEWATCH_SERVER_HEADER_TIMEOUT", "1s"}}));
  int port = https_port(server);
  // 1,000 connections that never finish a handshake: half send nothing, half the first byte
  // of a ClientHello and then nothing.
  std::vector<int> stalled;
  for (int i = 0; i < 1000; ++i) {
    int fd = connect_loopback(port);
    ASSERT_GE(fd, 0) << i;
    if (i % 2 == 1) {
      ASSERT_EQ(::send(fd, "\x16", 1, MSG_NOSIGNAL), 1);
    }
    stalled.push_back(fd);
  }
  // Both listeners still answer at once.
  TlsClient client(port, verified(edge));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.request(get("/health")).status, 200);
  Connection plain(server.port());
  plain.send(get("/health"));
  EXPECT_EQ(plain.read_response().status, 200);
  // And every stalled one is closed once the header timeout passed.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::size_t closed = 0;
  for (int fd : stalled) {
    char byte;
    timeval tv{0, 0};
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    tv.tv_sec = std::max<long>(0, left.count() / 1'000'000);
    tv.tv_usec = std::max<long>(1, left.count() % 1'000'000);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::recv(fd, &byte, 1, 0) <= 0 && errno != EAGAIN) ++closed;
    close(fd);
  }
  EXPECT_EQ(closed, stalled.size());
}

TEST(Tls, PlainListenerRedirectsToTheCanonicalHostExceptProbes) {
  Edge edge;
  ServerProcess server({"--root", edge.root()},
                       edge.env({{"EDGEWATCH_TLS_REDIRECT_HTTP", "true"},
                                 {"EDGEWATCH_TLS_CANONICAL_HOST", "app.example.test:8443"}}));
  Connection get_conn(server.port());
  get_conn.send("GET /chat?room=1 HTTP/1.1\r\nHost: evil.test\r\n\r\n");
  HttpResponse moved = get_conn.read_response();
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.header("location"), "https://app.example.test:8443/chat?room=1");

  Connection post_conn(server.port());
  post_conn.send("POST /api/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}");
  HttpResponse post = post_conn.read_response();
  EXPECT_EQ(post.status, 308);
  EXPECT_EQ(post.header("location"), "https://app.example.test:8443/api/x");

  for (std::string path : {"/health", "/health/ready"}) {
    Connection probe(server.port());
    probe.send(get(path));
    HttpResponse answer = probe.read_response();
    EXPECT_TRUE(answer.status == 200 || answer.status == 503) << path << " " << answer.status;
  }
  // Over TLS nothing is redirected.
  TlsClient client(https_port(server), verified(edge));
  EXPECT_EQ(client.request(get("/")).status, 200);
}

TEST(Tls, BadCertificatesAreRefusedByCheckConfigAndAtStartup) {
  Edge edge;
  LeafFiles expired = edge.pki.leaf("expired", {.dns = {"localhost"},
                                                .not_before = -std::chrono::hours(48),
                                                .not_after = -std::chrono::hours(24)});
  std::string wrong_key = edge.pki.mismatched_key("wrong");
  std::string garbage = edge.pki.garbage("garbage.pem");
  struct Case {
    std::string certificate, key, expect;
  };
  for (const Case& c : {Case{expired.certificate, expired.key, "expired"},
                        Case{edge.leaf.certificate, wrong_key, "match"},
                        Case{garbage, edge.leaf.key, "garbage.pem"},
                        Case{edge.dir + "/missing.pem", edge.leaf.key, "missing.pem"}}) {
    std::string config = edge.dir + "/edgewatch.toml";
    write_file(config, "[tls]\nlisten = \"127.0.0.1:0\"\ncertificates = [\"" + c.certificate +
                           "\"]\nkeys = [\"" + c.key + "\"]\n");
    CommandResult checked = run_edgewatch({"check-config", config});
    EXPECT_EQ(checked.exit_code, 2) << c.expect;
    EXPECT_NE(checked.err.find("tls.certificates"), std::string::npos) << checked.err;
    EXPECT_NE(checked.err.find(c.expect), std::string::npos) << checked.err;
    CommandResult started = run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--config", config});
    EXPECT_NE(started.exit_code, 0) << c.expect;
  }
}

std::string chat_request(const std::string& target) {
  std::string body = R"({"message":"hello"})";
  return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A masked client text frame (payload under 126 bytes).
std::string ws_text_frame(const std::string& payload) {
  std::string frame = "\x81";
  frame += static_cast<char>(0x80 | payload.size());
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  return frame;
}

// Reads from `client` until `text` has appeared `times` times in what was read (counting what
// `seen` already holds); false on timeout or the end of the stream.
bool read_until_count(TlsClient& client, std::string& seen, const std::string& text, int times,
                      std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto count = [&] {
    int n = 0;
    for (std::size_t at = seen.find(text); at != std::string::npos; at = seen.find(text, at + 1))
      ++n;
    return n;
  };
  while (count() < times) {
    std::string more = client.read_some(std::chrono::milliseconds(remaining_ms(deadline)));
    if (more.empty()) return false;
    seen += more;
  }
  return true;
}

std::string metrics_text(int port) {
  Connection plain(port);
  plain.send(get("/metrics"));
  return plain.read_response().body;
}

TEST(Tls, CertificateReloadKeepsLiveSseAndWebSocketStreams) {
  OrchestratorProcess orch({"--token-delay", "20ms"});
  Edge edge;
  ServerProcess server({"--upstream", "http://127.0.0.1:" + std::to_string(orch.port())},
                       edge.env());
  int port = https_port(server);

  TlsClient sse(port, verified(edge));
  ASSERT_TRUE(sse.connected()) << sse.error();
  ASSERT_TRUE(sse.send(chat_request("/api/chat?tokens=150&delay_ms=20")));
  HttpResponse head = sse.read_head();
  ASSERT_EQ(head.status, 200);
  EXPECT_NE(head.header("content-type").find("text/event-stream"), std::string::npos);
  EXPECT_EQ(head.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
  std::string stream = sse.take_buffered();
  ASSERT_TRUE(read_until_count(sse, stream, "\"token\"", 2));

  TlsClient ws(port, verified(edge));
  ASSERT_TRUE(
      ws.send("GET /api/ws?tokens=3 HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  HttpResponse upgraded = ws.read_head();
  ASSERT_EQ(upgraded.status, 101);
  EXPECT_EQ(upgraded.header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  std::string frames = ws.take_buffered();
  ASSERT_TRUE(ws.send(ws_text_frame("before")));
  ASSERT_TRUE(read_until_count(ws, frames, "\"token\"", 3));

  std::string old_serial = sse.peer_serial();
  edge.pki.leaf("site", {.dns = {"localhost"}, .ips = {"127.0.0.1"}});  // the same files, anew
  ASSERT_TRUE(wait_until(
      [&] {
        return metrics_text(server.port()).find("edgewatch_tls_reloads_total{result=\"ok\"} 1") !=
               std::string::npos;
      },
      10s, "the certificate reload"));
  TlsClient fresh(port, verified(edge));
  ASSERT_TRUE(fresh.connected()) << fresh.error();
  EXPECT_NE(fresh.peer_serial(), old_serial);
  EXPECT_EQ(sse.peer_serial(), old_serial);

  // Both streams carry on over their old TLS sessions: the SSE reply to its end, the WebSocket
  // with a new exchange.
  ASSERT_TRUE(read_until_count(sse, stream, "\r\n0\r\n\r\n", 1, 15s)) << stream.size();
  EXPECT_GE(std::count(stream.begin(), stream.end(), '\n'), 150);
  ASSERT_TRUE(ws.send(ws_text_frame("after")));
  ASSERT_TRUE(read_until_count(ws, frames, "\"token\"", 6));
}

TEST(Tls, GatewayReachesHttpsUpstreamsVerifiedAgainstTheConfiguredCa) {
  // The upstream: another edgewatch serving files over HTTPS only to this test's CA.
  Edge upstream_edge;
  std::string root = upstream_edge.root();
  write_file(root + "/hello.json", "{\"hello\":\"tls\"}");
  ServerProcess upstream({"--root", root}, upstream_edge.env());
  std::string upstream_url = "https://127.0.0.1:" + std::to_string(https_port(upstream));

  auto edge_with = [&](const std::string& tls_keys) {
    std::string config = upstream_edge.dir + "/edge-" + std::to_string(tls_keys.size()) + ".toml";
    write_file(config, "[[proxy]]\nprefix = \"/api/\"\nupstreams = [\"" + upstream_url + "\"]\n" +
                           tls_keys);
    return std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config});
  };
  auto fetch = [](const ServerProcess& edge) {
    Connection client(edge.port());
    client.send(get("/api/hello.json"));
    return client.read_response();
  };

  // Verified against the configured CA: served, and again over the pooled connection.
  auto verified_edge = edge_with("tls_ca_file = \"" + upstream_edge.pki.ca_file() + "\"\n");
  HttpResponse ok = fetch(*verified_edge);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"hello\":\"tls\"}");
  EXPECT_EQ(fetch(*verified_edge).status, 200);

  // The system's store does not know the test CA: refused, never served unverified.
  auto strict = edge_with("");
  HttpResponse bad = fetch(*strict);
  EXPECT_TRUE(bad.status == 502 || bad.status == 503) << bad.status;

  // Unless verification is explicitly off (a self-signed test upstream).
  auto lax = edge_with("tls_verify = false\n");
  EXPECT_EQ(fetch(*lax).status, 200);
}

// Full TLS records one after another (a large body), then more requests on the same connection,
// two of them sent in one write: every byte read, nothing left waiting.
TEST(Tls, LargeUploadsAndPipelinedRequestsOverOneConnection) {
  Edge edge;
  CaptureUpstream upstream;
  ServerProcess server({"--upstream", upstream.url(), "--root", edge.root()}, edge.env());
  TlsClient client(https_port(server), verified(edge));
  ASSERT_TRUE(client.connected()) << client.error();
  std::string body(3 * 1024 * 1024 + 123, 'u');
  HttpResponse uploaded = client.request(
      "POST /api/upload HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      20s);
  EXPECT_EQ(uploaded.status, 200);
  EXPECT_EQ(uploaded.body, std::to_string(body.size()));
  EXPECT_EQ(upstream.body_bytes(), body.size());

  const std::string one = "GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_TRUE(client.send(one + one));
  for (int i = 0; i < 2; ++i) {
    HttpResponse head = client.read_head();
    ASSERT_EQ(head.status, 200) << i;
    std::string rest = client.take_buffered();
    std::size_t length = std::stoul(head.header("content-length"));
    while (rest.size() < length) {
      std::string more = client.read_some();
      ASSERT_FALSE(more.empty()) << "answer " << i << " stalled at " << rest.size();
      rest += more;
    }
    EXPECT_EQ(rest.substr(0, length), "<!doctype html><title>app</title>\n");
    // What follows the first answer is the start of the second: hand it back.
    if (rest.size() > length) client.push_back(rest.substr(length));
  }
}

TEST(Tls, GatewayTellsTheUpstreamTheClientUsedHttps) {
  Edge edge;
  CaptureUpstream upstream;
  ServerProcess server({"--upstream", upstream.url()}, edge.env());
  TlsClient client(https_port(server), verified(edge));
  HttpResponse answer = client.request(get("/api/where"));
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(upstream.head().find("X-Forwarded-Proto: https"), std::string::npos) << upstream.head();
  EXPECT_EQ(answer.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
}

}  // namespace
}  // namespace ew::test
