// Content types by file extension, and whether a type is worth compressing.
#pragma once

#include <string_view>

namespace ew::static_files {

struct MimeInfo {
  std::string_view type;      // full Content-Type value, "; charset=utf-8" included for text
  bool compressible = false;  // text-like formats; never images, fonts in woff/woff2, media
};

// Looks up the extension of the last path segment (case-insensitive). Unknown or missing
// extensions give application/octet-stream, not compressible.
MimeInfo mime_for_path(std::string_view path);

// The extension of the last segment without its dot ("js" for "/a/b.min.js"), or empty.
std::string_view file_extension(std::string_view path);

}  // namespace ew::static_files
