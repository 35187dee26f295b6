// `edgewatch sri DIR/index.html`: adds Subresource Integrity to the page's own scripts,
// modulepreloads and stylesheets.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace ew::tools {

struct SriOptions {
  std::string index_html;  // path to the page; its directory is taken as the site root
  std::string base = "/";  // Vite's `base`, stripped from absolute URLs
};

struct SriResult {
  std::string html;      // the rewritten page
  std::size_t tags = 0;  // tags given an integrity attribute
  std::vector<std::string> errors;
};

// Rewrites every local <script src>, <link rel=modulepreload> and <link rel=stylesheet> to
// carry integrity="sha384-<base64>" (of the file's bytes, which is what the browser checks
// after undoing any Content-Encoding) and a crossorigin attribute when it has none
// ("anonymous", what Vite writes as a bare `crossorigin`). An existing integrity attribute is
// replaced, so running it again changes nothing. External URLs are left alone.
SriResult add_integrity(const std::string& html, const std::string& site_dir,
                        const std::string& base);

// The subcommand: rewrites the file in place (atomically, only when it changed). Exit status 0,
// or 1 when the page or a file it references cannot be read (the page would not load).
int run_sri(const SriOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ew::tools
