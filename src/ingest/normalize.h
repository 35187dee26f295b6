// Normalization that keeps grouping stable and cardinality low: messages with their variable
// parts replaced, page paths with ids collapsed, URLs reduced to what identifies a resource.
#pragma once

#include <string>
#include <string_view>

namespace ew::ingest {

// Sentry-style message normalization: the first two non-empty lines (plus "..." when more were
// cut), with e-mails, URLs, IPv4/IPv6 addresses, UUIDs, SHA-1 and MD5 hashes, ISO dates, 0x hex,
// floats and integers replaced by <email>, <url>, <ip>, <uuid>, <sha1>, <md5>, <date>, <hex>,
// <float> and <int>. Numbers glued to letters ("item42") are kept: they are usually names.
std::string normalize_message(std::string_view message);

// Parts of an absolute or relative URL. Views into the input.
struct UrlParts {
  std::string_view scheme;  // "https"; empty for a relative URL
  std::string_view host;    // "app.example:8080"; empty for a relative URL
  std::string_view path;    // "/a/b"; may be empty
  std::string_view query;   // without '?'
};
UrlParts split_url(std::string_view url);

// True when a path segment looks like an identifier rather than a name: all digits, a UUID, hex
// of 8+ characters with a digit, or a long token mixing letters and digits.
bool is_id_segment(std::string_view segment);

// "/users/123/orders/9f1c2e4a-...?tab=1#x" -> "/users/:id/orders/:id". Query and fragment are
// dropped, percent-escapes are kept, at most 12 segments and 200 bytes.
std::string normalize_page_path(std::string_view path_or_url);

// Strips build hashes from a file name stem: "index-4f3a9c1e" -> "index", "main.3f9a1b2c.chunk"
// -> "main.chunk", "index-BxY3kq9a" -> "index". A part is a hash when it is 7+ hex digits, or
// 8-32 characters mixing letters and digits, or exactly 8 characters of mixed case or holding
// '_' or '-' (Rollup's base64url hashes) that are not one capitalised word ("Settings").
std::string strip_build_hash(std::string_view stem);

// A resource URL as a low-cardinality label: host kept, ids collapsed, hashes removed from file
// names, query dropped: "https://cdn.x/assets/index-4f3a9c1e.js?v=3" ->
// "cdn.x/assets/index-*.js".
std::string normalize_resource_url(std::string_view url);

}  // namespace ew::ingest
