// The static handler, called for real on a tree on disk: content types, cache policy, content
// negotiation, precompressed siblings, load-time compression and security headers.
#include <gtest/gtest.h>

#include "static/compress.h"
#include "static/digest.h"
#include "static_test_util.h"

namespace ew::static_files {
namespace {

using testing::call;
using testing::Reply;
using testing::TempTree;

std::string text_of_size(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "export const message = 'hello, edgewatch';\n";
  s.resize(n);
  return s;
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("index.html",
               "<!doctype html><script type=module src=/assets/index-BwYb0KlL.js></script>");
    tree.write("assets/index-BwYb0KlL.js", text_of_size(5000));
    tree.write("assets/tiny-Ab3dEf9h.js", "console.log(1)\n");
    tree.write("favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    tree.write("logo.png", std::string(4000, 'x'));  // compressible bytes, but png: never
    tree.write("data.unknownext", "??");
  }
  StaticSite& site() {
    if (!site_) {
      site_ = std::make_unique<StaticSite>(options);
      ReloadReport report = site_->reload();
      EXPECT_TRUE(report.ok) << report.error;
    }
    return *site_;
  }

  TempTree tree;
  StaticOptions options = testing::options_for(tree.root());

 private:
  std::unique_ptr<StaticSite> site_;
};

TEST_F(StaticSiteTest, ServesFilesWithTypeLengthAndValidators) {
  Reply r = call(site(), "/favicon.svg");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<svg xmlns='http://www.w3.org/2000/svg'/>");
  EXPECT_EQ(r.header("content-type"), "image/svg+xml; charset=utf-8");
  std::string sha = sha256_hex(r.body);
  EXPECT_EQ(r.header("etag"), "\"" + sha.substr(0, 16) + "\"");
  EXPECT_FALSE(r.header("last-modified").empty());
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_EQ(call(site(), "/data.unknownext").header("content-type"), "application/octet-stream");
}

TEST_F(StaticSiteTest, RootAndIndexServeTheSamePage) {
  Reply root = call(site(), "/");
  Reply index = call(site(), "/index.html");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, index.body);
  EXPECT_EQ(root.header("content-type"), "text/html; charset=utf-8");
}

TEST_F(StaticSiteTest, CachePolicyByKind) {
  EXPECT_EQ(call(site(), "/assets/index-BwYb0KlL.js").header("cache-control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(call(site(), "/index.html").header("cache-control"), "no-cache");
  EXPECT_EQ(call(site(), "/").header("cache-control"), "no-cache");
  EXPECT_EQ(call(site(), "/favicon.svg").header("cache-control"), "public, max-age=3600");
}

TEST_F(StaticSiteTest, CachePolicyIsConfigurable) {
  options.default_cache_control = "public, max-age=60";
  options.html_cache_control = "no-cache, private";
  EXPECT_EQ(call(site(), "/favicon.svg").header("cache-control"), "public, max-age=60");
  EXPECT_EQ(call(site(), "/index.html").header("cache-control"), "no-cache, private");
}

TEST_F(StaticSiteTest, TextAboveTheThresholdIsCompressedAtLoad) {
  const std::string original = text_of_size(5000);
  Reply br = call(site(), "/assets/index-BwYb0KlL.js", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_EQ(br.header("vary"), "Accept-Encoding");
  EXPECT_LT(br.body.size(), original.size());
  EXPECT_EQ(decompress(Encoding::kBrotli, br.body, 1 << 20), original);
  EXPECT_FALSE(br.has("accept-ranges"));

  Reply gz = call(site(), "/assets/index-BwYb0KlL.js", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(decompress(Encoding::kGzip, gz.body, 1 << 20), original);

  Reply plain = call(site(), "/assets/index-BwYb0KlL.js");
  EXPECT_FALSE(plain.has("content-encoding"));
  EXPECT_EQ(plain.body, original);
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");

  // One strong ETag per variant.
  EXPECT_NE(br.header("etag"), gz.header("etag"));
  EXPECT_NE(br.header("etag"), plain.header("etag"));
  EXPECT_EQ(br.header("etag"), plain.header("etag").substr(0, 17) + "-br\"");
}

TEST_F(StaticSiteTest, SmallFilesAndBinaryTypesAreNeverCompressed) {
  Reply tiny = call(site(), "/assets/tiny-Ab3dEf9h.js", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_FALSE(tiny.has("content-encoding"));
  EXPECT_FALSE(tiny.has("vary"));  // only one representation exists
  Reply png = call(site(), "/logo.png", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_FALSE(png.has("content-encoding"));
  EXPECT_EQ(png.body.size(), 4000u);
  EXPECT_EQ(png.header("content-type"), "image/png");
}

TEST_F(StaticSiteTest, CompressMinSizeIsConfigurable) {
  options.compress_min_size = 10000;
  Reply r = call(site(), "/assets/index-BwYb0KlL.js", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_FALSE(r.has("content-encoding"));
}

TEST_F(StaticSiteTest, CompressedVariantsAreKeptOnlyWhereSmaller) {
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 4000; ++i) {
    x = x * 1664525u + 1013904223u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  tree.write("noise.txt", noise);
  Reply r = call(site(), "/noise.txt", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_FALSE(r.has("content-encoding"));
  EXPECT_EQ(r.body, noise);
}

TEST_F(StaticSiteTest, PrecompressedSiblingsArePreferredBrThenZstdThenGzip) {
  std::string css = text_of_size(3000);
  tree.write("assets/index-DiwrgTda.css", css);
  tree.write("assets/index-DiwrgTda.css.br", *compress(Encoding::kBrotli, css, 11));
  tree.write("assets/index-DiwrgTda.css.zst", *compress(Encoding::kZstd, css, 19));
  tree.write("assets/index-DiwrgTda.css.gz", *compress(Encoding::kGzip, css, 9));
  const std::string url = "/assets/index-DiwrgTda.css";
  Reply br = call(site(), url, {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_EQ(br.body, *compress(Encoding::kBrotli, css, 11));  // the sibling's bytes, not ours
  Reply zstd = call(site(), url, {{"Accept-Encoding", "gzip, zstd"}});
  EXPECT_EQ(zstd.header("content-encoding"), "zstd");
  EXPECT_EQ(decompress(Encoding::kZstd, zstd.body, 1 << 20), css);
  Reply gz = call(site(), url, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(decompress(Encoding::kGzip, gz.body, 1 << 20), css);
  Reply q = call(site(), url, {{"Accept-Encoding", "br;q=0.1, gzip;q=0.9"}});
  EXPECT_EQ(q.header("content-encoding"), "gzip");
  Reply no_identity = call(site(), url, {{"Accept-Encoding", "zstd;q=0.1, identity;q=0"}});
  EXPECT_EQ(no_identity.header("content-encoding"), "zstd");
  // The sibling is a variant, not a page of its own.
  EXPECT_EQ(call(site(), url + ".br").status, 404);
}

TEST_F(StaticSiteTest, StaleSiblingIsIgnored) {
  std::string js = text_of_size(3000);
  tree.write("app.js", js);
  tree.write("app.js.br", *compress(Encoding::kBrotli, "old build " + js.substr(10), 11));
  Reply r = call(site(), "/app.js", {{"Accept-Encoding", "br"}});
  // Compressed again at load instead: the client must get the current content.
  EXPECT_EQ(r.header("content-encoding"), "br");
  EXPECT_EQ(decompress(Encoding::kBrotli, r.body, 1 << 20), js);
}

TEST_F(StaticSiteTest, SecurityHeadersOnEveryResponse) {
  for (const char* path : {"/", "/favicon.svg", "/assets/missing-Zz9zZz9z.js", "/a%2fb"}) {
    Reply r = call(site(), path);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << path;
    EXPECT_EQ(r.header("x-frame-options"), "SAMEORIGIN") << path;
    EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin") << path;
    EXPECT_EQ(r.header("cross-origin-opener-policy"), "same-origin") << path;
    EXPECT_FALSE(r.header("permissions-policy").empty()) << path;
    std::string csp = r.header("content-security-policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("object-src 'none'"), std::string::npos) << path;
    EXPECT_FALSE(r.has("x-xss-protection")) << path;
    EXPECT_FALSE(r.has("strict-transport-security")) << path;  // plain HTTP
  }
}

TEST_F(StaticSiteTest, DefaultCspKeepsInlineScriptsOut) {
  std::string csp = call(site(), "/").header("content-security-policy");
  std::string script_src = csp.substr(csp.find("script-src"));
  script_src = script_src.substr(0, script_src.find(';'));
  EXPECT_EQ(script_src, "script-src 'self'");
  EXPECT_EQ(csp.find("http:"), std::string::npos);
  EXPECT_EQ(csp.find("https:"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
}

TEST_F(StaticSiteTest, SecurityHeadersAreConfigurableAndOmittedWhenEmpty) {
  options.security.content_security_policy = "default-src 'none'";
  options.security.frame_options = "";
  options.security.permissions_policy = "";
  Reply r = call(site(), "/");
  EXPECT_EQ(r.header("content-security-policy"), "default-src 'none'");
  EXPECT_FALSE(r.has("x-frame-options"));
  EXPECT_FALSE(r.has("permissions-policy"));
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
}

// Over TLS the server adds HSTS to every answer (server/http1_head.h); the site adds it only for
// plain HTTP from a trusted proxy that says the client used https.
TEST_F(StaticSiteTest, HstsFromATrustedProxyOnly) {
  options.trusted_proxies = {"10.0.0.0/8", "::1/128"};
  const std::string hsts = "max-age=63072000; includeSubDomains";
  EXPECT_FALSE(
      call(site(), "/", {}, Method::kGet, /*secure=*/true).has("strict-transport-security"));
  Reply proxied =
      call(site(), "/", {{"X-Forwarded-Proto", "https"}}, Method::kGet, false, "10.1.2.3");
  EXPECT_EQ(proxied.header("strict-transport-security"), hsts);
  Reply v6 = call(site(), "/", {{"X-Forwarded-Proto", "HTTPS"}}, Method::kGet, false, "::1");
  EXPECT_EQ(v6.header("strict-transport-security"), hsts);
  Reply spoofed =
      call(site(), "/", {{"X-Forwarded-Proto", "https"}}, Method::kGet, false, "192.0.2.7");
  EXPECT_FALSE(spoofed.has("strict-transport-security"));
  Reply http = call(site(), "/", {{"X-Forwarded-Proto", "http"}}, Method::kGet, false, "10.1.2.3");
  EXPECT_FALSE(http.has("strict-transport-security"));
}

TEST_F(StaticSiteTest, HeadAnswersLikeGet) {
  Reply head = call(site(), "/favicon.svg", {}, Method::kHead);
  Reply get = call(site(), "/favicon.svg");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers, get.headers);
  EXPECT_EQ(head.body.size(), get.body.size());  // the server announces it and sends none
}

TEST_F(StaticSiteTest, LargeFilesAreStreamedFromDisk) {
  options.max_cached_file_size = 4096;
  std::string big = text_of_size(100000);
  tree.write("assets/big-Qx7pL2mN.js", big);
  Reply r = call(site(), "/assets/big-Qx7pL2mN.js", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.streamed);
  EXPECT_EQ(r.body, big);
  EXPECT_FALSE(r.has("content-encoding"));  // too large to compress at load
  EXPECT_EQ(r.header("etag"), "\"" + sha256_hex(big).substr(0, 16) + "\"");
  EXPECT_FALSE(call(site(), "/favicon.svg").streamed);
}

TEST_F(StaticSiteTest, EmptyFile) {
  tree.write("empty.txt", "");
  Reply r = call(site(), "/empty.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(call(site(), "/empty.txt", {{"Range", "bytes=0-"}}).status, 416);
}

}  // namespace
}  // namespace ew::static_files
