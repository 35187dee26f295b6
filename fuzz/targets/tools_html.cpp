// The HTML that `edgewatch budget` and `edgewatch sri` read (a built index.html, which a
// compromised or odd build can shape freely). Tags and attributes found lie inside the page and
// in order; a file named by a URL never lies outside the site; and adding integrity attributes
// twice changes nothing the second time.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "check.h"
#include "tools/html_scan.h"
#include "tools/sri.h"

using namespace ew::tools;

namespace {

// A site with one script, made once per process and removed when the process exits.
struct Site {
  std::string dir;
  Site() {
    dir = (std::filesystem::temp_directory_path() / "ew-fuzz-site-XXXXXX").string();
    FUZZ_CHECK(mkdtemp(dir.data()) != nullptr);
    std::filesystem::create_directories(dir + "/assets");
    std::ofstream(dir + "/assets/app.js") << "console.log('app')\n";
  }
  ~Site() { std::filesystem::remove_all(dir); }
};

const std::string& site_dir() {
  static const Site site;
  return site.dir;
}

void check_tags(std::string_view html, const std::vector<HtmlTag>& tags) {
  std::size_t previous_end = 0;
  for (const HtmlTag& tag : tags) {
    FUZZ_CHECK(tag.begin >= previous_end && tag.begin < tag.name_end);
    FUZZ_CHECK(tag.name_end <= tag.close_begin && tag.close_begin < tag.end);
    FUZZ_CHECK(tag.end <= html.size() && html[tag.begin] == '<' && html[tag.end - 1] == '>');
    for (const HtmlAttribute& a : tag.attributes) {
      FUZZ_CHECK(tag.name_end <= a.begin && a.begin <= a.end && a.end <= tag.close_begin);
    }
    previous_end = tag.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string html(ew::fuzz::as_text(data, size));
  std::vector<HtmlTag> tags = scan_asset_tags(html);
  check_tags(html, tags);

  const std::string& site = site_dir();
  for (const AssetRef& ref : initial_assets(tags)) {
    FUZZ_CHECK(ref.tag_index < tags.size());
    if (!is_local_url(ref.url)) continue;
    if (std::optional<std::string> file = local_file_for(ref.url, site, "/")) {
      FUZZ_CHECK(file->rfind(site + "/", 0) == 0);
      FUZZ_CHECK(file->find("/../") == std::string::npos);
    }
  }

  SriResult once = add_integrity(html, site, "/");
  if (once.errors.empty()) {
    SriResult twice = add_integrity(once.html, site, "/");
    FUZZ_CHECK(twice.errors.empty() && twice.html == once.html);
  }
  return 0;
}
