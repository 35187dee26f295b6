// The circuit breaker under attack (issue 15, item 1), through real sockets: one client making
// the upstream slow or failing must not take it away from the others, ejections must not pile
// up, a recovered upstream serves at once, and readiness says when a route has nowhere to go.
// Clients are told apart by source address (127.0.0.2, 127.0.0.3, ...), as edgewatch does.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "source_client.h"
#include "upstreams.h"

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

// An upstream with a fault for every test: GET /slow answers nothing for two seconds, /fail
// answers 500, everything else (/ok, /health) 200; set_broken(true) makes every path answer
// 500. One thread per connection, so that slow requests do not hold up the others. Counts the
// requests per path.
class FaultyUpstream {
 public:
  FaultyUpstream() {
    fd_ = listen_loopback(&port_, 256);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FaultyUpstream() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : workers_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_broken(bool broken) { broken_ = broken; }
  long count(const std::string& path) {
    std::lock_guard lock(mutex_);
    return counts_[path];
  }
  // Polls until `path` was asked `more` more times than `since`; false on timeout.
  ::testing::AssertionResult wait_for(const std::string& path, long since, long more,
                                      std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return count(path) >= since + more; }, timeout,
                      std::to_string(more) + " more requests for " + path);
  }

 private:
  void accept_loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, c] { handle(c); });
    }
  }
  void handle(int c) {
    std::string data;
    char buf[8192];
    while (data.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t start = data.find(' ') + 1;
    std::string path = data.substr(start, data.find(' ', start) - start);
    {
      std::lock_guard lock(mutex_);
      counts_[path]++;
    }
    if (path == "/slow") {
      // A slow upstream: it holds the request two seconds (or until the test ends) and answers
      // nothing. The delay is the fault under test.
      for (int i = 0; i < 200 && !stop_; ++i) std::this_thread::sleep_for(10ms);
      close(c);
      return;
    }
    int status = broken_ || path == "/fail" ? 500 : 200;
    std::string body = status == 200 ? "ok" : "broken";
    std::string response = "HTTP/1.1 " + std::to_string(status) +
                           (status == 200 ? " OK" : " Internal Server Error") +
                           "\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n" + body;
    send(c, response.data(), response.size(), MSG_NOSIGNAL);
    close(c);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> broken_{false};
  std::mutex mutex_;
  std::map<std::string, long> counts_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// edgewatch in front of `upstream` with one [[proxy]] route and `settings` added to it.
std::unique_ptr<ServerProcess> edge_for(const FaultyUpstream& upstream, const std::string& settings,
                                        const std::string& more_sections = "") {
  std::string dir = make_temp_dir();
  write_file(dir + "/p.toml", "[[proxy]]\nupstreams = [\"" + upstream.url() + "\"]\n" + settings +
                                  "\n" + more_sections);
  return std::make_unique<ServerProcess>(
      std::vector<std::string>{"--workers", "2", "--config", dir + "/p.toml"});
}

constexpr const char* kAttacker = "127.0.0.2";
constexpr const char* kUser = "127.0.0.3";

// A well-behaved client asking GET /api/ok every 10 ms until `stop`, and then `after` more
// times; counts its answers.
struct GoodClient {
  std::atomic<int> total{0};
  std::atomic<int> ok{0};
  std::map<int, int> statuses;  // read after run() returned
  void run(int port, const std::atomic<bool>& stop, int after, const char* source = kUser) {
    auto once = [&] {
      int status = http_from(source, port, "GET", "/api/ok").status;
      statuses[status]++;
      ++total;
      if (status == 200) ++ok;
      std::this_thread::sleep_for(10ms);  // the pace of a well-behaved client: the rate is given
    };
    while (!stop) once();
    for (int i = 0; i < after; ++i) once();
  }
  std::string describe() const {
    std::string s;
    for (auto [status, n] : statuses) s += std::to_string(status) + "x" + std::to_string(n) + " ";
    return s;
  }
};

// The problem found on main: 30 concurrent slow requests from one client ejected the upstream,
// and every client got 503 Retry-After: 300.
TEST(Breaker, OneClientsSlowRequestsDoNotEjectTheUpstreamForOthers) {
  FaultyUpstream upstream;
  // Without panic routing and active health checks, so that only the per-client weighting can
  // keep the upstream in.
  auto edge =
      edge_for(upstream, "read_timeout = \"300ms\"\npanic_threshold = 0\nhealth_check_path = \"\"");
  std::atomic<bool> stop{false};
  GoodClient user;
  std::thread good([&] { user.run(edge->port(), stop, 30); });
  ASSERT_TRUE(wait_until([&] { return user.total > 0; }, 5s, "the user's first answer"));
  std::vector<std::thread> attack;
  std::atomic<int> timed_out{0};
  for (int i = 0; i < 30; ++i) {
    attack.emplace_back([&] {
      if (http_from(kAttacker, edge->port(), "GET", "/api/slow").status == 504) ++timed_out;
    });
  }
  for (auto& t : attack) t.join();
  stop = true;
  good.join();
  EXPECT_EQ(timed_out, 30);
  EXPECT_GE(user.ok * 100, user.total * 99) << user.describe();
  EXPECT_GE(user.total, 30);

  // The attacker, not the upstream, is held back now: 429, and nothing reaches the upstream.
  long slow_seen = upstream.count("/slow");
  HttpResponse held = http_from(kAttacker, edge->port(), "GET", "/api/slow");
  EXPECT_EQ(held.status, 429) << held.body;
  EXPECT_FALSE(held.header("retry-after").empty());
  EXPECT_NE(held.body.find("client_failing"), std::string::npos) << held.body;
  EXPECT_EQ(upstream.count("/slow"), slow_seen);
  EXPECT_EQ(http_from(kUser, edge->port(), "GET", "/api/ok").status, 200);
}

// The problem found on main: five upstream 500s in a row, all of one client's making, were a
// 10 s outage for everyone. Default settings.
TEST(Breaker, OneClientsErrorsDoNotShutOthersOut) {
  FaultyUpstream upstream;
  ServerProcess edge({"--workers", "2", "--upstream", upstream.url()});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(http_from(kAttacker, edge.port(), "GET", "/api/fail").status, 500);
  }
  long before = upstream.count("/ok");
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += http_from(kUser, edge.port(), "GET", "/api/ok").status == 200;
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(upstream.count("/ok") - before, 20);
}

// The problem found on main: an attacker making the upstream answer 500 now and then failed 22%
// of another client's requests.
TEST(Breaker, AnAttackerMakingErrorsCannotFailAnotherClient) {
  FaultyUpstream upstream;
  auto edge = edge_for(upstream, "panic_threshold = 0\nhealth_check_path = \"\"");
  std::atomic<bool> stop{false};
  GoodClient user;
  std::thread good([&] { user.run(edge->port(), stop, 10); });
  int attacks = 0;
  int held_back = 0;
  auto until = Clock::now() + 1500ms;
  while (Clock::now() < until) {
    for (int i = 0; i < 5; ++i) {  // a burst of five, faster than the user asks
      int status = http_from(kAttacker, edge->port(), "GET", "/api/fail").status;
      ++attacks;
      held_back += status == 429;
    }
    std::this_thread::sleep_for(100ms);  // the attacker's pace between bursts: the rate is given
  }
  stop = true;
  good.join();
  EXPECT_GE(user.ok * 100, user.total * 99) << user.describe();
  EXPECT_GT(held_back, 0) << "the attacker should have been held back";
  EXPECT_EQ(upstream.count("/fail"), attacks - held_back);
}

// The problem found on main: after the upstream recovered and its health checks passed, every
// client still got 503 until the (doubled) ejection ran out.
TEST(Breaker, ARecoveredUpstreamServesAsSoonAsItsHealthChecksPass) {
  FaultyUpstream upstream;
  upstream.set_broken(true);
  auto edge = edge_for(upstream,
                       "panic_threshold = 0\ncircuit_base_ejection = \"30s\"\n"
                       "health_check_interval = \"100ms\"\nhealth_check_timeout = \"500ms\"");
  // A real outage, seen by two clients: the circuit opens.
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    for (const char* client : {kAttacker, kUser}) {
      refused += http_from(client, edge->port(), "GET", "/api/ok").status == 503;
    }
  }
  ASSERT_GT(refused, 0) << "the circuit should have opened";

  upstream.set_broken(false);
  // Two passing checks mark it up and close the circuit; the third's arrival proves the second
  // was answered.
  ASSERT_TRUE(upstream.wait_for("/health", upstream.count("/health"), 3));
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    for (const char* client : {kAttacker, kUser}) {
      ok += http_from(client, edge->port(), "GET", "/api/ok").status == 200;
    }
  }
  EXPECT_EQ(ok, 20) << "nobody is held back for an outage, and the circuit is closed";
}

// The problem found on main: requests admitted before the ejection that timed out after it
// counted as new failures, and each ejected again for twice as long (Retry-After: 300).
TEST(Breaker, TimeoutsAdmittedBeforeAnEjectionDoNotLengthenIt) {
  FaultyUpstream upstream;
  auto edge = edge_for(upstream,
                       "read_timeout = \"300ms\"\npanic_threshold = 0\nhealth_check_path = \"\"\n"
                       "circuit_base_ejection = \"2s\"");
  std::vector<std::thread> slow;
  std::atomic<int> timed_out{0};
  for (int i = 0; i < 30; ++i) {
    slow.emplace_back([&, i] {
      std::string source = "127.0.0." + std::to_string(2 + i % 3);  // three clients
      if (http_from(source, edge->port(), "GET", "/api/slow").status == 504) ++timed_out;
    });
  }
  for (auto& t : slow) t.join();
  ASSERT_EQ(timed_out, 30);
  HttpResponse open = http_from("127.0.0.5", edge->port(), "GET", "/api/ok");
  ASSERT_EQ(open.status, 503) << "three clients' timeouts eject the upstream";
  int retry_after = std::stoi(open.header("retry-after"));
  ASSERT_LE(retry_after, 2) << "one ejection of the base length, not six doubling ones";

  // Then half-open: real requests go through again, and close the circuit.
  // The ejection must run out: waiting for its time to pass is what the test checks.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after) + 100ms);
  int ok = 0;
  for (int i = 0; i < 6; ++i)
    ok += http_from("127.0.0.5", edge->port(), "GET", "/api/ok").status == 200;
  EXPECT_EQ(ok, 6);
}

// The problem found on main: with its only upstream ejected, a route answered 503 to everyone
// (nginx never marks its only server down; Envoy routes anyway past its panic threshold).
TEST(Breaker, AnEjectedOnlyUpstreamStillGetsRequests) {
  FaultyUpstream upstream;
  auto edge = edge_for(upstream, "health_check_path = \"\"");
  for (int i = 0; i < 2; ++i) {
    for (const char* client : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
      EXPECT_EQ(http_from(client, edge->port(), "GET", "/api/fail").status, 500);
    }
  }
  long before = upstream.count("/ok");
  int ok = 0;
  for (int i = 0; i < 10; ++i)
    ok += http_from("127.0.0.5", edge->port(), "GET", "/api/ok").status == 200;
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(upstream.count("/ok") - before, 10);
}

const nlohmann::json* find_service(const nlohmann::json& report, const std::string& name) {
  if (!report.contains("services")) return nullptr;
  for (const auto& s : report["services"]) {
    if (s["service"] == name) return &s;
  }
  return nullptr;
}

// Ejects the only upstream (errors from three clients) and waits until readiness reports the
// route; returns the last answer of /health/ready.
HttpResponse ready_once_route_is_unhealthy(ServerProcess& edge) {
  for (const char* client : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    for (int i = 0; i < 2; ++i) http_from(client, edge.port(), "GET", "/api/fail");
  }
  HttpResponse r;
  auto unhealthy = wait_until(
      [&] {
        r = http(edge.port(), "GET", "/health/ready");
        auto report = nlohmann::json::parse(r.body, nullptr, false);
        const nlohmann::json* route = find_service(report, "route /api/");
        return route && (*route)["status"] == "unhealthy";
      },
      5s, "the route to turn unhealthy");
  if (!unhealthy) ADD_FAILURE() << unhealthy.message() << ": " << r.body;
  return r;
}

// The problem found on main: /health/ready said "degraded" while the route had no upstream to
// send requests to.
TEST(Breaker, ReadinessReportsARouteWithNoUsableUpstreamAndStays200) {
  FaultyUpstream upstream;
  const std::string proxy = "health_check_interval = \"1h\"";  // nothing lifts the ejection
  const std::string readiness = "[readiness]\ninterval = \"100ms\"\nwebsocket_path = \"\"\n";
  auto edge = edge_for(upstream, proxy, readiness);
  HttpResponse r = ready_once_route_is_unhealthy(*edge);
  EXPECT_EQ(r.status, 200) << "the edge stays in its load balancer by default";
  auto report = nlohmann::json::parse(r.body);
  EXPECT_EQ(report["overall"], "unhealthy");
  EXPECT_NE((*find_service(report, "route /api/"))["details"].get<std::string>().find(
                "ejected by the circuit breaker"),
            std::string::npos);

  auto strict = edge_for(upstream, proxy, readiness + "upstream_down_status = 503\n");
  EXPECT_EQ(ready_once_route_is_unhealthy(*strict).status, 503);
}

}  // namespace
}  // namespace ew::test
