// The immutable in-memory image of the served tree. Built by the loader, published whole, and
// read by every worker without locks. Bodies and header blocks are owned by shared_ptrs of
// their own, so a response in flight keeps its bytes after the snapshot is replaced.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/http.h"
#include "static/encoding.h"

namespace ew::static_files {

// The bytes of one variant: in memory, or an open file streamed with sendfile.
struct Body {
  SharedBytes memory;                    // set when in memory
  std::shared_ptr<const int> zero_copy;  // in memory and large: the sealed memfd holding `memory`
  std::shared_ptr<const int> fd;         // set for streamed files only
  std::uint64_t size = 0;

  bool in_memory() const { return fd == nullptr; }
};

// Pre-formatted header lines of one variant, laid out so that every response form is one
// contiguous slice:
//   [Content-Type, Content-Encoding, Accept-Ranges]   entity headers, 200 and 206 only
//   [ETag, Last-Modified, Cache-Control, Vary, security headers]   also on 304
//   [Strict-Transport-Security]   only when the request came over TLS
struct HeaderBlock {
  std::shared_ptr<const std::string> text;
  std::size_t validators_at = 0;
  std::size_t hsts_at = 0;

  SharedBytes full(bool hsts) const { return slice(0, hsts); }
  SharedBytes not_modified(bool hsts) const { return slice(validators_at, hsts); }

 private:
  SharedBytes slice(std::size_t from, bool hsts) const {
    std::string_view all = *text;
    std::size_t to = hsts ? all.size() : hsts_at;
    return SharedBytes{text, all.substr(from, to - from)};
  }
};

struct Variant {
  Body body;
  std::string etag;  // quoted, e.g. "\"3f2a9c...\"" or "\"3f2a9c...-br\""
  HeaderBlock headers;
};

struct Entry {
  std::array<Variant, kEncodingCount> variants;
  EncodingMask available = 0;
  std::int64_t mtime = 0;  // seconds, for If-Modified-Since
  std::string last_modified;
  std::string_view content_type;
  std::string hash;  // the first 16 hex digits of the identity content's SHA-256

  const Variant& variant(Encoding e) const { return variants[encoding_index(e)]; }
};

// Heterogeneous lookup, so a request path (a string_view) finds a key without allocating.
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using PathMap = std::unordered_map<std::string, const Entry*, PathHash, std::equal_to<>>;
using PathSet = std::unordered_set<std::string, PathHash, std::equal_to<>>;

struct LoadStats {
  std::size_t files = 0;
  std::size_t streamed = 0;
  std::size_t precompressed = 0;  // sibling variants used
  std::size_t compressed_at_load = 0;
  std::size_t skipped = 0;  // symlinks out of root, dotfiles, unreadable entries
  std::uint64_t memory_bytes = 0;
};

struct Snapshot {
  std::uint64_t generation = 0;  // unique across all sites in the process
  PathMap files;                 // "/a/b.js", plus "/dir/" for each dir/index.html
  PathSet index_dirs;            // "/dir" (no slash) for each dir/index.html: 301 to "/dir/"
  std::vector<std::unique_ptr<Entry>> entries;
  const Entry* fallback = nullptr;  // /index.html with "Vary: Accept" added; null without one
  HeaderBlock error_headers;        // security headers for errors and redirects
  LoadStats stats;
};

}  // namespace ew::static_files
