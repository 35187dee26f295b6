// Notice bodies: a generic JSON document, or Slack's incoming-webhook {"text": ...}.
#pragma once

#include <string>

#include "alerts/evaluator.h"

namespace ew::alerts {

// {"alert":{"rule","kind","state":"firing"|"resolved","summary","value","threshold",
//  "started_at","at","instance","deployment":{...}?}}
std::string json_payload(const Notice& notice, const std::string& instance);
// {"text":"[FIRING] rule on instance: summary"}
std::string slack_payload(const Notice& notice, const std::string& instance);
std::string payload(const Notice& notice, const std::string& instance);

// "2m 5s", "1h 3m", "45s".
std::string duration_text(std::int64_t ms);

}  // namespace ew::alerts
