#include "ops/api_util.h"

#include "auth/admin_auth.h"

namespace ew::ops {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Response json_response(int status, std::string body) {
  Response r(status);
  r.set_body(std::move(body), "application/json");
  r.add_header("Cache-Control", "no-store");
  return r;
}

std::string admin_token(const config::Settings& settings) {
  if (settings.sections.find("admin") == settings.sections.end()) return {};
  return settings.section("admin").get_string("token");
}

std::string data_directory(const config::Settings& settings) {
  if (settings.sections.find("storage") == settings.sections.end()) return ".";
  const std::string& path = settings.section("storage").get_string("path");
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool bearer_ok(const Request& request, const std::string& token) {
  return auth::admin_ok(request, token);
}

Response unauthorized(std::string_view request_id) {
  Response r =
      error_response(401, "unauthorized",
                     "a valid bearer token is required (Authorization: Bearer ...)", request_id);
  r.add_header("WWW-Authenticate", "Bearer realm=\"edgewatch\"");
  return r;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (percent_decode(key) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace ew::ops
