// Sentry auth parameters: the query string, X-Sentry-Auth / Authorization, and DSNs.
#include "ingest/normalize.h"
#include "ingest/sentry.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

// Value of `name` in "a=1, b=2" or "a=1&b=2" style lists.
std::string param_value(std::string_view list, std::string_view name, std::string_view seps) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t end = list.find_first_of(seps, pos);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = trim_space(list.substr(pos, end - pos));
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && trim_space(item.substr(0, eq)) == name) {
      return std::string(trim_space(item.substr(eq + 1)));
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

std::string sentry_key_from_auth_header(std::string_view header) {
  header = trim_space(header);
  if (starts_with_ci(header, "Sentry ")) header.remove_prefix(7);
  return param_value(header, "sentry_key", ",");
}

std::string sentry_key_from_query(std::string_view query) {
  std::string key = param_value(query, "sentry_key", "&");
  if (key.empty()) key = param_value(query, "glitchtip_key", "&");
  return key;
}

std::optional<DsnParts> parse_dsn(std::string_view dsn) {
  UrlParts url = split_url(dsn);
  if (url.scheme.empty() || url.host.empty()) return std::nullopt;
  const std::size_t at = url.host.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view user = url.host.substr(0, at);
  DsnParts parts;
  parts.public_key = std::string(user.substr(0, user.find(':')));
  std::string_view path = url.path;
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // The SDK reduces the last segment to its leading digits.
  std::size_t digits = 0;
  while (digits < last.size() && last[digits] >= '0' && last[digits] <= '9') ++digits;
  parts.project_id = std::string(last.substr(0, digits));
  if (parts.public_key.empty() || parts.project_id.empty()) return std::nullopt;
  return parts;
}

}  // namespace ew::ingest
