#include "tools/sri.h"

#include <sys/stat.h>

#include <ostream>

#include "core/http.h"
#include "static/static.h"
#include "tools/file_io.h"
#include "tools/html_scan.h"

namespace ew::tools {
namespace {

// The tag with integrity (re)placed last, every other attribute kept byte for byte, but for two
// repairs of what HTML tolerates and the added attributes would change the meaning of:
// - an attribute written without whitespace before it (`a="1"b`) gets a space, since once the
//   attribute before it is dropped it would run into the one before that (`src=/x.js` + `b`
//   reads as `src=/x.jsb`);
// - an empty unquoted value at the end (`b=>`, `b= >`) is written `b=""`, since
//   `b= crossorigin` would make the added attribute its value.
std::string rewrite_tag(std::string_view html, const HtmlTag& tag, const std::string& digest) {
  std::string out(html.substr(tag.begin, tag.name_end - tag.begin));
  for (const HtmlAttribute& a : tag.attributes) {
    if (iequals(a.name, "integrity")) continue;
    std::string_view written = html.substr(a.begin, a.end - a.begin);
    if (!written.empty() && !is_html_space(written.front())) out.push_back(' ');
    out.append(written);
    bool unquoted_empty =
        a.has_value && a.value.empty() && !written.ends_with('"') && !written.ends_with('\'');
    if (unquoted_empty) out.append("\"\"");
  }
  if (tag.find("crossorigin") == nullptr) out.append(" crossorigin=\"anonymous\"");
  out.append(" integrity=\"sha384-" + digest + "\"");
  out.append(html.substr(tag.close_begin, tag.end - tag.close_begin));
  return out;
}

std::string directory_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

SriResult add_integrity(const std::string& html, const std::string& site_dir,
                        const std::string& base) {
  SriResult result;
  std::vector<HtmlTag> tags = scan_asset_tags(html);
  std::vector<std::string> replacement(tags.size());
  for (const AssetRef& ref : initial_assets(tags)) {
    if (!is_local_url(ref.url)) continue;
    std::optional<std::string> file = local_file_for(ref.url, site_dir, base);
    std::optional<std::string> bytes = file ? read_file(*file) : std::nullopt;
    if (!bytes) {
      result.errors.push_back("cannot read " + (file ? *file : std::string(ref.url)) +
                              " (referenced as " + std::string(ref.url) + ")");
      continue;
    }
    replacement[ref.tag_index] =
        rewrite_tag(html, tags[ref.tag_index], static_files::sha384_base64(*bytes));
    ++result.tags;
  }
  std::size_t copied = 0;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (replacement[i].empty()) continue;
    result.html.append(html, copied, tags[i].begin - copied);
    result.html.append(replacement[i]);
    copied = tags[i].end;
  }
  result.html.append(html, copied, std::string::npos);
  return result;
}

int run_sri(const SriOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<std::string> html = read_file(options.index_html);
  if (!html) {
    err << "edgewatch sri: cannot read " << options.index_html << "\n";
    return 1;
  }
  SriResult result = add_integrity(*html, directory_of(options.index_html), options.base);
  for (const std::string& e : result.errors) err << "edgewatch sri: " << e << "\n";
  if (!result.errors.empty()) return 1;
  if (result.html != *html) {
    struct stat st {};
    unsigned mode = stat(options.index_html.c_str(), &st) == 0 ? st.st_mode : 0644;
    std::string error;
    if (!write_file_atomic(options.index_html, result.html, mode, &error)) {
      err << "edgewatch sri: " << error << "\n";
      return 1;
    }
  }
  out << "sri: " << result.tags << " tags in " << options.index_html
      << (result.html != *html ? " updated" : " already up to date") << "\n";
  return 0;
}

}  // namespace ew::tools
