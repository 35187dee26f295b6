// The dashboard's files as ready responses: content type, cache policy, entity-tag, security
// headers and brotli / gzip variants, all prepared once at start from the embedded bytes.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/http.h"
#include "static/options.h"

namespace ew::dashboard {

class Assets {
 public:
  // Cache-Control of content-hashed files under assets/, of index.html and of the rest.
  static constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
  static constexpr std::string_view kRevalidate = "no-cache";
  static constexpr std::string_view kShort = "public, max-age=3600";

  explicit Assets(const static_files::SecurityHeaders& security);

  // Paths relative to dist/ ("index.html", "assets/app-X.js"). Null when absent.
  bool contains(std::string_view path) const { return files_.count(std::string(path)) > 0; }
  // The answer to a GET or HEAD of `path`: 200 with the best variant, 304, or 404.
  Response serve(std::string_view path, const Request& request) const;
  // Every file path, for registering routes.
  std::vector<std::string> paths() const;

 private:
  struct Variant {
    std::string_view bytes;                    // the embedded bytes, or `owned`
    std::shared_ptr<const std::string> owned;  // compressed copy
    std::shared_ptr<const std::string> headers;
  };
  struct File {
    std::array<Variant, 3> variants;  // brotli, gzip, identity; empty bytes when absent
    std::string etag;
    std::shared_ptr<const std::string> not_modified_headers;
  };
  std::unordered_map<std::string, File> files_;
  std::string security_lines_;
  std::string hsts_line_;
};

}  // namespace ew::dashboard
