// SPA fallback, directories, dotfiles, symlinks and malformed paths through the real handler.
#include <gtest/gtest.h>

#include <filesystem>

#include "static_test_util.h"

namespace ew::static_files {
namespace {

using testing::call;
using testing::Reply;
using testing::TempTree;

constexpr const char* kHtml = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const std::string kIndex = "<!doctype html><div id=root></div>";

class StaticFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("index.html", kIndex);
    tree.write("assets/index-BwYb0KlL.js", "console.log('app')");
    tree.write("docs/index.html", "docs page");
    tree.write("docs/guide.txt", "guide");
    tree.write(".env", "SECRET=1");
    tree.write(".git/config", "[core]");
    tree.write("assets/.hidden.js", "hidden");
    tree.write(".well-known/security.txt", "Contact: mailto:security@example.com");
    tree.write("%2e", "a file literally named %2e");
  }
  StaticSite& site() {
    if (!site_) {
      site_ = std::make_unique<StaticSite>(options);
      ReloadReport report = site_->reload();
      EXPECT_TRUE(report.ok) << report.error;
    }
    return *site_;
  }
  ReloadReport load_site() {
    site_ = std::make_unique<StaticSite>(options);
    return site_->reload();
  }
  // Options are read when the site is built: call after changing them.
  void rebuild() { site_.reset(); }
  Reply browse(const std::string& path) { return call(site(), path, {{"Accept", kHtml}}); }

  TempTree tree;
  StaticOptions options = testing::options_for(tree.root());

 private:
  std::unique_ptr<StaticSite> site_;
};

TEST_F(StaticFallbackTest, ClientRoutesGetIndexHtml) {
  for (const char* route : {"/settings", "/settings/profile", "/users/42/", "/a/b/c/d"}) {
    Reply r = browse(route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, kIndex) << route;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8") << route;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << route;
    EXPECT_NE(r.header("vary").find("Accept"), std::string::npos) << route;
  }
  EXPECT_EQ(call(site(), "/settings", {{"Accept", "*/*"}}).status, 200);
  EXPECT_EQ(call(site(), "/settings").status, 200);  // no Accept at all: anything goes
  EXPECT_EQ(call(site(), "/settings", {}, Method::kHead).status, 200);
}

TEST_F(StaticFallbackTest, FallbackSupportsRevalidation) {
  std::string tag = browse("/settings").header("etag");
  EXPECT_EQ(call(site(), "/settings", {{"Accept", kHtml}, {"If-None-Match", tag}}).status, 304);
}

TEST_F(StaticFallbackTest, MissingFilesWithAnExtensionAre404NeverHtml) {
  for (const char* missing : {"/assets/index-OLDHASH1.js", "/assets/chunk-Zz9zZz9z.css",
                              "/favicon.ico", "/robots.txt", "/user/john.doe"}) {
    Reply r = browse(missing);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_EQ(r.body.find("<!doctype"), std::string::npos) << missing;
    EXPECT_EQ(r.header("content-type"), "application/json") << missing;
  }
}

TEST_F(StaticFallbackTest, ClientsThatDoNotAcceptHtmlGet404) {
  EXPECT_EQ(call(site(), "/settings", {{"Accept", "application/json"}}).status, 404);
  EXPECT_EQ(call(site(), "/settings", {{"Accept", "text/html;q=0, */*"}}).status, 404);
  EXPECT_EQ(call(site(), "/settings", {{"Accept", "image/*"}}).status, 404);
  EXPECT_EQ(call(site(), "/settings", {{"Accept", "text/*"}}).status, 200);
}

TEST_F(StaticFallbackTest, ExcludedPrefixesNeverFallBack) {
  for (const char* api : {"/api/users", "/api", "/api/", "/_edgewatch/status", "/%61pi/users",
                          "/.well-known/missing"}) {
    EXPECT_EQ(browse(api).status, 404) << api;
  }
  options.fallback_exclude = {"/internal/"};
  rebuild();
  EXPECT_EQ(browse("/api/users").status, 200);  // now a client route
  EXPECT_EQ(browse("/internal/x").status, 404);
}

TEST_F(StaticFallbackTest, FallbackCanBeTurnedOff) {
  options.spa_fallback = false;
  rebuild();
  EXPECT_EQ(browse("/settings").status, 404);
  EXPECT_EQ(browse("/").status, 200);
}

TEST_F(StaticFallbackTest, DirectoriesServeTheirIndexAndRedirectWithoutSlash) {
  Reply dir = browse("/docs/");
  EXPECT_EQ(dir.status, 200);
  EXPECT_EQ(dir.body, "docs page");
  Reply redirect = browse("/docs?tab=2");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.header("location"), "/docs/?tab=2");
  EXPECT_EQ(browse("/docs/guide.txt").body, "guide");
  // Merged slashes must not turn into a protocol-relative redirect to another host.
  Reply evil = browse("//docs");
  EXPECT_EQ(evil.status, 301);
  EXPECT_EQ(evil.header("location"), "/docs/");
}

TEST_F(StaticFallbackTest, DotfilesAre404UnlessAllowed) {
  for (const char* hidden : {"/.env", "/.git/config", "/.git/", "/.git", "/assets/.hidden.js",
                             "/%2eenv", "/%2Egit/config"}) {
    Reply r = browse(hidden);
    EXPECT_EQ(r.status, 404) << hidden;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << hidden;
  }
  EXPECT_EQ(browse("/.well-known/security.txt").status, 200);
  options.allow_dotfiles = true;
  rebuild();
  EXPECT_EQ(browse("/.env").body, "SECRET=1");
}

TEST_F(StaticFallbackTest, TraversalCatalogueNeverLeavesTheRoot) {
  tree.write("../outside-secret.txt", "outside");  // next to the root, not in it
  struct Case {
    const char* path;
    int status;
  };
  for (Case c : {Case{"/../outside-secret.txt", 400}, Case{"/%2e%2e/outside-secret.txt", 400},
                 Case{"/.%2e/outside-secret.txt", 400}, Case{"/%2e%2e%2foutside-secret.txt", 400},
                 Case{"/..%2foutside-secret.txt", 400}, Case{"/..%5coutside-secret.txt", 400},
                 Case{"/..\\outside-secret.txt", 400}, Case{"/index.html%00.js", 400},
                 Case{"/%C0%AE%C0%AE/outside-secret.txt", 400}, Case{"/%zz", 400},
                 Case{"/%252e%252e/outside-secret.txt", 404}, Case{"/assets/../../x", 400},
                 Case{"/%u002e%u002e/x", 400}}) {
    Reply r = browse(c.path);
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << c.path;
  }
  std::filesystem::remove(tree.path("../outside-secret.txt"));
}

TEST_F(StaticFallbackTest, DoubleEncodingIsDecodedOnce) {
  Reply literal = browse("/%252e");
  EXPECT_EQ(literal.status, 200);
  EXPECT_EQ(literal.body, "a file literally named %2e");
}

TEST_F(StaticFallbackTest, SymlinksOutOfRootAreNeverServed) {
  TempTree outside;
  outside.write("secret.txt", "top secret");
  outside.write("dir/inner.txt", "inner secret");
  std::filesystem::create_symlink(outside.path("secret.txt"), tree.path("leak.txt"));
  std::filesystem::create_directory_symlink(outside.path("dir"), tree.path("leakdir"));
  std::filesystem::create_symlink("/etc/passwd", tree.path("passwd.txt"));
  std::filesystem::create_symlink("docs/guide.txt", tree.path("alias.txt"));  // inside: fine
  std::filesystem::create_directory_symlink("docs", tree.path("docs-alias"));
  std::filesystem::create_directory_symlink("..", tree.path("docs/loop"));  // back to the root
  ReloadReport report = load_site();
  ASSERT_TRUE(report.ok);
  EXPECT_EQ(browse("/leak.txt").status, 404);
  EXPECT_EQ(browse("/leakdir/inner.txt").status, 404);
  EXPECT_EQ(browse("/passwd.txt").status, 404);
  EXPECT_EQ(browse("/alias.txt").body, "guide");
  EXPECT_EQ(browse("/docs-alias/guide.txt").body, "guide");
  EXPECT_EQ(browse("/docs/guide.txt").body, "guide");
  EXPECT_EQ(browse("/docs/loop/index.html").status, 404);  // a loop is not entered
  bool warned = false;
  for (const auto& w : report.warnings) warned |= w.find("outside the root") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST_F(StaticFallbackTest, OnlyKnownRoutesReachThe404Body) {
  Reply r = browse("/assets/nope-Zz9zZz9z.js");
  EXPECT_NE(r.body.find("\"code\":\"not_found\""), std::string::npos);
  EXPECT_NE(r.body.find("test-request"), std::string::npos);
  Reply bad = browse("/a%2fb");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("bad_path"), std::string::npos);
}

}  // namespace
}  // namespace ew::static_files
