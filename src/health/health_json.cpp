#include "health/health_json.h"
#include "util/time.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace ew::health {
namespace {

using nlohmann::json;

double round3(double v) {
  return std::round(v * 1000) / 1000;
}

}  // namespace

std::string system_health_json(const HealthReport& report) {
  json services = json::array();
  for (const auto& s : report.services) {
    json item = {{"service", s.service},
                 {"status", to_string(s.status)},
                 {"responseTime", round3(s.response_ms)},
                 {"timestamp", format_iso8601(s.timestamp_ms)}};
    if (!s.details.empty()) item["details"] = s.details;
    services.push_back(std::move(item));
  }
  json body = {{"overall", to_string(report.overall)},
               {"services", std::move(services)},
               {"version", report.version},
               {"uptime", report.uptime_ms},
               {"timestamp", format_iso8601(report.timestamp_ms)}};
  return body.dump() + "\n";
}

std::string history_json(const HealthHistory& history, std::int64_t now_ms,
                         std::size_t transitions) {
  static constexpr const char* kNames[] = {"24h", "7d", "30d"};
  json services = json::array();
  for (const auto& h : history.summary(now_ms)) {
    json uptime = json::object();
    json observed = json::object();
    for (std::size_t i = 0; i < h.windows.size() && i < 3; ++i) {
      auto percent = h.windows[i].percent();
      uptime[kNames[i]] = percent ? json(round3(*percent)) : json(nullptr);
      observed[kNames[i]] = h.windows[i].observed_ms / 1000;
    }
    json item = {{"service", h.service},
                 {"status", h.current ? json(to_string(*h.current)) : json(nullptr)},
                 {"since", h.current ? json(format_iso8601(h.since_ms)) : json(nullptr)},
                 {"uptime", std::move(uptime)},
                 {"observed_seconds", std::move(observed)}};
    services.push_back(std::move(item));
  }
  json changes = json::array();
  for (const auto& t : history.transitions(transitions)) {
    json item = {{"service", t.service},
                 {"from", t.from ? json(to_string(*t.from)) : json(nullptr)},
                 {"to", to_string(t.to)},
                 {"at", format_iso8601(t.at_ms)}};
    if (!t.details.empty()) item["details"] = t.details;
    changes.push_back(std::move(item));
  }
  json body = {{"generated_at", format_iso8601(now_ms)},
               {"services", std::move(services)},
               {"transitions", std::move(changes)}};
  return body.dump() + "\n";
}

}  // namespace ew::health
