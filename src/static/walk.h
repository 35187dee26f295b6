// Lists the files under the root that may be served. Everything the server will ever serve
// passes through here, so this is where symlinks leading out of root and hidden files are
// dropped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ew::static_files {

struct FoundFile {
  std::string url;        // "/assets/index-4f3a9c1e.js": decoded, as a normalized request path
  std::string real_path;  // canonical path of the regular file (symlinks resolved)
};

struct WalkResult {
  std::vector<FoundFile> files;          // sorted by url
  std::vector<std::string> directories;  // canonical paths of every directory visited
  std::vector<std::string> warnings;
  std::size_t skipped = 0;
};

// Walks `canonical_root` (already resolved with realpath). Symlinks are followed only when
// their real target lies inside the root; a directory symlinked into itself is not entered
// again. Only regular
// files are listed (never FIFOs or devices). Names starting with '.' are skipped unless
// `allow_dotfiles`, except a top-level ".well-known". Names that a request could not spell
// (invalid UTF-8, control bytes, backslash) are skipped.
WalkResult walk_tree(const std::string& canonical_root, bool allow_dotfiles);

// realpath(3) as a string; empty on failure.
std::string real_path(const std::string& path);

}  // namespace ew::static_files
