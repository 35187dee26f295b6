// The user agent reduced to families: browser, OS and device class. The raw string is never
// stored; these three low-cardinality values are.
#pragma once

#include <string>
#include <string_view>

namespace ew::ingest {

struct UserAgentInfo {
  std::string browser;  // Chrome, Edge, Firefox, Safari, Opera, Samsung Internet, Bot, Other
  std::string os;       // Windows, macOS, iOS, Android, Linux, ChromeOS, Other
  std::string device;   // "mobile" (phones and tablets) or "desktop"; "" when unknown
};

UserAgentInfo parse_user_agent(std::string_view ua);

}  // namespace ew::ingest
