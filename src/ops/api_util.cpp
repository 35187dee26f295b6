#include "ops/api_util.h"

#include "auth/admin_auth.h"

namespace ew::ops {
namespace {}  // namespace

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

}  // namespace ew::ops
