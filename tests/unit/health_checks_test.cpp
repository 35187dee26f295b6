// Readiness checks against real directories and real local servers, and the overall rule.
#include <unistd.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "../integration/webhook_receiver.h"
#include "health/checks.h"

namespace ew::health {
namespace {

using health::HealthStatus;

std::string temp_dir(const std::string& name) {
  std::string dir = testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

UpstreamTarget target(int port, std::string path = "/health") {
  UpstreamTarget t;
  t.route = "/api/";
  t.url = "http://127.0.0.1:" + std::to_string(port);
  t.host = "127.0.0.1";
  t.port = static_cast<std::uint16_t>(port);
  t.health_path = std::move(path);
  return t;
}

int closed_port() {
  // A port nothing listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(ReadinessChecks, StorageFallsBackToAWritableDataDirectory) {
  auto ok = check_storage(nullptr, temp_dir("ready-ok"));
  EXPECT_EQ(ok.status, HealthStatus::kHealthy) << ok.details;
  EXPECT_EQ(ok.service, "storage");
  EXPECT_NE(ok.details.find("is writable"), std::string::npos);
  auto missing = check_storage(nullptr, "/nonexistent/data");
  EXPECT_EQ(missing.status, HealthStatus::kUnhealthy);
  EXPECT_NE(missing.details.find("cannot write"), std::string::npos) << missing.details;
}

TEST(ReadinessChecks, StorageUsesTheRegisteredProbe) {
  const storage::Probe failing_probe = [] {
    return storage::ProbeResult{false, "commit failed: disk I/O"};
  };
  auto failing = check_storage(&failing_probe, "/nonexistent");
  EXPECT_EQ(failing.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(failing.details, "commit failed: disk I/O");
  const storage::Probe throwing_probe = []() -> storage::ProbeResult {
    throw std::runtime_error("probe threw");
  };
  auto throwing = check_storage(&throwing_probe, "/nonexistent");
  EXPECT_EQ(throwing.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(throwing.details, "probe threw");
  const storage::Probe passing_probe = [] { return storage::ProbeResult{true, ""}; };
  EXPECT_EQ(check_storage(&passing_probe, "/x").status, HealthStatus::kHealthy);
}

TEST(ReadinessChecks, DiskThresholds) {
  std::string dir = temp_dir("ready-disk");
  EXPECT_EQ(check_disk(dir, 0, 0).status, HealthStatus::kHealthy);
  auto degraded = check_disk(dir, UINT64_MAX, 0);
  EXPECT_EQ(degraded.status, HealthStatus::kDegraded);
  EXPECT_NE(degraded.details.find("below the warning level"), std::string::npos);
  auto unhealthy = check_disk(dir, UINT64_MAX, UINT64_MAX);
  EXPECT_EQ(unhealthy.status, HealthStatus::kUnhealthy);
  EXPECT_NE(unhealthy.details.find("below the minimum"), std::string::npos);
  EXPECT_EQ(check_disk("/nonexistent/dir", 0, 0).status, HealthStatus::kUnhealthy);
}

TEST(ReadinessChecks, CertificatesDegradeWithinTheWarningWindow) {
  constexpr std::int64_t kNow = 1'800'000'000;
  constexpr std::int64_t kDay = 86'400;
  const std::chrono::seconds window(14 * kDay);
  auto fine =
      check_certificates({{"a.pem", kNow + 60 * kDay}, {"b.pem", kNow + 90 * kDay}}, window, kNow);
  EXPECT_EQ(fine.status, HealthStatus::kHealthy);
  EXPECT_EQ(fine.kind, "tls");
  EXPECT_EQ(fine.details, "a.pem expires in 60 day(s)");  // the first to expire is named
  auto soon =
      check_certificates({{"a.pem", kNow + 60 * kDay}, {"b.pem", kNow + 3 * kDay}}, window, kNow);
  EXPECT_EQ(soon.status, HealthStatus::kDegraded);
  EXPECT_NE(soon.details.find("b.pem expires in 3 day(s)"), std::string::npos) << soon.details;
  auto expired = check_certificates({{"a.pem", kNow - 2 * kDay}}, window, kNow);
  EXPECT_EQ(expired.status, HealthStatus::kDegraded);
  EXPECT_NE(expired.details.find("expired 2 day(s) ago"), std::string::npos) << expired.details;
}

TEST(ReadinessChecks, UpstreamHealthPath) {
  test::WebhookReceiver up([](std::size_t) { return 200; });
  auto ok = check_upstream(target(up.port()), std::chrono::seconds(2));
  EXPECT_EQ(ok.status, HealthStatus::kHealthy) << ok.details;
  ASSERT_TRUE(up.wait_for(1, std::chrono::seconds(1)));
  EXPECT_EQ(up.requests()[0].method, "GET");
  EXPECT_EQ(up.requests()[0].path, "/health");

  test::WebhookReceiver failing([](std::size_t) { return 503; });
  auto bad = check_upstream(target(failing.port()), std::chrono::seconds(2));
  EXPECT_EQ(bad.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(bad.details, "GET /health: HTTP 503");

  auto refused = check_upstream(target(closed_port()), std::chrono::seconds(2));
  EXPECT_EQ(refused.status, HealthStatus::kUnhealthy);
  EXPECT_NE(refused.details.find("Connection refused"), std::string::npos) << refused.details;

  UpstreamTarget ejected = target(up.port());
  ejected.circuit_open = true;
  EXPECT_EQ(check_upstream(ejected, std::chrono::seconds(2)).status, HealthStatus::kDegraded);
}

TEST(ReadinessChecks, UpstreamTimeoutIsKept) {
  test::WebhookReceiver silent([](std::size_t) {
    // Answers after the check's timeout: the delay is the test's subject.
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return -1;
  });
  auto started = std::chrono::steady_clock::now();
  auto r = check_upstream(target(silent.port()), std::chrono::milliseconds(200));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, HealthStatus::kUnhealthy);
  EXPECT_NE(r.details.find("timed out"), std::string::npos) << r.details;
  EXPECT_LT(took, std::chrono::milliseconds(500));
}

TEST(ReadinessChecks, UpstreamWithoutHealthPathReportsTheCircuit) {
  UpstreamTarget t = target(closed_port(), "");
  EXPECT_EQ(check_upstream(t, std::chrono::seconds(1)).status, HealthStatus::kHealthy);
  t.circuit_open = true;
  EXPECT_EQ(check_upstream(t, std::chrono::seconds(1)).status, HealthStatus::kUnhealthy);
}

TEST(ReadinessChecks, WebSocketHandshakeNeeds101) {
  test::WebhookReceiver plain([](std::size_t) { return 426; });
  auto r = check_websocket(target(plain.port()), "/ws", std::chrono::seconds(2));
  EXPECT_EQ(r.status, HealthStatus::kUnhealthy);
  EXPECT_NE(r.details.find("expected 101"), std::string::npos) << r.details;
  ASSERT_TRUE(plain.wait_for(1, std::chrono::seconds(1)));
  std::string head = plain.requests()[0].head;
  EXPECT_NE(head.find("Upgrade: websocket"), std::string::npos);
  EXPECT_NE(head.find("Sec-WebSocket-Version: 13"), std::string::npos);
  EXPECT_NE(head.find("Connection: Upgrade"), std::string::npos);
  EXPECT_EQ(head.find("Connection: close"), std::string::npos);
}

health::ServiceHealth service(std::string name, std::string kind, HealthStatus status) {
  health::ServiceHealth s;
  s.service = std::move(name);
  s.kind = std::move(kind);
  s.status = status;
  return s;
}

TEST(ReadinessChecks, OverallCountsARouteAsDownOnlyWhenAllItsUpstreamsAre) {
  UpstreamTarget a = target(1001);
  UpstreamTarget b = target(1002);
  std::vector<UpstreamTarget> targets{a, b};
  auto services = [&](HealthStatus sa, HealthStatus sb) {
    return std::vector<health::ServiceHealth>{service("storage", "storage", HealthStatus::kHealthy),
                                              service(upstream_service(a), "upstream", sa),
                                              service(upstream_service(b), "upstream", sb)};
  };
  EXPECT_EQ(overall_status(services(HealthStatus::kHealthy, HealthStatus::kHealthy), targets),
            HealthStatus::kHealthy);
  EXPECT_EQ(overall_status(services(HealthStatus::kUnhealthy, HealthStatus::kHealthy), targets),
            HealthStatus::kDegraded);
  EXPECT_EQ(overall_status(services(HealthStatus::kUnhealthy, HealthStatus::kUnhealthy), targets),
            HealthStatus::kUnhealthy);
  auto storage_down = services(HealthStatus::kHealthy, HealthStatus::kHealthy);
  storage_down[0].status = HealthStatus::kUnhealthy;
  EXPECT_EQ(overall_status(storage_down, targets), HealthStatus::kUnhealthy);
  std::vector<UpstreamTarget> one{a};
  EXPECT_EQ(
      overall_status({service(upstream_service(a), "upstream", HealthStatus::kUnhealthy)}, one),
      HealthStatus::kUnhealthy);
}

// The problem found on main: one upstream, answering its health path but ejected by the
// circuit breaker, left the route with nowhere to send requests while readiness said
// "degraded".
TEST(ReadinessChecks, ARouteWithNoUsableUpstreamIsUnhealthy) {
  UpstreamTarget a = target(1001);
  UpstreamTarget b = target(1002);
  a.circuit_open = true;
  auto services = std::vector<health::ServiceHealth>{
      service("storage", "storage", HealthStatus::kHealthy),
      service(upstream_service(a), "upstream", HealthStatus::kDegraded),
      service(upstream_service(b), "upstream", HealthStatus::kHealthy)};
  auto routes = route_health(services, {a, b});
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].service, "route /api/");
  EXPECT_EQ(routes[0].status, HealthStatus::kDegraded);
  EXPECT_EQ(overall_status(services, {a, b}), HealthStatus::kDegraded);

  b.gateway_healthy = false;  // the gateway's own checks marked the other one down
  routes = route_health(services, {a, b});
  EXPECT_EQ(routes[0].status, HealthStatus::kUnhealthy);
  EXPECT_NE(routes[0].details.find("no usable upstream"), std::string::npos) << routes[0].details;
  EXPECT_NE(routes[0].details.find("ejected by the circuit breaker"), std::string::npos);
  EXPECT_EQ(overall_status(services, {a, b}), HealthStatus::kUnhealthy);

  std::vector<health::ServiceHealth> one{
      service(upstream_service(a), "upstream", HealthStatus::kDegraded)};
  EXPECT_EQ(overall_status(one, {a}), HealthStatus::kUnhealthy);
}

TEST(ReadinessChecks, OnlyEdgewatchsOwnTroubleAnswers503UnlessAsked) {
  health::HealthReport report;
  report.overall = HealthStatus::kUnhealthy;
  report.services = {service("storage", "storage", HealthStatus::kHealthy),
                     service("route /api/", "route", HealthStatus::kUnhealthy)};
  EXPECT_EQ(readiness_http_status(report, 200), 200);
  EXPECT_EQ(readiness_http_status(report, 503), 503);
  report.services[0].status = HealthStatus::kUnhealthy;
  EXPECT_EQ(readiness_http_status(report, 200), 503);
  report.overall = HealthStatus::kDegraded;
  report.services[0].status = HealthStatus::kDegraded;
  EXPECT_EQ(readiness_http_status(report, 503), 200);
}

}  // namespace
}  // namespace ew::health
