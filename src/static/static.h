// The static-file module: serves the files under [static] root (a Vite dist/) from memory,
// with precompressed variants, cache policy, SPA fallback and security headers. See
// docs/static.md for the configuration reference.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/http.h"
#include "core/module.h"
#include "static/options.h"
#include "telemetry/registry.h"

namespace ew::static_files {

// The module; it adds the cache families to `metrics`.
ModulePtr make_static_module(std::shared_ptr<telemetry::MetricsRegistry> metrics);

// Declares the [static] section (also used by tests and by check-config).
void declare_static_settings(config::Schema& schema);

// Reads the [static] section into plain options.
StaticOptions static_options(const config::Settings& settings);

// A file handed over in memory instead of found under a root.
struct MemoryFile {
  std::string_view path;   // relative to the site's root: "index.html", "assets/app-X.js"
  std::string_view bytes;  // copied when the site is built
  std::int64_t mtime = 0;  // seconds since the epoch, for Last-Modified and If-Modified-Since
};

class StaticSite;

// A site built once from files in memory (the dashboard's embedded build) and answered by the
// module's own code: brotli / gzip variants compressed at build, entity-tags, 304 and 412,
// ranges, the cache policy of `options` and its security headers (HSTS as for [static]).
// `options.root` and `options.watch` are ignored. Thread-safe; nothing changes after
// construction.
class EmbeddedSite {
 public:
  // Throws std::invalid_argument for a bad hashed_name_pattern or trusted-proxy CIDR.
  EmbeddedSite(std::span<const MemoryFile> files, StaticOptions options);
  ~EmbeddedSite();
  EmbeddedSite(const EmbeddedSite&) = delete;
  EmbeddedSite& operator=(const EmbeddedSite&) = delete;

  // The answer to a GET or HEAD of `path`, a request path relative to the site ("/",
  // "/assets/app-X.js", still percent-encoded): 200, 206, 304, 400, 404, 412 or 416.
  // `request` supplies the method and the conditional, range and encoding headers.
  Response respond(std::string_view path, const Request& request) const;

  // Every file's path as given ("index.html", "assets/app-X.js"), sorted.
  std::vector<std::string> paths() const;

 private:
  std::unique_ptr<StaticSite> site_;
};

}  // namespace ew::static_files

// Shared with the build tools (src/tools: precompress, budget, sri), which compress, digest
// and walk a dist/ exactly as the module does when it loads one.
#include "static/compress.h"  // compress, encoding_suffix, the build-time levels
#include "static/digest.h"    // sha384_base64 (Subresource Integrity)
#include "static/mime.h"      // mime_for_path, file_extension
#include "static/path.h"      // normalize_path
#include "static/walk.h"      // walk_tree, real_path
