#include "frontend/frontend_config.h"

#include "util/hex.h"

#include <openssl/sha.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/keys.h"

namespace ew::frontend {
namespace {

using config::Kind;

constexpr const char* kDefaultFlags =
    "enableConversationThreading=false,enableAdvancedSearch=false,enableMessageExport=false,"
    "enablePerformanceMonitoring=false,enableBetaFeatures=false";
constexpr std::size_t kMaxFlags = 100;
constexpr std::size_t kMaxDomains = 100;

bool identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// "example.com", "*.example.com", "cdn.example.com:8443".
bool domain(std::string_view s) {
  if (s.starts_with("*.")) s.remove_prefix(2);
  if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
    s = s.substr(0, colon);
  }
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = s[i];
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
    ++label;
  }
  return true;
}

// Splits "name=true"; false when malformed.
bool split_flag(std::string_view entry, std::string& name, bool& value) {
  std::size_t eq = entry.find('=');
  if (eq == std::string_view::npos) return false;
  name = entry.substr(0, eq);
  std::string_view v = entry.substr(eq + 1);
  if (!identifier(name) || (v != "true" && v != "false")) return false;
  value = v == "true";
  return true;
}

}  // namespace

void declare_frontend_settings(config::Schema& schema) {
  using config::choice;
  using config::key;
  auto& s = schema.section(
      "frontend",
      "Runtime configuration for the frontend (the reference client's EnvironmentConfig)");
  s.keys = {
      key("enabled", Kind::kBool, "true", "Serve the configuration at path"),
      key("path", Kind::kString, "/config.json", "Where the configuration is served"),
      key("max_age", Kind::kDuration, "60s",
          "How long browsers may cache it (Cache-Control max-age); an ETag revalidates it"),
      // Same-origin defaults: edgewatch serves the app and proxies /api/, so the app needs no
      // host name (the seed's http://localhost:8004 only works on a developer's machine).
      key("api_url", Kind::kString, "/api",
          "apiUrl: a path on this origin such as \"/api\", or an absolute http(s) URL"),
      key("websocket_url", Kind::kString, "",
          "websocketUrl: an absolute ws(s) URL, or empty to derive it from the page's origin"),
      key("cdn_url", Kind::kString, "", "cdnUrl: an http(s) URL, or empty for none"),
      key("enable_analytics", Kind::kBool, "false", "enableAnalytics"),
      key("enable_error_tracking", Kind::kBool, "false", "enableErrorTracking"),
      choice("log_level", Kind::kEnum, "info", "logLevel: debug, info, warn or error",
             {"debug", "info", "warn", "error"}),
      key("feature_flags", Kind::kStringList, kDefaultFlags,
          "featureFlags as name=true|false entries"),
      key("enable_perf_monitoring", Kind::kBool, "false", "performance.enablePerfMonitoring"),
      key("sample_rate", Kind::kRate, "0.1",
          "performance.sampleRate in [0, 1]; outside values are clamped with a warning"),
      key("enable_web_vitals", Kind::kBool, "false", "performance.enableWebVitals"),
      key("enable_csp", Kind::kBool, "false", "security.enableCSP"),
      key("enable_sri", Kind::kBool, "false", "security.enableSRI"),
      key("trusted_domains", Kind::kStringList, "",
          "security.trustedDomains: host names such as \"cdn.example.com\" or \"*.example.com\""),
  };
}

void validate_frontend_settings(const config::Settings& settings,
                                std::vector<std::string>& problems) {
  const auto& f = settings.section("frontend");
  const std::string& path = f.get_string("path");
  config::check_route_path("frontend.path", path, problems);
  if (f.get_duration("max_age") > std::chrono::hours(24)) {
    problems.push_back("frontend.max_age: expected at most 1d, found " +
                       std::to_string(f.get_duration("max_age").count() / 1000) + "s");
  }
  const std::string& api = f.get_string("api_url");
  auto api_url = config::parse_url(api);
  bool api_ok =
      (api.size() >= 1 && api.front() == '/' && api.find_first_of(" \t?#") == std::string::npos) ||
      (api_url && (api_url->scheme == "http" || api_url->scheme == "https"));
  if (!api_ok) {
    problems.push_back(
        "frontend.api_url: expected a path such as \"/api\" or an absolute http(s) "
        "URL, found \"" +
        api + "\"");
  }
  const std::string& ws = f.get_string("websocket_url");
  if (!ws.empty()) {
    auto ws_url = config::parse_url(ws);
    if (!ws_url || (ws_url->scheme != "ws" && ws_url->scheme != "wss")) {
      problems.push_back(
          "frontend.websocket_url: expected an absolute ws:// or wss:// URL or "
          "\"\", found \"" +
          ws + "\"");
    }
  }
  const std::string& cdn = f.get_string("cdn_url");
  if (!cdn.empty()) {
    auto url = config::parse_url(cdn);
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
      problems.push_back(
          "frontend.cdn_url: expected an absolute http or https URL or \"\", found \"" + cdn +
          "\"");
    }
  }
  const auto& flags = f.get_list("feature_flags");
  if (flags.size() > kMaxFlags) {
    problems.push_back("frontend.feature_flags: expected at most " + std::to_string(kMaxFlags) +
                       " flags, found " + std::to_string(flags.size()));
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < flags.size(); ++i) {
    std::string name;
    bool value = false;
    std::string where = "frontend.feature_flags[" + std::to_string(i) + "]";
    if (!split_flag(flags[i], name, value)) {
      problems.push_back(where +
                         ": expected name=true or name=false with a name of letters, digits "
                         "and _, found \"" +
                         flags[i] + "\"");
    } else if (!names.insert(name).second) {
      problems.push_back(where + ": flag \"" + name + "\" is given twice");
    }
  }
  const auto& domains = f.get_list("trusted_domains");
  if (domains.size() > kMaxDomains) {
    problems.push_back("frontend.trusted_domains: expected at most " + std::to_string(kMaxDomains) +
                       " domains, found " + std::to_string(domains.size()));
  }
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (!domain(domains[i])) {
      problems.push_back("frontend.trusted_domains[" + std::to_string(i) +
                         "]: expected a host name such as \"cdn.example.com\" or "
                         "\"*.example.com\", found \"" +
                         domains[i] + "\"");
    }
  }
}

std::string environment_config_json(const config::Table& f) {
  using nlohmann::ordered_json;
  ordered_json flags = ordered_json::object();
  for (const auto& entry : f.get_list("feature_flags")) {
    std::string name;
    bool value = false;
    if (split_flag(entry, name, value)) flags[name] = value;
  }
  ordered_json body = {
      {"apiUrl", f.get_string("api_url")},
      {"websocketUrl", f.get_string("websocket_url")},
      {"cdnUrl", f.get_string("cdn_url")},
      {"enableAnalytics", f.get_bool("enable_analytics")},
      {"enableErrorTracking", f.get_bool("enable_error_tracking")},
      {"logLevel", f.get_string("log_level")},
      {"featureFlags", flags},
      {"performance",
       {{"enablePerfMonitoring", f.get_bool("enable_perf_monitoring")},
        {"sampleRate", f.get_double("sample_rate")},
        {"enableWebVitals", f.get_bool("enable_web_vitals")}}},
      {"security",
       {{"enableCSP", f.get_bool("enable_csp")},
        {"enableSRI", f.get_bool("enable_sri")},
        {"trustedDomains", f.get_list("trusted_domains")}}},
  };
  return body.dump() + "\n";
}

std::string etag_for(const std::string& body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  return "\"" + to_hex(digest, 8) + "\"";
}

}  // namespace ew::frontend

namespace ew::frontend {

std::optional<ShadowedFile> shadowed_file(const std::string& root, const std::string& path,
                                          const std::string& served) {
  if (root.empty()) return std::nullopt;
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::path(root) / path.substr(1);
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  ShadowedFile shadowed{file.string(), {}};
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json theirs = nlohmann::json::parse(text.str(), nullptr, false);
  if (theirs.is_discarded()) {
    shadowed.differences.push_back("");
    return shadowed;
  }
  nlohmann::json ours = nlohmann::json::parse(served);
  for (const auto& op : nlohmann::json::diff(ours, theirs)) {
    shadowed.differences.push_back(op["path"].get<std::string>());
  }
  return shadowed;
}

std::string shadow_notice(const ShadowedFile& shadowed, const std::string& path) {
  std::string line = "frontend: " + path + " is answered from [frontend]; " + shadowed.file +
                     " in the static root is not served";
  if (shadowed.differences.empty()) return line + " (it says the same)";
  if (shadowed.differences.front().empty()) {
    line += " and is not JSON";
  } else {
    line += " and differs at";
    for (std::size_t i = 0; i < shadowed.differences.size(); ++i) {
      line += (i ? ", " : " ") + shadowed.differences[i];
    }
  }
  return line + ". Set [frontend] to what the app needs, or frontend.enabled = false to serve " +
         "the file";
}

}  // namespace ew::frontend
