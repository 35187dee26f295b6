#include "health/checks.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "outbound/http_client.h"
#include "util/time.h"

namespace ew::health {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

ServiceHealth result(std::string service, std::string kind, HealthStatus status,
                     Clock::time_point started, std::string details) {
  ServiceHealth s;
  s.service = std::move(service);
  s.kind = std::move(kind);
  s.status = status;
  s.response_ms = elapsed_ms(started);
  s.details = std::move(details);
  s.timestamp_ms = now_ms();
  return s;
}

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string host_port(const UpstreamTarget& t) {
  bool v6 = t.host.find(':') != std::string::npos;
  return (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
}

}  // namespace

std::string upstream_service(const UpstreamTarget& target) {
  return "upstream " + target.url;
}

std::string websocket_service(const UpstreamTarget& target) {
  return "websocket " + target.url;
}

ServiceHealth check_storage(const storage::Probe* probe, const std::string& data_dir) {
  auto started = Clock::now();
  if (probe) {
    storage::ProbeResult r;
    try {
      r = (*probe)();
    } catch (const std::exception& e) {
      r = {false, e.what()};
    }
    return result("storage", "storage", r.ok ? HealthStatus::kHealthy : HealthStatus::kUnhealthy,
                  started, r.details);
  }
  // No storage probe registered: check that the data directory takes a write and gives it back.
  std::string path = data_dir + "/.edgewatch-ready-" + std::to_string(::getpid());
  std::string token = std::to_string(now_ms());
  std::string problem;
  {
    std::ofstream out(path, std::ios::trunc);
    out << token;
    out.flush();
    if (!out) problem = "cannot write " + path + ": " + std::strerror(errno);
  }
  if (problem.empty()) {
    std::ifstream in(path);
    std::stringstream read;
    read << in.rdbuf();
    if (read.str() != token) problem = "read back something else than was written to " + path;
  }
  std::remove(path.c_str());
  if (!problem.empty()) {
    return result("storage", "storage", HealthStatus::kUnhealthy, started, problem);
  }
  return result("storage", "storage", HealthStatus::kHealthy, started,
                "no storage probe registered; " + data_dir + " is writable");
}

ServiceHealth check_disk(const std::string& dir, std::uint64_t warn_free, std::uint64_t min_free) {
  auto started = Clock::now();
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return result("disk", "disk", HealthStatus::kUnhealthy, started,
                  "cannot stat " + dir + ": " + std::strerror(errno));
  }
  std::uint64_t available = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  std::uint64_t total = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
  std::string details = human_bytes(available) + " free of " + human_bytes(total) + " in " + dir;
  HealthStatus status = HealthStatus::kHealthy;
  if (available < min_free) {
    status = HealthStatus::kUnhealthy;
    details += " (below the minimum of " + human_bytes(min_free) + ")";
  } else if (available < warn_free) {
    status = HealthStatus::kDegraded;
    details += " (below the warning level of " + human_bytes(warn_free) + ")";
  }
  return result("disk", "disk", status, started, details);
}

ServiceHealth check_certificates(const std::vector<CertificateExpiry>& certificates,
                                 std::chrono::seconds warn_within, std::int64_t now_seconds) {
  auto started = Clock::now();
  const CertificateExpiry* first = nullptr;
  for (const CertificateExpiry& certificate : certificates) {
    if (!first || certificate.not_after < first->not_after) first = &certificate;
  }
  if (!first) return result("tls", "tls", HealthStatus::kHealthy, started, "no certificate");
  std::int64_t left = first->not_after - now_seconds;
  std::int64_t days = left / 86'400;
  std::string details =
      first->file + (left < 0 ? " expired " + std::to_string(-days) + " day(s) ago"
                              : " expires in " + std::to_string(days) + " day(s)");
  bool soon = left < warn_within.count();
  if (soon) details += "; renew it (the new files are picked up without a restart)";
  return result("tls", "tls", soon ? HealthStatus::kDegraded : HealthStatus::kHealthy, started,
                details);
}

ServiceHealth check_upstream(const UpstreamTarget& target, std::chrono::milliseconds timeout) {
  auto started = Clock::now();
  std::string service = upstream_service(target);
  if (target.health_path.empty()) {
    // Health checking is off for this route: report what the gateway itself knows.
    HealthStatus status = target.circuit_open ? HealthStatus::kUnhealthy : HealthStatus::kHealthy;
    return result(service, "upstream", status, started,
                  target.circuit_open ? "circuit open (no health path configured)"
                                      : "no health path configured; circuit closed");
  }
  outbound::HttpRequest request;
  request.url = "http://" + host_port(target) + target.health_path;
  request.timeout = timeout;
  request.headers = {{"User-Agent", "edgewatch-readiness"}};
  outbound::HttpResult r = outbound::http_request(request);
  if (!r.ok) {
    return result(service, "upstream", HealthStatus::kUnhealthy, started,
                  "GET " + target.health_path + ": " + r.error);
  }
  if (r.status >= 400) {
    return result(service, "upstream", HealthStatus::kUnhealthy, started,
                  "GET " + target.health_path + ": HTTP " + std::to_string(r.status));
  }
  if (target.circuit_open) {
    return result(service, "upstream", HealthStatus::kDegraded, started,
                  "health path answers but the circuit breaker has ejected it");
  }
  return result(service, "upstream", HealthStatus::kHealthy, started, "");
}

ServiceHealth check_websocket(const UpstreamTarget& target, const std::string& path,
                              std::chrono::milliseconds timeout) {
  auto started = Clock::now();
  std::string url = "ws://" + host_port(target) + path;
  outbound::HttpResult r = outbound::websocket_handshake(url, timeout);
  return result(websocket_service(target), "websocket",
                r.ok ? HealthStatus::kHealthy : HealthStatus::kUnhealthy, started,
                r.ok ? "" : "handshake with " + url + ": " + r.error);
}

std::vector<ServiceHealth> route_health(const std::vector<ServiceHealth>& services,
                                        const std::vector<UpstreamTarget>& targets) {
  std::map<std::string, const ServiceHealth*> by_name;
  for (const auto& s : services) by_name[s.service] = &s;
  struct Tally {
    int total = 0;
    int usable = 0;
    std::string why;  // what makes the unusable ones so
  };
  std::vector<std::pair<std::string, Tally>> routes;  // in configuration order
  for (const auto& t : targets) {
    auto it = by_name.find(upstream_service(t));
    if (it == by_name.end()) continue;
    auto route = std::find_if(routes.begin(), routes.end(),
                              [&](const auto& r) { return r.first == t.route; });
    if (route == routes.end()) route = routes.insert(routes.end(), {t.route, Tally{}});
    Tally& tally = route->second;
    ++tally.total;
    std::string reason;
    if (it->second->status == HealthStatus::kUnhealthy) {
      reason = "fails its check";
    } else if (!t.gateway_healthy) {
      reason = "is marked down by the gateway's health checks";
    } else if (t.circuit_open) {
      reason = "is ejected by the circuit breaker";
    }
    if (reason.empty()) {
      ++tally.usable;
    } else {
      tally.why += (tally.why.empty() ? "" : "; ") + t.url + " " + reason;
    }
  }
  std::vector<ServiceHealth> out;
  for (const auto& [route, tally] : routes) {
    ServiceHealth s;
    s.service = "route " + route;
    s.kind = "route";
    s.timestamp_ms = now_ms();
    if (tally.usable == 0) {
      s.status = HealthStatus::kUnhealthy;
      s.details = "no usable upstream: " + tally.why;
    } else if (tally.usable < tally.total) {
      s.status = HealthStatus::kDegraded;
      s.details = std::to_string(tally.usable) + " of " + std::to_string(tally.total) +
                  " upstreams usable: " + tally.why;
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool behind_gateway(const ServiceHealth& service) {
  return service.kind == "upstream" || service.kind == "websocket" || service.kind == "route";
}

HealthStatus overall_status(const std::vector<ServiceHealth>& services,
                            const std::vector<UpstreamTarget>& targets) {
  std::map<std::string, const ServiceHealth*> by_name;
  for (const auto& s : services) by_name[s.service] = &s;
  HealthStatus overall = HealthStatus::kHealthy;
  for (const auto& s : services) {
    if (!behind_gateway(s)) overall = worst(overall, s.status);
  }
  for (const auto& route : route_health(services, targets)) {
    overall = worst(overall, route.status);
  }
  // The WebSocket checks per route: how many were made and how many failed.
  struct Tally {
    int total = 0;
    int unhealthy = 0;
  };
  std::map<std::string, Tally> groups;
  for (const auto& t : targets) {
    auto it = by_name.find(websocket_service(t));
    if (it == by_name.end()) continue;
    Tally& tally = groups[t.route];
    ++tally.total;
    if (it->second->status == HealthStatus::kUnhealthy) ++tally.unhealthy;
  }
  for (const auto& [route, tally] : groups) {
    if (tally.unhealthy == tally.total) {
      overall = worst(overall, HealthStatus::kUnhealthy);
    } else if (tally.unhealthy > 0) {
      overall = worst(overall, HealthStatus::kDegraded);
    }
  }
  return overall;
}

int readiness_http_status(const HealthReport& report, int upstream_down_status) {
  if (report.overall != HealthStatus::kUnhealthy) return 200;
  for (const auto& s : report.services) {
    if (!behind_gateway(s) && s.status == HealthStatus::kUnhealthy) return 503;
  }
  return upstream_down_status;
}

}  // namespace ew::health
