// The /api/ gateway through real sockets: edgewatch in front of the example orchestrator (and,
// where a fault or a capture is needed, a tiny upstream written here).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <set>

#include "harness.h"
#include "sse_client.h"
#include "upstreams.h"
#include "ws_client.h"

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string upstream_url(const ChildProcess& p) {
  return "http://127.0.0.1:" + std::to_string(p.port());
}

// Body bytes that arrive with the upstream's header leave with the client's header.
TEST(Proxy, BodyBytesThatCameWithTheHeaderArriveWholeAndInOrder) {
  ScriptedUpstream chunked(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n");
  ServerProcess edge({"--workers", "1", "--upstream", chunked.url()});
  HttpResponse r = http(edge.port(), "GET", "/api/x");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world!");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
}

// A large answer to a client that does not read for a while: the gateway's sends stop part-way
// (the socket is full), wait for room and resume where they stopped.
TEST(Proxy, LargeAnswerReachesASlowReaderWhole) {
  std::string body;
  for (int i = 0; body.size() < 24 * 1024 * 1024; ++i) body += "line " + std::to_string(i) + "\n";
  ScriptedUpstream big("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
  ServerProcess edge({"--workers", "1", "--upstream", big.url()});
  Connection c(edge.port());
  ASSERT_TRUE(c.send("GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_until_sends_stall(c.fd()));
  HttpResponse r = c.read_response(false, 10s);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), body.size());
  EXPECT_TRUE(r.body == body) << "the body arrived altered";
}

// A body that breaks right after the header must not reach the client as a complete answer.
TEST(Proxy, MalformedBodyRightAfterTheHeaderEndsTheClientResponseIncomplete) {
  ScriptedUpstream broken(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-chunk-size\r\nxx\r\n");
  ServerProcess edge({"--workers", "1", "--upstream", broken.url()});
  Connection c(edge.port());
  ASSERT_TRUE(c.send("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto start = Clock::now();
  std::string seen = c.read_all(3s);
  EXPECT_LT(Clock::now() - start, 2s) << "the client's connection was left open";
  EXPECT_EQ(seen.find("0\r\n\r\n"), std::string::npos) << seen;  // never a clean end
  EXPECT_TRUE(seen.empty() || seen.starts_with("HTTP/1.1 200")) << seen;
  EXPECT_EQ(http(edge.port(), "GET", "/health").status, 200);
}

// One short chat through the gateway; the orchestrator counts these apart from probes.
HttpResponse chat(int port) {
  return http(port, "POST", "/api/chat?tokens=1&delay_ms=0", {"Content-Type: application/json"},
              R"({"message":"hi"})");
}

TEST(Proxy, SseTokensArriveOneByOneAtTheirRealSpacing) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  SseStream stream(edge.port(), "POST", "/api/chat?tokens=6&delay_ms=150", {},
                   R"({"message":"spacing"})");
  ASSERT_EQ(stream.head().status, 200);
  EXPECT_EQ(stream.head().header("content-type"), "text/event-stream");
  std::vector<SseEvent> events = stream.rest(3s);
  ASSERT_EQ(events.size(), 7u);  // six tokens and "done"
  for (std::size_t i = 1; i < 6; ++i) {
    auto gap =
        std::chrono::duration_cast<std::chrono::milliseconds>(events[i].at - events[i - 1].at);
    // Buffering would deliver tokens in a burst (gaps near 0); each must come on its own.
    EXPECT_GE(gap.count(), 90) << "token " << i << " arrived with the previous one";
    EXPECT_LE(gap.count(), 400) << "token " << i << " was held back";
  }
  EXPECT_NE(events[0].data.find("\"token\""), std::string::npos);
  EXPECT_EQ(events.back().event, "done");
  EXPECT_TRUE(stream.finished());
}

TEST(Proxy, RewritesThePrefixAndSetsForwardedHeaders) {
  CaptureUpstream upstream;
  ServerProcess edge({"--workers", "1", "--upstream", upstream.url()},
                     {{"EDGEWATCH_LOG_ACCESS", "off"}});
  HttpResponse r =
      http(edge.port(), "GET", "/api/chat/history?limit=5",
           {"X-Forwarded-For: 10.0.0.1", "Connection: keep-alive, X-Secret", "X-Secret: hop",
            "Keep-Alive: timeout=5", "TE: trailers", "X-Request-Id: trace-42", "X-Custom: kept"});
  ASSERT_EQ(r.status, 200);
  std::string head = upstream.head() + "\r\n";
  EXPECT_TRUE(head.starts_with("GET /chat/history?limit=5 HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Real-IP: 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Host: localhost\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Request-Id: trace-42\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Custom: kept\r\n"), std::string::npos);
  for (const char* hop : {"X-Secret", "Keep-Alive", "TE:", "Connection: keep-alive"}) {
    EXPECT_EQ(head.find(hop), std::string::npos) << hop << " crossed the proxy:\n" << head;
  }
  EXPECT_EQ(r.header("x-request-id"), "trace-42");
}

TEST(Proxy, LargeUploadStreamsPastTheServerBodyLimit) {
  CaptureUpstream upstream;
  ServerProcess edge(
      {"--workers", "1", "--upstream", upstream.url()},
      {{"EDGEWATCH_SERVER_MAX_BODY_SIZE", "64KiB"}, {"EDGEWATCH_LOG_LEVEL", "debug"}});
  std::string body(3 * 1024 * 1024, 'x');
  HttpResponse r = http(edge.port(), "POST", "/api/upload", {}, body);
  ASSERT_EQ(r.status, 200) << edge.err();
  EXPECT_EQ(r.body, std::to_string(body.size()));

  // Chunked from the client: forwarded chunked, every byte arrives.
  Connection c(edge.port());
  std::string chunked =
      "POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked += "2000\r\n" + std::string(0x2000, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  c.send(chunked);
  HttpResponse rc = c.read_response();
  ASSERT_EQ(rc.status, 200);
  EXPECT_EQ(rc.body, std::to_string(40 * 0x2000));
}

TEST(Proxy, WebSocketConversationThroughTheProxy) {
  OrchestratorProcess orchestrator({"--token-delay", "10ms"});
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  WsClient ws(edge.port(), "/api/ws");
  ASSERT_TRUE(ws.open()) << ws.handshake().status;
  ASSERT_TRUE(ws.send_text("hello through the gateway"));
  int tokens = 0;
  for (;;) {
    auto m = ws.read_data(3s);
    ASSERT_TRUE(m.has_value());
    if (m->payload.find("\"done\"") != std::string::npos) break;
    EXPECT_NE(m->payload.find("\"token\""), std::string::npos) << m->payload;
    ++tokens;
  }
  EXPECT_GT(tokens, 2);
  // Pings pass through and the upstream's pong comes back.
  ASSERT_TRUE(ws.send_ping("are-you-there"));
  auto pong = ws.read(3s);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->opcode, WsMessage::kPong);
  EXPECT_EQ(pong->payload, "are-you-there");
  ASSERT_TRUE(ws.send_text("echo:verbatim"));
  auto echo = ws.read_data(3s);
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->payload, "echo:verbatim");
  // A clean close from the client closes both sides.
  ASSERT_TRUE(ws.send_close(1000, "bye"));
  auto close_reply = ws.read_data(3s);
  ASSERT_TRUE(close_reply.has_value());
  EXPECT_EQ(close_reply->opcode, WsMessage::kClose);
  EXPECT_TRUE(ws.closed_within(3s));
}

// Messages of every size cross the tunnel intact: within the first 256-byte read, just past it,
// and larger than the per-thread scratch buffer; fragmented ones too.
TEST(Proxy, WebSocketMessagesOfEverySizeCrossIntact) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  WsClient ws(edge.port(), "/api/ws");
  ASSERT_TRUE(ws.open()) << ws.handshake().status;
  for (std::size_t size : {1, 240, 250, 251, 256, 257, 4096, 65536, 200000}) {
    std::string text = "echo:" + std::string(size, static_cast<char>('a' + size % 26));
    ASSERT_TRUE(ws.send_text(text)) << size;
    auto echo = ws.read_data(5s);
    ASSERT_TRUE(echo.has_value()) << size;
    EXPECT_TRUE(echo->payload == text) << "size " << size << ": got " << echo->payload.size();
  }
  ASSERT_TRUE(ws.send_frame(WsMessage::kText, "echo:" + std::string(300, 'x'), false));
  ASSERT_TRUE(ws.send_frame(0, std::string(300, 'y'), true));
  auto joined = ws.read_data(5s);
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->payload, "echo:" + std::string(300, 'x') + std::string(300, 'y'));
}

TEST(Proxy, QuietWebSocketOutlivesTheHttpReadTimeout) {
  OrchestratorProcess orchestrator;
  // read_timeout applies to HTTP; set it low through a config file to show it does not cut WS.
  std::string dir = make_temp_dir();
  write_file(dir + "/p.toml", "[[proxy]]\nupstreams = [\"" + upstream_url(orchestrator) +
                                  "\"]\nread_timeout = \"1s\"\n");
  ServerProcess short_timeouts({"--workers", "1", "--config", dir + "/p.toml"},
                               {{"EDGEWATCH_SERVER_IDLE_TIMEOUT", "1s"}});
  WsClient ws(short_timeouts.port(), "/api/ws");
  ASSERT_TRUE(ws.open());
  // Quiet past the 1 s read timeout and the 1 s idle timeout: the time passing is the test.
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(ws.send_text("echo:still here"));
  auto m = ws.read_data(3s);
  ASSERT_TRUE(m.has_value()) << "the quiet WebSocket was closed";
  EXPECT_EQ(m->payload, "echo:still here");
}

// A config file proxying /api/ to the orchestrator with the given websocket_idle_timeout.
std::string ws_idle_config(const OrchestratorProcess& orchestrator, const std::string& timeout) {
  std::string path = make_temp_dir() + "/p.toml";
  write_file(path, "[[proxy]]\nupstreams = [\"" + upstream_url(orchestrator) +
                       "\"]\nwebsocket_idle_timeout = \"" + timeout + "\"\n");
  return path;
}

TEST(Proxy, WebSocketIdleTimeoutClosesBothSides) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--config", ws_idle_config(orchestrator, "1s")});
  WsClient ws(edge.port(), "/api/ws");
  ASSERT_TRUE(ws.open());
  auto start = Clock::now();
  EXPECT_TRUE(ws.closed_within(4s));
  EXPECT_GE(Clock::now() - start, 900ms);
  EXPECT_EQ(wait_for_orchestrator_stat(orchestrator.port(), "ws_active", 0, 2s), 0)
      << "the upstream side of the idle tunnel is still open";
}

// A client whose FIN comes in the same epoll event as its upgrade request (the server is stopped
// while both arrive, on a connection that already served a request) raises no later event; the
// tunnel must still see that end and close both sides, not wait for the idle timeout.
TEST(Proxy, WebSocketClientHalfClosingWithItsUpgradeEndsTheTunnel) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  Connection c(edge.port());
  ASSERT_TRUE(send_with_fin_in_one_event(
      edge, c,
      "GET /api/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));

  EXPECT_TRUE(c.closed_within(3s)) << "the tunnel kept a half-closed client";
  EXPECT_EQ(wait_for_orchestrator_stat(orchestrator.port(), "ws_active", 0, 2s), 0);
}

// A client whose FIN comes with a request body cut short (the server stopped while both arrive)
// is let go at once, and so is one that goes silent mid-body, after the send timeout: neither
// pins the exchange.
TEST(Proxy, ClientEndingMidBodyIsLetGoAtOnce) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  Connection c(edge.port());
  ASSERT_TRUE(send_with_fin_in_one_event(
      edge, c,
      "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"mess"));
  EXPECT_TRUE(c.closed_within(3s)) << "a client that ended mid-body pinned the exchange";
}

TEST(Proxy, ClientSilentMidBodyIsLetGoAfterTheSendTimeout) {
  OrchestratorProcess orchestrator;
  std::string config = make_temp_dir() + "/p.toml";
  write_file(config, "[[proxy]]\nupstreams = [\"" + upstream_url(orchestrator) +
                         "\"]\nsend_timeout = \"1s\"\n");
  ServerProcess edge({"--workers", "1", "--config", config});
  Connection c(edge.port());
  ASSERT_TRUE(
      c.send("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 100\r\n\r\n{\"mess"));
  auto start = Clock::now();
  EXPECT_TRUE(c.closed_within(4s)) << "a silent client pinned the exchange";
  EXPECT_GE(Clock::now() - start, 900ms);
}

// The idle timeout measures silence: traffic in either direction moves it.
TEST(Proxy, WebSocketTrafficKeepsTheTunnelPastItsIdleTimeout) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--config", ws_idle_config(orchestrator, "1s")});
  WsClient ws(edge.port(), "/api/ws");
  ASSERT_TRUE(ws.open());
  for (int i = 0; i < 6; ++i) {          // 2.4 s in all, never 1 s quiet
    std::this_thread::sleep_for(400ms);  // quiet for less than the idle timeout: the test's pace
    ASSERT_TRUE(ws.send_text("echo:" + std::to_string(i)));
    auto m = ws.read_data(2s);
    ASSERT_TRUE(m.has_value()) << "closed after " << i << " messages";
    EXPECT_EQ(m->payload, "echo:" + std::to_string(i));
  }
  EXPECT_TRUE(ws.closed_within(3s)) << "once quiet, the tunnel still closes";
}

// A tunnel frees the parsed upgrade request while it runs; its access-log line, written when it
// ends, still names the method, path, status and user agent.
TEST(Proxy, WebSocketAccessLogLineOutlivesTheReleasedRequest) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)},
                     {{"EDGEWATCH_LOG_ACCESS", "json"}});
  {
    WsClient ws(edge.port(), "/api/ws", {"User-Agent: tunnel-log-test/1.0"});
    ASSERT_TRUE(ws.open());
    ASSERT_TRUE(ws.send_text("echo:x"));
    ASSERT_TRUE(ws.read_data(2s).has_value());
    ASSERT_TRUE(ws.send_close());
    ws.closed_within(2s);
  }
  edge.wait_for_out("tunnel-log-test/1.0", 3s);
  std::string out = edge.out();
  std::size_t at = out.find("tunnel-log-test/1.0");
  ASSERT_NE(at, std::string::npos) << out;
  std::size_t begin = out.rfind('\n', at);
  std::string line = out.substr(begin == std::string::npos ? 0 : begin + 1,
                                out.find('\n', at) - (begin == std::string::npos ? 0 : begin + 1));
  EXPECT_NE(line.find("\"method\":\"GET\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"path\":\"/api/ws\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"status\":101"), std::string::npos) << line;
}

TEST(Proxy, UpstreamKilledMidStreamEndsTheClientStreamAndEdgeStaysUp) {
  auto orchestrator = std::make_unique<OrchestratorProcess>();
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(*orchestrator)});
  SseStream stream(edge.port(), "POST", "/api/chat?tokens=100&delay_ms=50", {},
                   R"({"message":"long"})");
  ASSERT_EQ(stream.head().status, 200);
  ASSERT_TRUE(stream.next(2s).has_value());
  ASSERT_TRUE(stream.next(2s).has_value());
  orchestrator->stop(SIGKILL, 2s);
  auto deadline = Clock::now() + 3s;
  while (stream.next(500ms).has_value() && Clock::now() < deadline) {
  }
  EXPECT_FALSE(stream.finished()) << "a broken stream must not look complete";
  EXPECT_TRUE(stream.peer_closed());
  EXPECT_EQ(http(edge.port(), "GET", "/health").status, 200);
}

// An upstream named by host name goes through the resolver; one named by address does not.
TEST(Proxy, UpstreamByHostNameIsResolved) {
  OrchestratorProcess orchestrator;
  ServerProcess edge(
      {"--workers", "1", "--upstream", "http://localhost:" + std::to_string(orchestrator.port())});
  HttpResponse r = http(edge.port(), "GET", "/api/json");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("hello from the example orchestrator"), std::string::npos) << r.body;
}

TEST(Proxy, OneOfTwoUpstreamsDownAndEveryRequestIsStillServed) {
  OrchestratorProcess a({"--name", "a"});
  auto b = std::make_unique<OrchestratorProcess>(std::vector<std::string>{"--name", "b"});
  ServerProcess edge(
      {"--workers", "2", "--upstream", upstream_url(a), "--upstream", upstream_url(*b)});
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i)
    names.insert(http(edge.port(), "GET", "/api/json").header("x-upstream-name"));
  EXPECT_EQ(names.size(), 2u) << "both upstreams should share the load";
  b->stop(SIGKILL, 2s);
  for (int i = 0; i < 30; ++i) {
    HttpResponse r = http(edge.port(), "GET", "/api/json");
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    EXPECT_EQ(r.header("x-upstream-name"), "a");
  }
}

TEST(Proxy, AllUpstreamsDownGivesJson503Fast) {
  int dead_port;
  {
    OrchestratorProcess gone;
    dead_port = gone.port();
  }
  ServerProcess edge(
      {"--workers", "1", "--upstream", "http://127.0.0.1:" + std::to_string(dead_port)});
  for (int i = 0; i < 8; ++i) {
    auto start = Clock::now();
    HttpResponse r = http(edge.port(), "GET", "/api/json");
    auto took = Clock::now() - start;
    ASSERT_EQ(r.status, 503) << r.body;
    EXPECT_LT(took, 500ms);
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_FALSE(r.header("retry-after").empty());
    EXPECT_TRUE(std::regex_search(
        r.body,
        std::regex(
            R"(\{"error":\{"code":"upstream_unavailable","message":"[^"]+","request_id":"[0-9a-f]{32}"\}\})")))
        << r.body;
  }
  EXPECT_EQ(http(edge.port(), "GET", "/health").status, 200);
}

TEST(Proxy, CircuitOpensAfterConsecutiveFailuresAndClosesAfterRecovery) {
  OrchestratorProcess orchestrator;
  std::string dir = make_temp_dir();
  write_file(dir + "/p.toml", "[[proxy]]\nupstreams = [\"" + upstream_url(orchestrator) +
                                  "\"]\ncircuit_failures = 3\ncircuit_base_ejection = \"1s\"\n"
                                  "health_check_path = \"\"\nretries = 0\n"
                                  // The breaker alone: one client may eject; no panic routing.
                                  "circuit_min_clients = 1\npanic_threshold = 0\n");
  ServerProcess edge({"--workers", "1", "--config", dir + "/p.toml"});
  HttpResponse control = http(orchestrator.port(), "POST", "/_control",
                              {"Content-Type: application/json"}, R"({"mode":"fail"})");
  ASSERT_EQ(control.status, 200) << control.body;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(chat(edge.port()).status, 500);
  long seen = orchestrator_stat(orchestrator.port(), "chat_requests");
  HttpResponse open = chat(edge.port());
  EXPECT_EQ(open.status, 503) << "the circuit should be open";
  EXPECT_NE(open.body.find("upstream_unavailable"), std::string::npos);
  EXPECT_EQ(orchestrator_stat(orchestrator.port(), "chat_requests"), seen)
      << "an open circuit must not send requests upstream";

  http(orchestrator.port(), "POST", "/_control", {"Content-Type: application/json"},
       R"({"mode":"healthy"})");
  // The 1 s ejection must run out before the half-open trial: the time passing is the test.
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(chat(edge.port()).status, 200) << "half-open trial should pass";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(chat(edge.port()).status, 200);
}

TEST(Proxy, PostThatReachedAnUpstreamIsNeverRetried) {
  OrchestratorProcess a({"--name", "a"});
  OrchestratorProcess b({"--name", "b"});
  std::string dir = make_temp_dir();
  write_file(dir + "/p.toml", "[[proxy]]\nupstreams = [\"" + upstream_url(a) + "\", \"" +
                                  upstream_url(b) +
                                  "\"]\nread_timeout = \"1s\"\nretries = 2\n"
                                  "health_check_path = \"\"\n");  // probes would count too
  ServerProcess edge({"--workers", "1", "--config", dir + "/p.toml"});
  // Counting /chat only: edgewatch's own probes (health checks, readiness) do not count.
  long before =
      orchestrator_stat(a.port(), "chat_requests") + orchestrator_stat(b.port(), "chat_requests");
  auto start = Clock::now();
  HttpResponse r = http(edge.port(), "POST", "/api/chat?hang=1", {}, R"({"message":"once"})");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_LT(Clock::now() - start, 3s);
  long after =
      orchestrator_stat(a.port(), "chat_requests") + orchestrator_stat(b.port(), "chat_requests");
  EXPECT_EQ(after - before, 1) << "the POST was sent more than once";
}

TEST(Proxy, ClientDisconnectCancelsTheUpstreamRequest) {
  OrchestratorProcess orchestrator;
  ServerProcess edge({"--workers", "1", "--upstream", upstream_url(orchestrator)});
  {
    SseStream stream(edge.port(), "POST", "/api/chat?tokens=200&delay_ms=50", {},
                     R"({"message":"leaving"})");
    ASSERT_TRUE(stream.next(2s).has_value());
    EXPECT_EQ(orchestrator_stat(orchestrator.port(), "active_streams"), 1);
    stream.close();
  }
  EXPECT_EQ(wait_for_orchestrator_stat(orchestrator.port(), "cancelled_streams", 1, 2s), 1);
  EXPECT_EQ(orchestrator_stat(orchestrator.port(), "active_streams"), 0);
}

TEST(Proxy, BadProxyConfigurationStopsStartup) {
  std::string dir = make_temp_dir();
  write_file(
      dir + "/p.toml",
      "[[proxy]]\nprefix = \"api\"\nupstreams = [\"ftp://x\"]\n[[proxy]]\nprefix = \"/b/\"\n");
  CommandResult r = run_edgewatch({"check-config", dir + "/p.toml"});
  EXPECT_EQ(r.exit_code, 2);
  // Schema problems and the gateway's own rules, reported together.
  EXPECT_NE(r.err.find("proxy[0].upstreams"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("proxy[0].prefix: expected a path starting and ending with /"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("proxy[1].upstreams: expected at least one http:// URL"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("has 3 problems"), std::string::npos) << r.err;
  CommandResult r2 = run_edgewatch({"serve", "--config", dir + "/p.toml"});
  EXPECT_EQ(r2.exit_code, 2);
}

}  // namespace
}  // namespace ew::test
