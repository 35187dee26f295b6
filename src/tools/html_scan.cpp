#include "tools/html_scan.h"

#include <cctype>

#include "core/http.h"
#include "static/static.h"

namespace ew::tools {

bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

namespace {

// True when `html` at `pos` starts with `word` (case-insensitive) followed by a tag-name end.
bool tag_name_at(std::string_view html, std::size_t pos, std::string_view word) {
  if (pos + word.size() > html.size() || !iequals(html.substr(pos, word.size()), word)) {
    return false;
  }
  std::size_t after = pos + word.size();
  return after == html.size() || is_html_space(html[after]) || html[after] == '>' ||
         html[after] == '/';
}

// Offset just past the matching "</name", or npos.
std::size_t skip_raw_text(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t at = html.find("</", from); at != std::string_view::npos;
       at = html.find("</", at + 2)) {
    if (tag_name_at(html, at + 2, name)) return at + 2 + name.size();
  }
  return std::string_view::npos;
}

// Parses attributes from `pos` up to the closing '>'; fills `tag`. Returns false if unclosed.
// Follows the HTML tokenizer's attribute states, so that a page reads the same here as in a
// browser: a '/' not followed by '>' separates attributes, a name may start with '=', and a
// value is quoted or runs to whitespace or '>'.
bool parse_attributes(std::string_view html, std::size_t pos, HtmlTag& tag) {
  auto closes_tag = [&](std::size_t at) {
    return html[at] == '>' || (html[at] == '/' && at + 1 < html.size() && html[at + 1] == '>');
  };
  auto ends_name = [&](char c) { return is_html_space(c) || c == '/' || c == '>' || c == '='; };
  while (true) {
    std::size_t attr_begin = pos;
    while (pos < html.size() &&
           (is_html_space(html[pos]) || (html[pos] == '/' && !closes_tag(pos)))) {
      ++pos;
    }
    if (pos >= html.size()) return false;
    if (closes_tag(pos)) {
      tag.close_begin = attr_begin;
      tag.end = html.find('>', pos) + 1;
      return true;
    }
    HtmlAttribute attr;
    attr.begin = attr_begin;
    std::size_t name_begin = pos++;  // the first character belongs to the name, even '='
    while (pos < html.size() && !ends_name(html[pos])) ++pos;
    attr.name = html.substr(name_begin, pos - name_begin);
    std::size_t look = pos;
    while (look < html.size() && is_html_space(html[look])) ++look;
    if (look < html.size() && html[look] == '=') {
      pos = look + 1;
      while (pos < html.size() && is_html_space(html[pos])) ++pos;
      if (pos >= html.size()) return false;
      char quote = html[pos];
      if (quote == '"' || quote == '\'') {
        std::size_t close = html.find(quote, pos + 1);
        if (close == std::string_view::npos) return false;
        attr.value = html.substr(pos + 1, close - pos - 1);
        pos = close + 1;
      } else {
        std::size_t start = pos;
        while (pos < html.size() && !is_html_space(html[pos]) && html[pos] != '>') ++pos;
        attr.value = html.substr(start, pos - start);
      }
      attr.has_value = true;
    }
    attr.end = pos;
    tag.attributes.push_back(attr);
  }
}

bool has_token(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    while (pos < list.size() && is_html_space(list[pos])) ++pos;
    std::size_t start = pos;
    while (pos < list.size() && !is_html_space(list[pos])) ++pos;
    if (pos > start && iequals(list.substr(start, pos - start), token)) return true;
  }
  return false;
}

}  // namespace

const HtmlAttribute* HtmlTag::find(std::string_view attribute) const {
  for (const HtmlAttribute& a : attributes) {
    if (iequals(a.name, attribute)) return &a;
  }
  return nullptr;
}

std::vector<HtmlTag> scan_asset_tags(std::string_view html) {
  std::vector<HtmlTag> tags;
  std::size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string_view::npos) {
    if (html.substr(pos, 4) == "<!--") {
      std::size_t close = html.find("-->", pos + 4);
      if (close == std::string_view::npos) break;
      pos = close + 3;
      continue;
    }
    bool script = tag_name_at(html, pos + 1, "script");
    bool link = tag_name_at(html, pos + 1, "link");
    bool style = tag_name_at(html, pos + 1, "style");
    if (!script && !link && !style) {
      ++pos;
      continue;
    }
    HtmlTag tag;
    tag.begin = pos;
    tag.name_end = pos + 1 + (script ? 6 : link ? 4 : 5);
    tag.name = html.substr(pos + 1, tag.name_end - pos - 1);
    if (!parse_attributes(html, tag.name_end, tag)) break;
    pos = tag.end;
    if (script || style) {
      // Contents are raw text: a "<link" inside inline code is not a tag.
      pos = skip_raw_text(html, pos, script ? "script" : "style");
      if (pos == std::string_view::npos) pos = html.size();
    }
    if (!style) tags.push_back(std::move(tag));
  }
  return tags;
}

std::vector<AssetRef> initial_assets(const std::vector<HtmlTag>& tags) {
  std::vector<AssetRef> out;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const HtmlTag& tag = tags[i];
    if (iequals(tag.name, "script")) {
      const HtmlAttribute* src = tag.find("src");
      if (src && !src->value.empty()) out.push_back({AssetKind::kScript, src->value, i});
      continue;
    }
    const HtmlAttribute* rel = tag.find("rel");
    const HtmlAttribute* href = tag.find("href");
    if (!rel || !href || href->value.empty()) continue;
    if (has_token(rel->value, "modulepreload")) {
      out.push_back({AssetKind::kModulePreload, href->value, i});
    } else if (has_token(rel->value, "stylesheet")) {
      out.push_back({AssetKind::kStylesheet, href->value, i});
    }
  }
  return out;
}

bool is_local_url(std::string_view url) {
  if (url.starts_with("//")) return false;
  std::size_t colon = url.find(':');
  std::size_t slash = url.find_first_of("/?#");
  return colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon);
}

std::optional<std::string> local_file_for(std::string_view url, const std::string& site_dir,
                                          std::string_view base) {
  if (!is_local_url(url)) return std::nullopt;
  url = url.substr(0, url.find_first_of("?#"));
  std::string absolute;
  if (url.starts_with("/")) {
    if (!base.empty() && base != "/" && url.starts_with(base)) {
      url.remove_prefix(base.size() - (base.ends_with('/') ? 1 : 0));
    }
    absolute = std::string(url);
  } else {
    while (url.starts_with("./")) url.remove_prefix(2);
    absolute = "/" + std::string(url);
  }
  std::string scratch;
  std::string_view normalized;
  if (static_files::normalize_path(absolute, scratch, normalized) !=
          static_files::PathVerdict::kOk ||
      normalized.ends_with('/')) {
    return std::nullopt;
  }
  return site_dir + std::string(normalized);
}

}  // namespace ew::tools
