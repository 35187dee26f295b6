// A small scanner for the asset tags of a built index.html (<script> and <link>). Not a full
// HTML parser: it finds start tags, skips comments and the contents of <script> and <style>,
// and keeps the byte span of every attribute so a tag can be rewritten without disturbing the
// rest of the page.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew::tools {

struct HtmlAttribute {
  std::string_view name;   // as written
  std::string_view value;  // without quotes; empty for a bare attribute
  bool has_value = false;
  std::size_t begin = 0;  // span in the page, leading whitespace included
  std::size_t end = 0;
};

struct HtmlTag {
  std::string_view name;  // "script" or "link", as written
  std::size_t begin = 0;  // offset of '<'
  std::size_t name_end = 0;
  std::size_t close_begin = 0;  // trailing whitespace and "/>" or ">"
  std::size_t end = 0;          // one past '>'
  std::vector<HtmlAttribute> attributes;

  const HtmlAttribute* find(std::string_view attribute) const;
};

// HTML's ASCII whitespace: space, tab, LF, CR and FF.
bool is_html_space(char c);

// Every <script> and <link> start tag, in document order.
std::vector<HtmlTag> scan_asset_tags(std::string_view html);

enum class AssetKind { kScript, kModulePreload, kStylesheet };

struct AssetRef {
  AssetKind kind;
  std::string_view url;
  std::size_t tag_index;  // into the scanned tags
};

// The resources a page loads at start: <script src>, <link rel=modulepreload href> and
// <link rel=stylesheet href> (rel is a token list, case-insensitive).
std::vector<AssetRef> initial_assets(const std::vector<HtmlTag>& tags);

// True for a URL the page's own server serves: not "http:", "https:", "data:", "//host", ...
bool is_local_url(std::string_view url);

// The file under `site_dir` a local URL names: the query and fragment are dropped, `base` (the
// app's public path, e.g. "/app/") is stripped, relative URLs resolve against the site root,
// and the path is percent-decoded and normalized (a ".." is refused). nullopt when it cannot
// name a file under site_dir.
std::optional<std::string> local_file_for(std::string_view url, const std::string& site_dir,
                                          std::string_view base);

}  // namespace ew::tools
