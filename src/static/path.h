// Request path normalization: the only place where a URL path becomes a lookup key. The lookup
// itself is a map of files found under root at load time, so nothing a client sends can name a
// file outside it; this layer makes the rejection of tricks explicit and testable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ew::static_files {

enum class PathVerdict : std::uint8_t { kOk, kBadRequest };

// Percent-decodes `raw` (the encoded path, without the query) exactly once and normalizes it:
// empty and "." segments are dropped, a trailing slash is kept. Rejected with kBadRequest: a
// path not starting with '/', '%' not followed by two hex digits, an encoded '/' (%2F), any
// backslash (raw or %5C), NUL and other control bytes, invalid UTF-8, and any ".." segment
// (raw or encoded: browsers resolve dot segments before sending, so a ".." is always crafted).
// "%252e" decodes once to the literal name "%2e" and is never decoded again.
// On kOk, `out` views `raw` itself when it was already normal (no allocation) or `scratch`.
PathVerdict normalize_path(std::string_view raw, std::string& scratch, std::string_view& out);

// True when a segment of a normalized path starts with '.' (".env", "/.git/config"), except
// a first segment ".well-known" (RFC 8615 URIs are meant to be public).
bool has_hidden_segment(std::string_view normalized);

// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view bytes);

// Percent-encodes a normalized path for a Location header: unreserved characters, '/' and
// sub-delims stay, everything else becomes %XX.
std::string encode_path(std::string_view path);

}  // namespace ew::static_files
