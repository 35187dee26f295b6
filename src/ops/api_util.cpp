#include "ops/api_util.h"

#include "auth/admin_auth.h"

namespace ew::ops {

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

std::optional<Response> admin_refusal(const Request& request, const std::string& token) {
  return auth::admin_refusal(request, token);
}

Response unauthorized(std::string_view request_id) {
  return auth::unauthorized(request_id);
}

}  // namespace ew::ops
