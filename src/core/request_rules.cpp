#include "core/request_rules.h"

#include <vector>

#include "util/ascii.h"

namespace ew {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Refusal bad_request(std::string message) {
  return {400, "bad_request", std::move(message)};
}

// Calls `visit(token)` for each comma-separated element of a list field, trimmed of OWS; empty
// elements are skipped, as RFC 9110 5.6.1 asks. Parameters stay part of the token: chunked takes
// none, so "chunked;x" is not chunked (and the parser would not frame it as chunked either).
template <class Visit>
void for_each_token(std::string_view list, Visit&& visit) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    token = trim_space(token);
    if (!token.empty()) visit(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool is_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

bool is_reg_name(std::string_view name) {
  if (name.empty() || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  }
  return true;
}

bool is_ip_literal(std::string_view inside) {
  if (inside.empty()) return false;
  for (char c : inside) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return inside.find(':') != std::string_view::npos;
}

// "%2e" or "%2E" at `i`.
bool encoded_dot_at(std::string_view text, std::size_t i) {
  return i + 2 < text.size() && text[i] == '%' && text[i + 1] == '2' &&
         ascii_lower(text[i + 2]) == 'e';
}

// 1 for ".", 2 for "..", 0 otherwise, counting "%2E" as a dot.
int dot_segment_kind(std::string_view segment) {
  int dots = 0;
  for (std::size_t i = 0; i < segment.size();) {
    if (segment[i] == '.') {
      ++i;
    } else if (encoded_dot_at(segment, i)) {
      i += 3;
    } else {
      return 0;
    }
    if (++dots > 2) return 0;
  }
  return dots;
}

// Length of an encoded slash or backslash at `i` ("%2F", "%5C" or "\"), or 0.
std::size_t escaped_slash_at(std::string_view path, std::size_t i) {
  if (path[i] == '\\') return 1;
  if (path[i] != '%' || i + 2 >= path.size()) return 0;
  char hi = path[i + 1];
  char lo = ascii_lower(path[i + 2]);
  return (hi == '2' && lo == 'f') || (hi == '5' && lo == 'c') ? 3 : 0;
}

bool has_escaped_slash(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (escaped_slash_at(path, i) > 0) return true;
  }
  return false;
}

// Whether any piece between separators is a dot segment. With `escaped_too`, encoded slashes
// and backslashes separate pieces as well: what an upstream that decodes them would see.
bool has_dot_piece(std::string_view path, bool escaped_too) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size();) {
    std::size_t separator = 0;
    if (i == path.size() || path[i] == '/') {
      separator = 1;
    } else if (escaped_too) {
      separator = escaped_slash_at(path, i);
    }
    if (separator == 0) {
      ++i;
      continue;
    }
    if (dot_segment_kind(path.substr(start, i - start)) > 0) return true;
    i += separator;
    start = i;
  }
  return false;
}

}  // namespace

std::optional<Refusal> check_framing(const Request& request) {
  bool has_transfer_encoding = false;
  bool has_content_length = false;
  std::vector<std::string_view> codings;
  for (const auto& field : request.headers()) {
    if (iequals(field.name, "transfer-encoding")) {
      has_transfer_encoding = true;
      for_each_token(field.value, [&](std::string_view token) { codings.push_back(token); });
    } else if (iequals(field.name, "content-length")) {
      has_content_length = true;
    }
  }
  if (!has_transfer_encoding) return std::nullopt;
  if (has_content_length) {
    return bad_request(
        "the request has both Transfer-Encoding and Content-Length; send one of them");
  }
  if (request.version < 11) {
    return bad_request("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (codings.empty() || !iequals(codings.back(), "chunked")) {
    return bad_request("the final transfer coding must be chunked, so the body can be framed");
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) {
      return bad_request("the chunked transfer coding may be applied only once");
    }
    return Refusal{501, "not_implemented",
                   "the transfer coding \"" + std::string(codings[i]) +
                       "\" is not implemented; send the body with chunked alone or with "
                       "Content-Length"};
  }
  return std::nullopt;
}

std::optional<Refusal> check_host(const Request& request) {
  int count = 0;
  std::string_view host;
  for (const auto& field : request.headers()) {
    if (!iequals(field.name, "host")) continue;
    ++count;
    host = field.value;
  }
  if (count > 1) return bad_request("the request has more than one Host field; send exactly one");
  if (count == 0) {
    if (request.version < 11) return std::nullopt;
    return bad_request("an HTTP/1.1 request must have a Host field");
  }
  if (!is_valid_host(host)) {
    return bad_request("the Host field is not a valid host[:port]");
  }
  return std::nullopt;
}

bool is_valid_host(std::string_view host) {
  std::string_view name = host;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos || !is_ip_literal(host.substr(1, close - 1))) return false;
    std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      has_port = true;
      port = after.substr(1);
    }
    return !has_port || is_port(port);
  }
  std::size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    has_port = true;
  }
  return is_reg_name(name) && (!has_port || is_port(port));
}

std::optional<AbsoluteTarget> split_absolute_form(std::string_view target) {
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return std::nullopt;
  std::string_view rest = target.substr(scheme_end + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  AbsoluteTarget out;
  out.authority = rest.substr(0, authority_end);
  out.origin_form =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  return out;
}

std::optional<Refusal> resolve_dot_segments(std::string_view path, EscapedSlashes escaped,
                                            std::string& resolved) {
  resolved.clear();
  if (path.empty() || path.front() != '/') return std::nullopt;
  bool escaped_slash = has_escaped_slash(path);
  if (escaped_slash && escaped == EscapedSlashes::kReject) {
    return bad_request("the path has an encoded slash or backslash (%2F, %5C or \\)");
  }
  if (!has_dot_piece(path, escaped_slash)) return std::nullopt;
  if (escaped_slash) {
    return bad_request(
        "the path has a dot segment next to an encoded slash or backslash; send the path "
        "without them");
  }
  std::vector<std::string_view> kept;
  bool ends_in_directory = false;
  std::string_view rest = path.substr(1);
  for (;;) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    int kind = dot_segment_kind(segment);
    if (kind == 2) {
      if (kept.empty()) return bad_request("the path climbs above the root with \"..\"");
      kept.pop_back();
    } else if (kind == 0) {
      kept.push_back(segment);
    }
    ends_in_directory = kind != 0;
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  resolved.reserve(path.size());
  for (std::string_view segment : kept) resolved.append("/").append(segment);
  if (ends_in_directory || resolved.empty()) resolved += '/';
  return std::nullopt;
}

}  // namespace ew
