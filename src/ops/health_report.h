// The readiness report: the seed's SystemHealth, produced by the readiness checks in the
// background and read by /health/ready, the alert rules and the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ops/time_util.h"

namespace ew::ops {

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

}  // namespace ew::ops
