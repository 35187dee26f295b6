// Hostile input, as an attacker would send it: every case names the status edgewatch must answer,
// and where a request could smuggle bytes past the edge, an upstream records what reached it.
// The server's request rules are in core/request_rules.h; the gateway's in proxy/.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>

#include "harness.h"
#include "upstreams.h"

namespace ew::test {
namespace {

std::string fixture_root() {
  return source_dir() + "/tests/fixtures/dist";
}

// edgewatch serving the fixture site with /api/ (and /v2/, rewritten to /base/) proxied to
// `upstream_url`, plus whatever `extra` TOML adds to [server].
std::string write_config(const std::string& upstream_url, const std::string& extra_server = "") {
  std::string dir = make_temp_dir();
  std::string path = dir + "/edgewatch.toml";
  std::string workers = extra_server.find("workers") == std::string::npos ? "workers = 1\n" : "";
  write_file(path, "[server]\n" + workers + extra_server + "\n[static]\nroot = \"" +
                       fixture_root() + "\"\n\n[[proxy]]\nprefix = \"/api/\"\nupstreams = [\"" +
                       upstream_url +
                       "\"]\nhealth_check_path = \"\"\n\n[[proxy]]\nprefix = \"/v2/\"\n"
                       "rewrite = \"/base/\"\nupstreams = [\"" +
                       upstream_url +
                       "\"]\nhealth_check_path = \"\"\n\n"
                       "# Only the test's own requests may reach the upstream.\n"
                       "[readiness]\nenabled = false\n");
  return path;
}

ServerProcess start_edge(const std::string& upstream_url, const std::string& extra_server = "") {
  return ServerProcess({"--config", write_config(upstream_url, extra_server)},
                       {{"EDGEWATCH_LOG_ACCESS", "off"}});
}

struct Exchange {
  HttpResponse response;
  bool closed = false;  // the server closed the connection after answering
};

// Sends raw bytes on a fresh connection; reads one response and whether the connection ends.
Exchange send_raw(int port, const std::string& bytes) {
  Connection c(port);
  Exchange out;
  if (!c.send(bytes)) return out;
  out.response = c.read_response();
  out.closed = c.closed_within(std::chrono::milliseconds(1000));
  return out;
}

struct Case {
  const char* name;
  std::string request;
  int status;
  bool must_close;
};

class Hostile : public ::testing::Test {
 protected:
  CaptureUpstream upstream_;
  ServerProcess edge_ = start_edge(upstream_.url());

  void expect_cases(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
      Exchange e = send_raw(edge_.port(), c.request);
      EXPECT_EQ(e.response.status, c.status) << c.name;
      if (c.must_close) {
        EXPECT_TRUE(e.closed) << c.name << ": the connection must close";
      }
      if (e.response.status >= 400 && e.response.status != 404) {
        EXPECT_NE(e.response.body.find("\"error\""), std::string::npos)
            << c.name << ": errors explain themselves in JSON: " << e.response.body;
        EXPECT_FALSE(e.response.header("x-request-id").empty()) << c.name;
        EXPECT_FALSE(e.response.header("date").empty()) << c.name;
      }
    }
  }
};

// RFC 9112 6.1 and 6.3: bytes a proxy frames differently from its upstream become a second
// request. The smuggled one is "GET /smuggled": it must never reach the upstream.
TEST_F(Hostile, TransferEncodingThatCannotBeFramedIsRefusedAndNothingIsSmuggled) {
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  std::string length = std::to_string(smuggled.size());
  expect_cases({
      {"TE gzip alone",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, 400, true},
      {"TE chunked, identity",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n" + smuggled,
       400, true},
      {"TE gzip, chunked (not implemented)",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" +
           smuggled,
       501, true},
      {"TE xchunked with Content-Length",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\nContent-Length: " +
           length + "\r\n\r\n" + smuggled,
       400, true},
      {"TE chunked with Content-Length",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" +
           smuggled,
       400, true},
      {"TE on a static path",
       "POST /index.html HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, 400,
       true},
      {"TE in HTTP/1.0", "POST /api/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       true},
      {"two different Content-Lengths",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc", 400,
       true},
  });
  EXPECT_EQ(upstream_.head().find("/smuggled"), std::string::npos) << upstream_.head();
  EXPECT_TRUE(upstream_.head().empty()) << "nothing at all should have been forwarded:\n"
                                        << upstream_.head();
}

TEST_F(Hostile, TheTeRequestFieldIsUnrelatedAndStaysLegal) {
  HttpResponse r = http(edge_.port(), "GET", "/api/x", {"TE: trailers"});
  EXPECT_EQ(r.status, 200);
}

TEST_F(Hostile, InvalidChunkSizesGet400ThenClose) {
  expect_cases({
      {"chunk size not hex, proxied",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
       "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
       400, true},
      {"chunk size overflowing 64 bits, proxied",
       "POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "10000000000000000\r\nx\r\n",
       400, true},
      {"chunk size not hex, buffered route",
       "POST /api/monitoring/errors HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "-5\r\nhello\r\n0\r\n\r\n",
       400, true},
  });
}

TEST_F(Hostile, HostMustBeOneValidHostInHttp11) {
  expect_cases({
      {"no Host in HTTP/1.1", "GET /api/x HTTP/1.1\r\n\r\n", 400, true},
      {"two Host fields", "GET /api/x HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", 400,
       true},
      {"Host with a path", "GET /api/x HTTP/1.1\r\nHost: evil.com/x?@a\r\n\r\n", 400, true},
      {"Host with userinfo", "GET /index.html HTTP/1.1\r\nHost: user@a.example\r\n\r\n", 400, true},
      {"empty Host", "GET /index.html HTTP/1.1\r\nHost:\r\n\r\n", 400, true},
      {"valid Host with port", "GET /index.html HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 200,
       false},
  });
  EXPECT_TRUE(upstream_.head().empty()) << upstream_.head();
}

TEST_F(Hostile, UpstreamGetsTheClientsHostNeverAnInventedOne) {
  Exchange e = send_raw(edge_.port(), "GET /api/x HTTP/1.1\r\nHost: app.example:8080\r\n\r\n");
  ASSERT_EQ(e.response.status, 200);
  std::string head = upstream_.head() + "\r\n";
  EXPECT_NE(head.find("\r\nHost: app.example:8080\r\n"), std::string::npos) << head;

  // HTTP/1.0 may omit Host: the upstream then gets its own address, as nginx's $proxy_host.
  e = send_raw(edge_.port(), "GET /api/y HTTP/1.0\r\n\r\n");
  ASSERT_EQ(e.response.status, 200);
  head = upstream_.head() + "\r\n";
  std::string upstream_authority = upstream_.url().substr(std::string("http://").size());
  EXPECT_NE(head.find("\r\nHost: " + upstream_authority + "\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("localhost"), std::string::npos) << head;
}

TEST_F(Hostile, AbsoluteFormTargetsAreAcceptedAndTheirHostUsed) {
  Exchange e = send_raw(
      edge_.port(), "GET http://app.example/api/chat?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
  ASSERT_EQ(e.response.status, 200);
  std::string head = upstream_.head() + "\r\n";
  EXPECT_TRUE(head.starts_with("GET /chat?x=1 HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("\r\nHost: app.example\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("other.example"), std::string::npos) << head;

  e = send_raw(edge_.port(), "GET http://app.example/index.html HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(e.response.status, 200) << "static files answer absolute-form targets too";
  e = send_raw(edge_.port(), "GET http://evil.com@x/index.html HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(e.response.status, 400);
}

TEST_F(Hostile, TraceIsRefusedByDefault) {
  Exchange e = send_raw(edge_.port(), "TRACE /api/x HTTP/1.1\r\nHost: a\r\nCookie: s=1\r\n\r\n");
  EXPECT_EQ(e.response.status, 405);
  EXPECT_FALSE(e.response.header("allow").empty());
  EXPECT_TRUE(upstream_.head().empty()) << upstream_.head();
}

TEST(HostileConfig, TraceIsForwardedWhenAllowed) {
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "allow_trace = true\n");
  Exchange e = send_raw(edge.port(), "TRACE /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(e.response.status, 200);
  EXPECT_TRUE(upstream.head().starts_with("TRACE /x HTTP/1.1")) << upstream.head();
}

// A route rewriting /v2/ to /base/: no spelling of ".." may reach the upstream outside /base/.
TEST_F(Hostile, DotSegmentsNeverReachAnUpstream) {
  for (const char* path : {"/v2/../admin", "/v2/%2e%2e/admin", "/v2/.%2e/admin", "/v2/%2E%2E/admin",
                           "/v2/x/../../admin"}) {
    HttpResponse r = http(edge_.port(), "GET", path);
    EXPECT_TRUE(upstream_.head().empty()) << path << " reached the upstream:\n" << upstream_.head();
  }
  for (const char* path : {"/v2/x/..%2f../admin", "/v2/..%2Fadmin", "/v2/..%5cadmin",
                           "/v2/a%2f../b", "/../etc/passwd", "/api/../../etc/passwd"}) {
    HttpResponse r = http(edge_.port(), "GET", path);
    EXPECT_EQ(r.status, 400) << path;
  }
  EXPECT_TRUE(upstream_.head().empty()) << upstream_.head();

  HttpResponse r = http(edge_.port(), "GET", "/v2/a/../b/./c?q=../x");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(upstream_.head().starts_with("GET /base/b/c?q=../x HTTP/1.1\r\n"))
      << upstream_.head();
  r = http(edge_.port(), "GET", "/v2/users/a%2Fb");
  EXPECT_EQ(r.status, 200) << "an encoded slash without dot segments is kept";
  EXPECT_TRUE(upstream_.head().starts_with("GET /base/users/a%2Fb HTTP/1.1\r\n"))
      << upstream_.head();
}

TEST(HostileConfig, EncodedSlashesCanBeRefusedEverywhere) {
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "escaped_slashes = \"reject\"\n");
  EXPECT_EQ(http(edge.port(), "GET", "/v2/users/a%2Fb").status, 400);
  EXPECT_EQ(http(edge.port(), "GET", "/v2/users/b").status, 200);
}

// Cases that already held before this suite, kept so that they stay held.
TEST_F(Hostile, MalformedHeadsAreRefused) {
  expect_cases({
      {"NUL in a header value",
       std::string("GET /index.html HTTP/1.1\r\nHost: a\r\nX: a") + '\0' + "b\r\n\r\n", 400, true},
      {"bare CR in a header", "GET /index.html HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, true},
      {"space before the colon", "GET /index.html HTTP/1.1\r\nHost : a\r\n\r\n", 400, true},
      {"header too large",
       "GET /index.html HTTP/1.1\r\nHost: a\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431,
       true},
      {"unknown HTTP version", "GET /index.html HTTP/2.7\r\nHost: a\r\n\r\n", 400, true},
  });
}

// RFC 9112 5.2 lets a server either refuse a folded field or replace each fold with spaces;
// edgewatch (through Beast's parser) does the latter, so no line break reaches an upstream.
TEST_F(Hostile, ObsoleteLineFoldingReachesTheUpstreamAsOneLine) {
  Exchange e = send_raw(edge_.port(),
                        "GET /api/fold HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n Injected: 1\r\n\r\n");
  EXPECT_EQ(e.response.status, 200);
  std::string head = upstream_.head() + "\r\n";
  EXPECT_EQ(head.find("\r\n Injected"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nInjected"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Folded: a"), std::string::npos) << head;
}

TEST_F(Hostile, TraversalInManySpellingsNeverLeavesTheRoot) {
  for (const char* path :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
        "/%252e%252e/etc/passwd", "/assets/..%5c..%5cetc/passwd", "/.env", "/.git/config"}) {
    HttpResponse r = http(edge_.port(), "GET", path);
    // 200 is the SPA fallback's index.html for a name that does not exist, which is fine.
    EXPECT_TRUE(r.status == 200 || r.status == 400 || r.status == 404)
        << path << " gave " << r.status;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
}

// Behind a load balancer, the client is what the trusted hops say, and nobody else is believed.
TEST(HostileConfig, TrustedProxiesNameTheClientAndOthersCannotForgeIt) {
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "trusted_proxies = [\"127.0.0.2/32\"]\n");
  const std::string request =
      "GET /api/x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.5\r\n\r\n";
  Connection via_balancer(edge.port(), "127.0.0.2");
  ASSERT_TRUE(via_balancer.send(request));
  ASSERT_EQ(via_balancer.read_response().status, 200);
  std::string head = upstream.head() + "\r\n";
  EXPECT_NE(head.find("\r\nX-Real-IP: 203.0.113.5\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.5, 127.0.0.2\r\n"),
            std::string::npos)
      << head;

  Connection direct(edge.port(), "127.0.0.3");
  ASSERT_TRUE(direct.send(request));
  ASSERT_EQ(direct.read_response().status, 200);
  head = upstream.head() + "\r\n";
  EXPECT_NE(head.find("\r\nX-Real-IP: 127.0.0.3\r\n"), std::string::npos)
      << "an untrusted peer's X-Forwarded-For is not believed:\n"
      << head;
}

// --- 1xx from upstreams (RFC 9110 15.2) -------------------------------------------------------

TEST(HostileInterim, UpstreamContinueIsSwallowedAndEarlyHintsRelayedBeforeTheAnswer) {
  ScriptedUpstream upstream(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </assets/app.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  ServerProcess edge = start_edge(upstream.url());
  Connection c(edge.port());
  ASSERT_TRUE(c.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string raw = c.read_all(std::chrono::seconds(3));
  EXPECT_EQ(raw.find("HTTP/1.1 100"), std::string::npos) << raw;
  std::size_t hints = raw.find("HTTP/1.1 103 Early Hints\r\n");
  std::size_t final_answer = raw.find("HTTP/1.1 200 OK\r\n");
  ASSERT_NE(hints, std::string::npos) << raw;
  ASSERT_NE(final_answer, std::string::npos) << raw;
  EXPECT_LT(hints, final_answer);
  EXPECT_NE(raw.find("Link: </assets/app.css>; rel=preload\r\n"), std::string::npos) << raw;
  EXPECT_TRUE(raw.ends_with("\r\n\r\nok")) << raw;
}

TEST(HostileInterim, UnsolicitedSwitchingProtocolsIsABadGateway) {
  ScriptedUpstream upstream(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
      "raw bytes of another protocol");
  ServerProcess edge = start_edge(upstream.url());
  HttpResponse r = http(edge.port(), "GET", "/api/x");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body.find("raw bytes"), std::string::npos);
}

TEST(HostileInterim, EndlessInterimAnswersAreABadGateway) {
  std::string answer;
  for (int i = 0; i < 50; ++i) answer += "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
  ScriptedUpstream upstream(answer);
  ServerProcess edge = start_edge(upstream.url());
  Connection c(edge.port());
  ASSERT_TRUE(c.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string raw = c.read_all(std::chrono::seconds(3));
  EXPECT_NE(raw.find("HTTP/1.1 502"), std::string::npos) << raw.substr(0, 2000);
}

// curl sends Expect: 100-continue for bodies over 1 MiB and waits for the 100 before sending.
TEST(HostileInterim, CurlUploadWithExpectContinueGetsTheFinalAnswer) {
  CaptureUpstream upstream;  // answers 100 to an Expect it sees, as Go and Node do
  ServerProcess edge = start_edge(upstream.url());
  std::string dir = make_temp_dir();
  std::string body(2 * 1024 * 1024, 'x');
  write_file(dir + "/2MB.bin", body);
  std::string command = "curl -sS -o " + dir + "/out -w '%{http_code}' --max-time 10 " +
                        "--expect100-timeout 5 --data-binary @" + dir +
                        "/2MB.bin http://127.0.0.1:" + std::to_string(edge.port()) +
                        "/api/upload 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[256] = {};
  std::string status;
  while (fgets(buf, sizeof buf, pipe)) status += buf;
  pclose(pipe);
  EXPECT_EQ(status, "200");
  std::ifstream out(dir + "/out");
  std::string answer((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(answer, std::to_string(body.size()));
  EXPECT_EQ(upstream.head().find("Expect"), std::string::npos)
      << "the expectation is answered at the edge, not forwarded:\n"
      << upstream.head();
}

TEST(HostileInterim, EdgeAnswersExpectContinueBeforeTheBodyIsSent) {
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url());
  Connection c(edge.port());
  ASSERT_TRUE(
      c.send("POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  HttpResponse interim = c.read_response();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send("hello"));
  HttpResponse final_answer = c.read_response();
  EXPECT_EQ(final_answer.status, 200);
  EXPECT_EQ(final_answer.body, "5");
}

// --- Connection exhaustion ------------------------------------------------------------------

void raise_own_descriptor_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

// Opens `count` connections that each make one keep-alive request and then idle.
std::vector<std::unique_ptr<Connection>> idle_clients(int port, int count,
                                                      const std::string& source = "") {
  std::vector<std::unique_ptr<Connection>> clients;
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<Connection>(port, source);
    if (!c->connected() || !c->send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n")) break;
    if (c->read_response(false, std::chrono::seconds(5)).status != 200) break;
    clients.push_back(std::move(c));
  }
  return clients;
}

TEST(HostileConnections, IdleKeepAliveFloodBeyondTheLimitCannotLockOutNewClients) {
  raise_own_descriptor_limit();
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "max_connections = 1000\n");
  // 1,100 idle keep-alive connections from three addresses: more than the limit.
  auto first = idle_clients(edge.port(), 400, "127.0.0.2");
  auto second = idle_clients(edge.port(), 400, "127.0.0.3");
  auto third = idle_clients(edge.port(), 300, "127.0.0.4");
  EXPECT_EQ(first.size() + second.size() + third.size(), 1100u)
      << "each of them was served once before idling";
  for (int i = 0; i < 20; ++i) {
    auto started = std::chrono::steady_clock::now();
    HttpResponse r = http(edge.port(), "GET", "/health");
    EXPECT_EQ(r.status, 200) << "attempt " << i;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  }
  // Room was made by closing the connections idle longest: the first ones opened.
  int first_closed = 0;
  for (auto& c : first) first_closed += c->closed_within(std::chrono::milliseconds(1)) ? 1 : 0;
  int third_closed = 0;
  for (auto& c : third) third_closed += c->closed_within(std::chrono::milliseconds(1)) ? 1 : 0;
  EXPECT_GT(first_closed, 0);
  EXPECT_EQ(third_closed, 0) << "the most recently active connections are kept";
}

long resident_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

// glibc keeps what a flood's connections freed in its per-thread arenas; edgewatch hands the free
// pages back once the flood has receded. (What stays is pinned by Asio's reactor, which keeps a
// small state object per socket it ever had for reuse: see docs/operations.md.)
TEST(HostileConnections, MemoryIsReturnedAfterAFloodOfConnections) {
  raise_own_descriptor_limit();
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "workers = 2\n");
  long before = resident_kib(edge.pid());
  long peak = 0;
  {
    std::vector<std::vector<std::unique_ptr<Connection>>> flood;
    for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
      flood.push_back(idle_clients(edge.port(), 1500, source));
      ASSERT_EQ(flood.back().size(), 1500u);
    }
    peak = resident_kib(edge.pid());
  }
  long after = peak;
  (void)wait_until(
      [&] { return (after = resident_kib(edge.pid())) < before + (peak - before) / 2; },
      std::chrono::seconds(5), "memory handed back");
  EXPECT_GT(peak - before, 20 * 1024) << "6,000 connections should have cost memory";
  EXPECT_LT(after, before + (peak - before) / 2)
      << "resident " << before << " KiB before, " << peak << " KiB during, " << after
      << " KiB after the flood";
}

TEST(HostileConnections, PerAddressCapRefusesOneAddressAndNotTheOthers) {
  CaptureUpstream upstream;
  ServerProcess edge = start_edge(upstream.url(), "max_connections_per_address = 5\n");
  auto held = idle_clients(edge.port(), 5, "127.0.0.2");
  ASSERT_EQ(held.size(), 5u);
  Connection over(edge.port(), "127.0.0.2");
  ASSERT_TRUE(over.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"));
  HttpResponse refused = over.read_response();
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("connections open"), std::string::npos) << refused.body;
  EXPECT_TRUE(over.closed_within(std::chrono::seconds(1)));

  Connection other(edge.port(), "127.0.0.3");
  ASSERT_TRUE(other.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(other.read_response().status, 200) << "another address is unaffected";

  held.pop_back();  // one closes: the address may open another
  EXPECT_TRUE(wait_until(
      [&] {
        Connection again(edge.port(), "127.0.0.2");
        again.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
        return again.read_response().status == 200;
      },
      std::chrono::seconds(1), "another connection from the address admitted"));
}

}  // namespace
}  // namespace ew::test
