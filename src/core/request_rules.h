// What a request must satisfy before it is routed, whatever protocol carried it: message framing
// (RFC 9112 6), Host (RFC 9110 7.2), the request target's form (RFC 9112 3.2) and its path's dot
// segments (RFC 3986 5.2.4). Free of sockets and parsers, so the HTTP/1.1 session, a future
// HTTP/2 stream and the fuzz targets all apply the same rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http.h"

namespace ew {

// Why a request is refused: the status, a stable machine-readable code, and a message for the
// client saying what was wrong and what to send instead.
struct Refusal {
  int status = 400;
  std::string_view code;
  std::string message;
};

// Transfer-Encoding and Content-Length. Chunked is the only transfer coding edgewatch
// implements: a Transfer-Encoding whose final coding is not chunked cannot be framed (400), any
// other coding before it is not implemented (501), and Transfer-Encoding beside Content-Length
// is the classic smuggling primitive (400). Each refusal must close the connection.
std::optional<Refusal> check_framing(const Request& request);

// HTTP/1.1 requires exactly one Host field, and its value must be a valid host[:port]. HTTP/1.0
// may omit it, but one that is present must still be valid.
std::optional<Refusal> check_host(const Request& request);

// host[:port] per RFC 3986: a registered name of letters, digits, '-', '.', '_' and '~', or an
// IPv4 address, or a bracketed IPv6 literal; an optional port of one to five digits.
bool is_valid_host(std::string_view host);

// An absolute-form target ("http://example.com/path?q"), split into its authority and its
// origin-form path and query ("/path?q"; "/" when the URI has no path).
struct AbsoluteTarget {
  std::string_view authority;
  std::string_view origin_form;
};
std::optional<AbsoluteTarget> split_absolute_form(std::string_view target);

// How a path with an encoded slash (%2F) or backslash (%5C, or a literal '\') is treated.
// Upstream frameworks often decode them into separators, so a dot segment beside one could climb
// out of a route's prefix after edgewatch checked it.
enum class EscapedSlashes : std::uint8_t {
  kKeep,    // kept as sent, unless the path also has a dot segment: then refused
  kReject,  // always refused
};

// Resolves "." and ".." segments, literal or percent-encoded (%2E), in a path (no query).
// nullopt and an empty `resolved` when the path has none (the common case, scanned once without
// allocating); the resolved path otherwise; a Refusal when it climbs above the root or breaks
// the escaped-slash rule.
std::optional<Refusal> resolve_dot_segments(std::string_view path, EscapedSlashes escaped,
                                            std::string& resolved);

}  // namespace ew
