// Liveness and readiness.
//  - GET /health: the cheap liveness answer, "healthy\n". Not access-logged, so probes do not
//    drown the log.
//  - GET /health/ready: the SystemHealth report from checks that run in the background on an
//    interval (storage write and read, free disk, each upstream's health path and WebSocket
//    handshake): 200 when healthy or degraded, 503 when unhealthy. Changes of state are logged,
//    counted and kept as history; GET /_edgewatch/api/health/history (admin bearer token) gives
//    uptime percentages over 24 hours, 7 days and 30 days per service.
// The latest report is published for the alert rules.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth.h"
#include "core/module.h"
#include "core/published.h"
#include "proxy/proxy.h"
#include "storage/storage.h"
#include "telemetry/registry.h"

namespace ew::tls {
class CertificateStore;
}

namespace ew::health {

enum class HealthStatus : std::uint8_t { kHealthy, kDegraded, kUnhealthy };
std::string_view to_string(HealthStatus status);
std::optional<HealthStatus> parse_health_status(std::string_view text);
// The worse of two statuses.
HealthStatus worst(HealthStatus a, HealthStatus b);

// The seed's HealthCheckResult, plus which kind of check produced it.
struct ServiceHealth {
  std::string service;  // "storage", "disk", "upstream /api/ http://127.0.0.1:8004", "websocket"
  std::string kind;     // "storage", "disk", "upstream", "websocket"
  HealthStatus status = HealthStatus::kHealthy;
  double response_ms = 0;
  std::string details;  // empty when there is nothing to say
  std::int64_t timestamp_ms = 0;
};

// The seed's SystemHealth.
struct HealthReport {
  HealthStatus overall = HealthStatus::kHealthy;
  std::vector<ServiceHealth> services;
  std::string version;
  std::int64_t uptime_ms = 0;
  std::int64_t timestamp_ms = 0;

  const ServiceHealth* find(std::string_view service) const;
};

// What the readiness module reads and publishes; main() wires the same instances elsewhere.
struct ReadinessWiring {
  std::shared_ptr<auth::AdminGate> admin;  // the health history API's gate
  std::shared_ptr<telemetry::MetricsRegistry> metrics;
  std::shared_ptr<proxy::ProxyRegistry> proxies;
  std::shared_ptr<Published<storage::Probe>> storage_probe;        // read: the storage check
  std::shared_ptr<Published<tls::CertificateStore>> certificates;  // read: their expiry
  std::shared_ptr<Published<const HealthReport>> report;           // written after every round
  std::string version;  // reported as SystemHealth.version
};

ModulePtr make_health_module();
ModulePtr make_readiness_module(ReadinessWiring wiring);

}  // namespace ew::health
