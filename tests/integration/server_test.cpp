// The core HTTP server, exercised through the real binary over loopback: limits, keep-alive,
// HEAD, malformed input, request ids, access log and graceful shutdown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include <regex>

#include "harness.h"

namespace ew::test {
namespace {

// The server has read all that was sent on `c` so far: nothing waits in its receive queue.
bool read_by_server(const Connection& c) {
  auto s = server_side_socket(c.fd());
  return s && s->unread == 0;
}

using Clock = std::chrono::steady_clock;

TEST(Server, HealthAnswersPlainTextWithDateAndNoServerHeader) {
  ServerProcess server({"--workers", "1"});
  HttpResponse r = http(server.port(), "GET", "/health");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "healthy\n");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(std::regex_match(
      r.header("date"),
      std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")));
  EXPECT_EQ(r.count("server"), 0u);
  EXPECT_EQ(r.header("x-request-id").size(), 32u);
}

TEST(Server, HeadSendsHeadersAndLengthButNoBody) {
  ServerProcess server({"--workers", "1"});
  Connection c(server.port());
  ASSERT_TRUE(
      c.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse head = c.read_response(/*head=*/true);
  ASSERT_TRUE(head.complete);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "8");
  // Had HEAD carried a body, these bytes would corrupt the next response on the connection.
  HttpResponse get = c.read_response();
  ASSERT_TRUE(get.complete);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "healthy\n");
}

TEST(Server, ManyRequestsOnOneKeepAliveConnection) {
  ServerProcess server({"--workers", "2"});
  Connection c(server.port());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    HttpResponse r = c.read_response();
    ASSERT_TRUE(r.complete) << "request " << i;
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.count("connection"), 0u);
  }
  // Pipelined: ten requests in one write, ten responses in order.
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.read_response().status, 200);
}

TEST(Server, Http10ClosesUnlessKeepAliveAsked) {
  ServerProcess server({"--workers", "1"});
  Connection plain(server.port());
  plain.send("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(plain.read_response().status, 200);
  EXPECT_TRUE(plain.closed_within(2s));

  Connection kept(server.port());
  kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  HttpResponse r = kept.read_response();
  EXPECT_EQ(r.header("connection"), "keep-alive");
  kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(kept.read_response().status, 200);
}

TEST(Server, OversizedHeaderGets431AndClose) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_MAX_HEADER_SIZE", "1KiB"}});
  Connection c(server.port());
  c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  HttpResponse r = c.read_response();
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("header_too_large"), std::string::npos);
  EXPECT_TRUE(c.closed_within(2s));
  // A header just under the limit is fine.
  EXPECT_EQ(http(server.port(), "GET", "/health", {"X-Small: " + std::string(500, 'a')}).status,
            200);
}

TEST(Server, OversizedBodyGets413WithoutReadingIt) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_MAX_BODY_SIZE", "1KiB"}});
  Connection c(server.port());
  c.send("POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  HttpResponse r = c.read_response();
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("5000"), std::string::npos) << r.body;
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(Server, MalformedRequestsGet400) {
  ServerProcess server({"--workers", "1"});
  for (std::string bad :
       {"GARBAGE\r\n\r\n", "GET /health HTTP/9.9\r\n\r\n",
        "GET /health HTTP/1.1\r\nBad Header\r\n\r\n", "GET\x01 / HTTP/1.1\r\n\r\n"}) {
    Connection c(server.port());
    c.send(bad);
    HttpResponse r = c.read_response();
    ASSERT_TRUE(r.complete) << bad;
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(c.closed_within(2s)) << bad;
  }
  EXPECT_EQ(http(server.port(), "GET", "/health").status, 200);
}

TEST(Server, UnknownPathIs404JsonAndWrongMethodIs405WithAllow) {
  ServerProcess server({"--workers", "1"});
  HttpResponse missing = http(server.port(), "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("content-type"), "application/json");
  EXPECT_NE(missing.body.find("\"request_id\":\"" + missing.header("x-request-id")),
            std::string::npos);
  HttpResponse wrong = http(server.port(), "DELETE", "/health");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET, HEAD");
}

TEST(Server, SlowHeaderIsClosedAfterHeaderTimeout) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_HEADER_TIMEOUT", "1s"}});
  Connection c(server.port());
  auto start = Clock::now();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_FALSE(c.closed_within(700ms)) << "closed before the timeout";
  c.send("X-Drip: 1\r\n");  // dripping bytes must not extend the header deadline
  EXPECT_TRUE(c.closed_within(3s));
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_EQ(http(server.port(), "GET", "/health").status, 200);
}

TEST(Server, IdleKeepAliveConnectionIsClosed) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_IDLE_TIMEOUT", "500ms"}});
  Connection c(server.port());
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(c.closed_within(2s));
}

// At the cap, a waiting client is admitted by closing the connection idle longest.
TEST(Server, ConnectionCapClosesTheIdlestToAdmitANewClient) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_MAX_CONNECTIONS", "2"}});
  Connection first(server.port());
  ASSERT_TRUE(first.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(first.read_response().status, 200);
  Connection second(server.port());
  ASSERT_TRUE(second.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(second.read_response().status, 200);
  // Idleness is ordered by time: some must pass for the second's next activity to be later.
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(second.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));  // second is the fresher
  ASSERT_EQ(second.read_response().status, 200);

  Connection third(server.port());
  ASSERT_TRUE(third.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(third.read_response(false, 3s).status, 200);
  EXPECT_TRUE(first.closed_within(1s)) << "the connection idle longest makes room";
  ASSERT_TRUE(second.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(second.read_response().status, 200) << "the fresher one is kept";
  EXPECT_TRUE(server.wait_for_err("connection limit of 2 reached"));
}

// When no connection is idle (both are inside a request), accepting pauses and resumes as soon
// as a slot frees.
TEST(Server, ConnectionCapPausesAcceptingWhenNoneIsIdle) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_MAX_CONNECTIONS", "2"}});
  auto first = std::make_unique<Connection>(server.port());
  Connection second(server.port());
  ASSERT_TRUE(first->send("GET /health HTTP/1.1\r\n"));  // headers not finished: not idle
  ASSERT_TRUE(second.send("GET /health HTTP/1.1\r\n"));
  ASSERT_TRUE(wait_until([&] { return read_by_server(*first) && read_by_server(second); }, 5s,
                         "both partial requests read by the server"));

  Connection third(server.port());
  ASSERT_TRUE(third.connected());
  third.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse waiting = third.read_response(false, 600ms);
  EXPECT_FALSE(waiting.complete);

  first.reset();  // frees a slot
  HttpResponse served = third.read_response(false, 3s);
  ASSERT_TRUE(served.complete);
  EXPECT_EQ(served.status, 200);
  ASSERT_TRUE(second.send("Host: x\r\n\r\n"));
  EXPECT_EQ(second.read_response().status, 200) << "a connection inside a request is never closed";
}

// A client that sends its request and its FIN together is answered and then closed promptly,
// not after the idle timeout: no later event announces that FIN, so the idle sweep has to find
// it.
TEST(Server, HalfCloseRightAfterTheRequestIsClosedPromptly) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_IDLE_TIMEOUT", "60s"}});
  Connection client(server.port());
  ASSERT_TRUE(
      send_with_fin_in_one_event(server, client, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));

  HttpResponse r = client.read_response(false, 3s);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(client.closed_within(2s)) << "a half-closed client was kept until the idle timeout";
}

// The same for a FIN that comes with half a request header: the connection ends as end of stream
// would end it, not at the header timeout.
TEST(Server, HalfCloseInsideAHeaderEndsTheConnectionPromptly) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_HEADER_TIMEOUT", "30s"}});
  Connection client(server.port());
  ASSERT_TRUE(send_with_fin_in_one_event(server, client, "GET /health HTTP/1.1\r\nHo"));

  EXPECT_TRUE(client.closed_within(3s)) << "kept until the header timeout";
}

TEST(Server, DrainLetsRequestInFlightFinishThenExitsZero) {
  ServerProcess server({"--workers", "1"});
  Connection idle(server.port());
  idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(idle.read_response().status, 200);

  Connection busy(server.port());
  busy.send("GET /health HTTP/1.1\r\nHost: x\r\n");  // header not finished yet: in flight
  ASSERT_TRUE(wait_until([&] { return read_by_server(busy); }, 5s, "the partial request read"));
  server.signal(SIGTERM);
  EXPECT_TRUE(idle.closed_within(2s)) << "idle keep-alive connection kept open while draining";
  // Once the server has done all it does on SIGTERM (every thread asleep), it must still run.
  ASSERT_TRUE(wait_until([&] { return process_idle(server.pid()); }, 5s, "the server idle"));
  EXPECT_TRUE(server.running()) << "exited before the request in flight finished";
  busy.send("\r\n");
  HttpResponse r = busy.read_response();
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(server.stop(0, 5s), 0);
  // New connections are refused once draining began.
  Connection late(server.port());
  EXPECT_FALSE(late.connected());
}

TEST(Server, DrainDeadlineClosesStuckConnections) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_SERVER_DRAIN_TIMEOUT", "500ms"}});
  Connection stuck(server.port());
  stuck.send("GET /health HTTP/1.1\r\n");
  ASSERT_TRUE(wait_until([&] { return read_by_server(stuck); }, 5s, "the partial request read"));
  auto start = Clock::now();
  EXPECT_EQ(server.stop(SIGINT, 5s), 0);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_TRUE(server.err().find("drain deadline passed") != std::string::npos) << server.err();
}

TEST(Server, RequestIdIsEchoedWhenSaneAndReplacedOtherwise) {
  ServerProcess server({"--workers", "1"});
  EXPECT_EQ(http(server.port(), "GET", "/health", {"X-Request-Id: abc-123.DEF_4:5"})
                .header("x-request-id"),
            "abc-123.DEF_4:5");
  for (std::string bad : {std::string(200, 'a'), std::string("has space"), std::string("quote\"d"),
                          std::string("")}) {
    std::string id =
        http(server.port(), "GET", "/health", {"X-Request-Id: " + bad}).header("x-request-id");
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << bad << " -> " << id;
  }
}

TEST(Server, AccessLogHasOneJsonLinePerRequestButNotForHealth) {
  ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_LOG_ACCESS", "json"}});
  http(server.port(), "GET", "/health");
  HttpResponse r = http(server.port(), "GET", "/missing?q=1", {"User-Agent: probe/1.0"});
  std::string id = r.header("x-request-id");
  server.wait_for_out(id, 3s);
  std::string out = server.out();
  EXPECT_EQ(out.find("/health"), std::string::npos) << out;
  std::regex line(
      "\\{\"time\":\"[0-9T:.\\-]+Z\",\"request_id\":\"" + id +
      "\",\"method\":\"GET\",\"path\":\"/missing\",\"status\":404,\"bytes\":\\d+,"
      "\"duration_us\":\\d+,\"client\":\"127.0.0.1\",\"user_agent\":\"probe/1.0\"\\}\n");
  EXPECT_TRUE(std::regex_search(out, line)) << out;
}

TEST(Server, AccessLogCanBeTextOrOff) {
  {
    ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_LOG_ACCESS", "text"}});
    std::string id = http(server.port(), "GET", "/x").header("x-request-id");
    ASSERT_TRUE(server.stop(SIGTERM) == 0);
    EXPECT_NE(server.out().find("127.0.0.1 GET /x 404"), std::string::npos) << server.out();
    EXPECT_NE(server.out().find("id=" + id), std::string::npos);
  }
  {
    ServerProcess server({"--workers", "1"}, {{"EDGEWATCH_LOG_ACCESS", "off"}});
    http(server.port(), "GET", "/x");
    ASSERT_TRUE(server.stop(SIGTERM) == 0);
    EXPECT_EQ(server.out(), "");
  }
}

TEST(Server, PortInUseIsARuntimeFailure) {
  ServerProcess first({"--workers", "2"});
  std::string address = "127.0.0.1:" + std::to_string(first.port());
  CommandResult r = run_edgewatch({"serve", "--listen", address}, {}, 10s);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot listen on " + address), std::string::npos) << r.err;
  EXPECT_EQ(http(first.port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace ew::test

namespace ew::test {
namespace {

// sendfile(2) raises SIGPIPE when the client is gone; the server must survive it.
TEST(Server, ClientAbortingALargeDownloadDoesNotKillTheServer) {
  std::string root = make_temp_dir();
  write_file(root + "/index.html", "<!doctype html><title>x</title>");
  write_file(root + "/big.bin", std::string(16 * 1024 * 1024, 'b'));
  ServerProcess server({"--workers", "1", "--root", root});
  const int sockets = open_sockets(server.pid());
  for (int i = 0; i < 3; ++i) {
    Connection c(server.port());
    c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[1024];
    ASSERT_GT(recv(c.fd(), buf, sizeof buf, 0), 0);
    // Leave with unread data pending: the kernel answers the next send with RST, then EPIPE.
    struct linger hard_close {
      1, 0
    };
    setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &hard_close, sizeof hard_close);
  }
  // The server met the resets (it closed all three connections) and survived them.
  EXPECT_TRUE(wait_until([&] { return !server.running() || open_sockets(server.pid()) == sockets; },
                         5s, "the server to close the aborted connections"));
  EXPECT_TRUE(server.running()) << server.err();
  EXPECT_EQ(http(server.port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace ew::test
