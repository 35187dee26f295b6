#include "health/health.h"

namespace ew::health {

std::string_view to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kUnhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

std::optional<HealthStatus> parse_health_status(std::string_view text) {
  if (text == "healthy") return HealthStatus::kHealthy;
  if (text == "degraded") return HealthStatus::kDegraded;
  if (text == "unhealthy") return HealthStatus::kUnhealthy;
  return std::nullopt;
}

HealthStatus worst(HealthStatus a, HealthStatus b) {
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

const ServiceHealth* HealthReport::find(std::string_view service) const {
  for (const auto& s : services) {
    if (s.service == service) return &s;
  }
  return nullptr;
}

}  // namespace ew::health
