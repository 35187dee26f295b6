#include "alerts/payload.h"
#include "util/time.h"

#include <nlohmann/json.hpp>

namespace ew::alerts {

using nlohmann::ordered_json;

std::string duration_text(std::int64_t ms) {
  std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d " + std::to_string(s % 86400 / 3600) + "h";
}

std::string json_payload(const Notice& n, const std::string& instance) {
  bool firing = n.state == NoticeState::kFiring;
  ordered_json alert = {{"rule", n.rule->name},
                        {"kind", to_string(n.rule->kind)},
                        {"state", firing ? "firing" : "resolved"},
                        {"summary", n.summary},
                        {"value", n.value},
                        {"threshold", n.rule->threshold},
                        {"started_at", format_iso8601(n.started_ms)},
                        {"at", format_iso8601(n.at_ms)},
                        {"instance", instance}};
  if (!firing) alert["duration_seconds"] = (n.at_ms - n.started_ms) / 1000;
  if (n.rule->kind == RuleKind::kWebVitalP75) alert["metric"] = n.rule->metric;
  if (!n.rule->target.empty()) alert["target"] = n.rule->target;
  if (n.deployment) {
    alert["deployment"] = {{"id", n.deployment->id},
                           {"environment", n.deployment->environment},
                           {"version", n.deployment->version},
                           {"timestamp", format_iso8601(n.deployment->timestamp_ms)}};
  }
  return ordered_json{{"alert", std::move(alert)}}.dump();
}

std::string slack_payload(const Notice& n, const std::string& instance) {
  std::string text;
  if (n.state == NoticeState::kFiring) {
    text = "[FIRING] " + n.rule->name + " on " + instance + ": " + n.summary;
  } else {
    text = "[RESOLVED] " + n.rule->name + " on " + instance + " after " +
           duration_text(n.at_ms - n.started_ms) + ": " + n.summary;
  }
  return ordered_json{{"text", text}}.dump();
}

std::string payload(const Notice& notice, const std::string& instance) {
  return notice.rule->format == Format::kSlack ? slack_payload(notice, instance)
                                               : json_payload(notice, instance);
}

}  // namespace ew::alerts
