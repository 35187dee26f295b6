// JSON bodies of the readiness endpoints.
#pragma once

#include <cstddef>
#include <string>

#include "health/health.h"
#include "health/history.h"

namespace ew::health {

// The seed's SystemHealth: {overall, services[{service, status, responseTime, details,
// timestamp}], version, uptime, timestamp}; times as ISO 8601, uptime and responseTime in ms.
std::string system_health_json(const HealthReport& report);

// GET /_edgewatch/api/health/history: per service its status, uptime percentages over 24h, 7d
// and 30d, and the newest changes of state.
std::string history_json(const HealthHistory& history, std::int64_t now_ms,
                         std::size_t transitions);

}  // namespace ew::health
