// The build tools on a copy of the Vite-shaped fixture: precompress, budget and sri. SRI
// digests are recomputed here with OpenSSL directly, independently of the code under test.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "static/compress.h"
#include "static_test_util.h"
#include "tools/budget.h"
#include "tools/file_io.h"
#include "tools/html_scan.h"
#include "tools/precompress.h"
#include "tools/sri.h"

namespace ew::tools {
namespace {

using static_files::Encoding;
using static_files::testing::TempTree;

std::string copy_fixture(const TempTree& tree) {
  std::string dist = tree.path("dist");
  std::filesystem::copy(std::string(EW_SOURCE_DIR) + "/tests/fixtures/dist", dist,
                        std::filesystem::copy_options::recursive);
  return dist;
}

std::string slurp(const std::string& path) {
  return read_file(path).value_or("<missing>");
}

std::string openssl_sri(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha384(), nullptr);
  unsigned char b64[128];
  int n = EVP_EncodeBlock(b64, md, static_cast<int>(len));
  return "sha384-" + std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

TEST(StaticHtmlScan, FindsAssetTagsAndSkipsCommentsAndInlineCode) {
  std::string html =
      "<!-- <script src=/commented.js></script> -->"
      "<SCRIPT type=module src='/a.js'></SCRIPT>"
      "<script>const s = '<link rel=stylesheet href=/inline.css>';</script>"
      "<link rel=\"preload stylesheet\" href=\"/b.css\"/>"
      "<link rel=modulepreload href=/c.js>"
      "<link rel=icon href=/favicon.svg>"
      "<style>.x{background:url(<link>)}</style>"
      "<script src=\"https://cdn.example.com/x.js\"></script>";
  std::vector<HtmlTag> tags = scan_asset_tags(html);
  std::vector<AssetRef> refs = initial_assets(tags);
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].url, "/a.js");
  EXPECT_EQ(refs[0].kind, AssetKind::kScript);
  EXPECT_EQ(refs[1].url, "/b.css");
  EXPECT_EQ(refs[1].kind, AssetKind::kStylesheet);
  EXPECT_EQ(refs[2].url, "/c.js");
  EXPECT_EQ(refs[2].kind, AssetKind::kModulePreload);
  EXPECT_EQ(refs[3].url, "https://cdn.example.com/x.js");
  EXPECT_FALSE(is_local_url(refs[3].url));
}

// Attributes split where a browser's tokenizer splits them (found by fuzz/targets/tools_html.cpp).
TEST(StaticHtmlScan, AttributesSplitAsBrowsersSplitThem) {
  auto names = [](std::string_view html) {
    std::vector<HtmlTag> tags = scan_asset_tags(html);
    if (tags.size() != 1) return "tags: " + std::to_string(tags.size());
    std::string out;
    for (const HtmlAttribute& a : tags[0].attributes) {
      out += std::string(a.name) + (a.has_value ? "=[" + std::string(a.value) + "]" : "") + " ";
    }
    return out;
  };
  EXPECT_EQ(names("<script src=\"a.js\"/defer></script>"), "src=[a.js] defer ");
  EXPECT_EQ(names("<script src=a.js/x defer/></script>"), "src=[a.js/x] defer ");
  EXPECT_EQ(names("<link =x rel=stylesheet href=a.css>"), "=x rel=[stylesheet] href=[a.css] ");
  EXPECT_EQ(names("<link a= >"), "a=[] ");
}

TEST(StaticHtmlScan, LocalUrls) {
  EXPECT_TRUE(is_local_url("/assets/a.js"));
  EXPECT_TRUE(is_local_url("assets/a.js"));
  EXPECT_TRUE(is_local_url("./a.js?v=1"));
  EXPECT_FALSE(is_local_url("//cdn.example.com/a.js"));
  EXPECT_FALSE(is_local_url("data:text/javascript,1"));
  EXPECT_FALSE(is_local_url("HTTPS://x/a.js"));
  EXPECT_EQ(local_file_for("/assets/a.js?v=2#x", "/srv", "/"), "/srv/assets/a.js");
  EXPECT_EQ(local_file_for("./assets/a.js", "/srv", "/"), "/srv/assets/a.js");
  EXPECT_EQ(local_file_for("/app/assets/a.js", "/srv", "/app/"), "/srv/assets/a.js");
  EXPECT_FALSE(local_file_for("/../etc/passwd", "/srv", "/").has_value());
  EXPECT_FALSE(local_file_for("/assets/", "/srv", "/").has_value());
}

TEST(StaticSri, AddsIntegrityThatMatchesOpenSsl) {
  TempTree tree;
  std::string dist = copy_fixture(tree);
  std::ostringstream out, err;
  ASSERT_EQ(run_sri({dist + "/index.html", "/"}, out, err), 0) << err.str();
  std::string html = slurp(dist + "/index.html");
  for (const char* asset :
       {"assets/index-BwYb0KlL.js", "assets/vendor-C9xk2LpQ.js", "assets/index-DiwrgTda.css"}) {
    std::string want = "integrity=\"" + openssl_sri(slurp(dist + "/" + asset)) + "\"";
    EXPECT_NE(html.find(want), std::string::npos) << asset << "\n" << html;
  }
  EXPECT_EQ(html.find("crossorigin=\"anonymous\""), std::string::npos);  // Vite's bare one kept
  EXPECT_EQ(html.find("href=\"/favicon.svg\" integrity"), std::string::npos);  // icons excluded
  // Every tag still parses and keeps its other attributes.
  std::vector<AssetRef> refs = initial_assets(scan_asset_tags(html));
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_NE(html.find("<script type=\"module\" crossorigin src=\"/assets/index-BwYb0KlL.js\" "
                      "integrity=\"sha384-"),
            std::string::npos);
}

TEST(StaticSri, IsIdempotentAndReplacesStaleHashes) {
  TempTree tree;
  std::string dist = copy_fixture(tree);
  std::ostringstream out, err;
  ASSERT_EQ(run_sri({dist + "/index.html", "/"}, out, err), 0);
  std::string once = slurp(dist + "/index.html");
  ASSERT_EQ(run_sri({dist + "/index.html", "/"}, out, err), 0);
  EXPECT_EQ(slurp(dist + "/index.html"), once);
  // A rebuilt asset: the old integrity is replaced, not duplicated.
  tree.write("dist/assets/index-DiwrgTda.css", "body{color:red}");
  ASSERT_EQ(run_sri({dist + "/index.html", "/"}, out, err), 0);
  std::string again = slurp(dist + "/index.html");
  EXPECT_NE(again.find(openssl_sri("body{color:red}")), std::string::npos);
  std::size_t count = 0;
  for (std::size_t at = again.find("integrity="); at != std::string::npos;
       at = again.find("integrity=", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u);
}

TEST(StaticSri, AddsCrossoriginWhenMissingAndFailsOnMissingFiles) {
  TempTree tree;
  tree.write("a.js", "1");
  SriResult r = add_integrity("<script src=a.js></script>", tree.root(), "/");
  EXPECT_EQ(r.html, "<script src=a.js crossorigin=\"anonymous\" integrity=\"" + openssl_sri("1") +
                        "\"></script>");
  SriResult missing = add_integrity("<script src=/gone.js></script>", tree.root(), "/");
  EXPECT_EQ(missing.errors.size(), 1u);
  tree.write("index.html", "<script src=/gone.js></script>");
  std::ostringstream out, err;
  EXPECT_EQ(run_sri({tree.path("index.html"), "/"}, out, err), 1);
  EXPECT_EQ(slurp(tree.path("index.html")), "<script src=/gone.js></script>");  // untouched
}

// An attribute written straight after a quoted value (`integrity="x"defer`) must not run into
// the attribute before the dropped integrity (found by fuzz/targets/tools_html.cpp: a second run
// then read src=a.jsdefer and failed).
TEST(StaticSri, AttributeWithoutSpaceStaysSeparate) {
  TempTree tree;
  tree.write("a.js", "1");
  SriResult once =
      add_integrity("<script src=a.js integrity=\"sha384-old\"defer></script>", tree.root(), "/");
  ASSERT_TRUE(once.errors.empty());
  EXPECT_EQ(once.html, "<script src=a.js defer crossorigin=\"anonymous\" integrity=\"" +
                           openssl_sri("1") + "\"></script>");
  SriResult twice = add_integrity(once.html, tree.root(), "/");
  EXPECT_TRUE(twice.errors.empty());
  EXPECT_EQ(twice.html, once.html);
}

// `data-x=>` is an attribute with an empty value; written back as `data-x= crossorigin=...` the
// added crossorigin would become its value (found by fuzz/targets/tools_html.cpp).
TEST(StaticSri, EmptyUnquotedValueDoesNotSwallowTheNextAttribute) {
  TempTree tree;
  tree.write("a.js", "1");
  SriResult once = add_integrity("<script src=a.js data-x=></script>", tree.root(), "/");
  ASSERT_TRUE(once.errors.empty());
  EXPECT_EQ(once.html, "<script src=a.js data-x=\"\" crossorigin=\"anonymous\" integrity=\"" +
                           openssl_sri("1") + "\"></script>");
  EXPECT_EQ(add_integrity(once.html, tree.root(), "/").html, once.html);
}

TEST(StaticBudget, MeasuresInitialAndLazyLoads) {
  TempTree tree;
  std::string dist = copy_fixture(tree);
  BudgetOptions options;
  options.dir = dist;
  BudgetReport r = measure_budget(options);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  std::map<std::string, BudgetFile> files;
  for (const BudgetFile& f : r.files) files[f.path] = f;
  ASSERT_EQ(files.size(), 5u);  // 3 js, 1 css, 1 html; not robots.txt or favicon.svg
  EXPECT_TRUE(files["index.html"].initial);
  EXPECT_TRUE(files["assets/index-BwYb0KlL.js"].initial);
  EXPECT_TRUE(files["assets/vendor-C9xk2LpQ.js"].initial);
  EXPECT_TRUE(files["assets/index-DiwrgTda.css"].initial);
  EXPECT_FALSE(files["assets/About-Dq3m8N1z.js"].initial);
  const BudgetFile& vendor = files["assets/vendor-C9xk2LpQ.js"];
  std::string bytes = slurp(dist + "/assets/vendor-C9xk2LpQ.js");
  EXPECT_EQ(vendor.raw, bytes.size());
  EXPECT_EQ(vendor.gzip, static_files::compress(Encoding::kGzip, bytes, 9)->size());
  EXPECT_EQ(vendor.brotli, static_files::compress(Encoding::kBrotli, bytes, 11)->size());
  EXPECT_EQ(r.initial.files, 4u);
  EXPECT_EQ(r.lazy.files, 1u);
  EXPECT_EQ(r.lazy.raw, files["assets/About-Dq3m8N1z.js"].raw);
  EXPECT_TRUE(r.ok());
}

TEST(StaticBudget, ExitStatusBothWays) {
  TempTree tree;
  std::string dist = copy_fixture(tree);
  BudgetOptions options;
  options.dir = dist;
  std::ostringstream out, err;
  EXPECT_EQ(run_budget(options, out, err), 0) << out.str() << err.str();
  EXPECT_NE(out.str().find("OK"), std::string::npos);
  options.max_initial_gzip = 1024;  // the fixture's initial load is a few KiB gzipped
  std::ostringstream out2;
  EXPECT_EQ(run_budget(options, out2, err), 1);
  EXPECT_NE(out2.str().find("OVER BUDGET"), std::string::npos);
  options.max_initial_gzip = 500 * 1024;
  options.max_chunk = 5000;  // vendor is 6 KB raw
  std::ostringstream out3;
  EXPECT_EQ(run_budget(options, out3, err), 1);
  EXPECT_NE(out3.str().find("vendor-C9xk2LpQ.js"), std::string::npos);
  options.dir = tree.path("nope");
  EXPECT_EQ(run_budget(options, out3, err), 2);
}

TEST(StaticBudget, JsonForCi) {
  TempTree tree;
  BudgetOptions options;
  options.dir = copy_fixture(tree);
  options.json = true;
  std::ostringstream out, err;
  ASSERT_EQ(run_budget(options, out, err), 0);
  std::string json = out.str();
  EXPECT_NE(json.find("\"ok\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"path\": \"assets/About-Dq3m8N1z.js\""), std::string::npos);
  EXPECT_NE(json.find("\"max_initial_gzip\": 512000"), std::string::npos);
}

TEST(StaticPrecompress, WritesSmallerDecodableSiblingsAndSkipsUpToDateOnes) {
  TempTree tree;
  std::string dist = copy_fixture(tree);
  PrecompressOptions options;
  options.dir = dist;
  PrecompressSummary first = precompress(options);
  ASSERT_TRUE(first.errors.empty()) << first.errors[0];
  EXPECT_EQ(first.sources, 4u);  // the js and css files; index.html is under 1024 bytes
  EXPECT_EQ(first.written, 12u);
  for (const char* asset : {"assets/index-BwYb0KlL.js", "assets/index-DiwrgTda.css"}) {
    std::string original = slurp(dist + "/" + asset);
    for (Encoding e : {Encoding::kBrotli, Encoding::kGzip, Encoding::kZstd}) {
      std::string path = dist + "/" + asset + std::string(static_files::encoding_suffix(e));
      std::string packed = slurp(path);
      EXPECT_LT(packed.size(), original.size()) << path;
      EXPECT_EQ(static_files::decompress(e, packed, 1 << 20), original) << path;
      struct stat a {
      }, b{};
      stat((dist + "/" + asset).c_str(), &a);
      stat(path.c_str(), &b);
      EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);  // stamped like the source
    }
    EXPECT_EQ(slurp(dist + "/" + asset + ".br"),
              *static_files::compress(Encoding::kBrotli, original, 11));
  }
  EXPECT_FALSE(std::filesystem::exists(dist + "/robots.txt.br"));  // below the threshold
  EXPECT_FALSE(std::filesystem::exists(dist + "/.env.br"));

  PrecompressSummary second = precompress(options);
  EXPECT_EQ(second.written, 0u);
  EXPECT_EQ(second.up_to_date, 12u);

  tree.write("dist/assets/index-DiwrgTda.css", std::string(5000, 'z'));
  PrecompressSummary third = precompress(options);
  EXPECT_EQ(third.written, 3u);
  EXPECT_EQ(third.up_to_date, 9u);
  EXPECT_EQ(static_files::decompress(Encoding::kGzip, slurp(dist + "/assets/index-DiwrgTda.css.gz"),
                                     1 << 20),
            std::string(5000, 'z'));
}

TEST(StaticPrecompress, RemovesStaleOutputsThatAreNoLongerSmaller) {
  TempTree tree;
  std::string noise;
  std::uint32_t x = 99;
  for (int i = 0; i < 3000; ++i) {
    x = x * 1664525u + 1013904223u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  tree.write("data.json", std::string(3000, 'a'));
  PrecompressOptions options;
  options.dir = tree.root();
  ASSERT_EQ(precompress(options).written, 3u);
  tree.write("data.json", noise);  // now incompressible: the old siblings must go
  PrecompressSummary s = precompress(options);
  EXPECT_EQ(s.not_smaller, 3u);
  EXPECT_FALSE(std::filesystem::exists(tree.path("data.json.br")));
  EXPECT_FALSE(std::filesystem::exists(tree.path("data.json.gz")));
}

}  // namespace
}  // namespace ew::tools
