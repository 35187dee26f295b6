#include "ingest/useragent.h"

namespace ew::ingest {
namespace {

bool has(std::string_view ua, std::string_view token) {
  return ua.find(token) != std::string_view::npos;
}

}  // namespace

UserAgentInfo parse_user_agent(std::string_view ua) {
  UserAgentInfo info;
  if (ua.empty()) return info;
  // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
  if (has(ua, "bot") || has(ua, "Bot") || has(ua, "crawler") || has(ua, "Spider") ||
      has(ua, "HeadlessChrome") || has(ua, "Lighthouse")) {
    info.browser = has(ua, "HeadlessChrome") ? "Headless Chrome" : "Bot";
  } else if (has(ua, "Edg/") || has(ua, "EdgA/") || has(ua, "EdgiOS/") || has(ua, "Edge/")) {
    info.browser = "Edge";
  } else if (has(ua, "OPR/") || has(ua, "Opera")) {
    info.browser = "Opera";
  } else if (has(ua, "SamsungBrowser/")) {
    info.browser = "Samsung Internet";
  } else if (has(ua, "Firefox/") || has(ua, "FxiOS/")) {
    info.browser = "Firefox";
  } else if (has(ua, "Chrome/") || has(ua, "CriOS/") || has(ua, "Chromium/")) {
    info.browser = "Chrome";
  } else if (has(ua, "Safari/") && has(ua, "Version/")) {
    info.browser = "Safari";
  } else if (has(ua, "AppleWebKit/") && (has(ua, "iPhone") || has(ua, "iPad"))) {
    info.browser = "Safari";  // in-app web views
  } else {
    info.browser = "Other";
  }

  if (has(ua, "iPhone") || has(ua, "iPad") || has(ua, "iPod")) {
    info.os = "iOS";
  } else if (has(ua, "Android")) {
    info.os = "Android";
  } else if (has(ua, "CrOS")) {
    info.os = "ChromeOS";
  } else if (has(ua, "Windows")) {
    info.os = "Windows";
  } else if (has(ua, "Mac OS X") || has(ua, "Macintosh")) {
    info.os = "macOS";
  } else if (has(ua, "Linux") || has(ua, "X11")) {
    info.os = "Linux";
  } else {
    info.os = "Other";
  }

  const bool mobile = has(ua, "Mobi") || has(ua, "iPhone") || has(ua, "iPad") || has(ua, "iPod") ||
                      has(ua, "Android") || has(ua, "Tablet");
  info.device = mobile ? "mobile" : "desktop";
  return info;
}

}  // namespace ew::ingest
