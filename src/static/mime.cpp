#include "static/mime.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ew::static_files {
namespace {

struct MimeRow {
  std::string_view ext;
  std::string_view type;
  bool compressible;
};

// Sorted by extension for binary search. Text types carry charset=utf-8 because browsers
// otherwise guess (windows-1252 for text/plain), which garbles non-ASCII content.
constexpr std::array kTable = {
    MimeRow{"7z", "application/x-7z-compressed", false},
    MimeRow{"aac", "audio/aac", false},
    MimeRow{"apng", "image/apng", false},
    MimeRow{"atom", "application/atom+xml; charset=utf-8", true},
    MimeRow{"avif", "image/avif", false},
    MimeRow{"bin", "application/octet-stream", false},
    MimeRow{"bmp", "image/bmp", true},
    MimeRow{"br", "application/octet-stream", false},
    MimeRow{"cjs", "text/javascript; charset=utf-8", true},
    MimeRow{"css", "text/css; charset=utf-8", true},
    MimeRow{"csv", "text/csv; charset=utf-8", true},
    MimeRow{"eot", "application/vnd.ms-fontobject", true},
    MimeRow{"flac", "audio/flac", false},
    MimeRow{"geojson", "application/geo+json; charset=utf-8", true},
    MimeRow{"gif", "image/gif", false},
    MimeRow{"glb", "model/gltf-binary", false},
    MimeRow{"gltf", "model/gltf+json; charset=utf-8", true},
    MimeRow{"gz", "application/gzip", false},
    MimeRow{"htm", "text/html; charset=utf-8", true},
    MimeRow{"html", "text/html; charset=utf-8", true},
    MimeRow{"ico", "image/x-icon", true},
    MimeRow{"ics", "text/calendar; charset=utf-8", true},
    MimeRow{"jpeg", "image/jpeg", false},
    MimeRow{"jpg", "image/jpeg", false},
    MimeRow{"js", "text/javascript; charset=utf-8", true},
    MimeRow{"json", "application/json; charset=utf-8", true},
    MimeRow{"jsonld", "application/ld+json; charset=utf-8", true},
    MimeRow{"jxl", "image/jxl", false},
    MimeRow{"m4a", "audio/mp4", false},
    MimeRow{"map", "application/json; charset=utf-8", true},
    MimeRow{"md", "text/markdown; charset=utf-8", true},
    MimeRow{"mjs", "text/javascript; charset=utf-8", true},
    MimeRow{"mov", "video/quicktime", false},
    MimeRow{"mp3", "audio/mpeg", false},
    MimeRow{"mp4", "video/mp4", false},
    MimeRow{"oga", "audio/ogg", false},
    MimeRow{"ogg", "audio/ogg", false},
    MimeRow{"ogv", "video/ogg", false},
    MimeRow{"opus", "audio/opus", false},
    MimeRow{"otf", "font/otf", true},
    MimeRow{"pdf", "application/pdf", false},
    MimeRow{"png", "image/png", false},
    MimeRow{"rss", "application/rss+xml; charset=utf-8", true},
    MimeRow{"svg", "image/svg+xml; charset=utf-8", true},
    MimeRow{"tar", "application/x-tar", false},
    MimeRow{"tif", "image/tiff", false},
    MimeRow{"tiff", "image/tiff", false},
    MimeRow{"toml", "application/toml; charset=utf-8", true},
    MimeRow{"ts", "video/mp2t", false},  // in a built dist/ .ts is an MPEG stream, not TypeScript
    MimeRow{"ttf", "font/ttf", true},
    MimeRow{"txt", "text/plain; charset=utf-8", true},
    MimeRow{"vtt", "text/vtt; charset=utf-8", true},
    MimeRow{"wasm", "application/wasm", true},
    MimeRow{"wav", "audio/wav", false},
    MimeRow{"weba", "audio/webm", false},
    MimeRow{"webm", "video/webm", false},
    MimeRow{"webmanifest", "application/manifest+json; charset=utf-8", true},
    MimeRow{"webp", "image/webp", false},
    MimeRow{"woff", "font/woff", false},
    MimeRow{"woff2", "font/woff2", false},
    MimeRow{"xhtml", "application/xhtml+xml; charset=utf-8", true},
    MimeRow{"xml", "application/xml; charset=utf-8", true},
    MimeRow{"yaml", "application/yaml; charset=utf-8", true},
    MimeRow{"yml", "application/yaml; charset=utf-8", true},
    MimeRow{"zip", "application/zip", false},
    MimeRow{"zst", "application/zstd", false},
};

constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr std::size_t kMaxExtension = 16;

}  // namespace

std::string_view file_extension(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::size_t dot = name.rfind('.');
  // ".env" has no extension: a leading dot marks a hidden file, not a type.
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

MimeInfo mime_for_path(std::string_view path) {
  std::string_view ext = file_extension(path);
  if (ext.empty() || ext.size() > kMaxExtension) return {kOctetStream, false};
  char lower[kMaxExtension];
  for (std::size_t i = 0; i < ext.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(ext[i])));
  }
  std::string_view key(lower, ext.size());
  auto it = std::lower_bound(kTable.begin(), kTable.end(), key,
                             [](const MimeRow& row, std::string_view k) { return row.ext < k; });
  if (it == kTable.end() || it->ext != key) return {kOctetStream, false};
  return {it->type, it->compressible};
}

}  // namespace ew::static_files
