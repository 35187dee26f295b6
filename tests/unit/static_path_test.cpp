// Path normalization: the traversal catalogue. Every entry here is a trick that has worked
// against some real server (see docs/static.md).
#include <gtest/gtest.h>

#include "static/path.h"

namespace ew::static_files {
namespace {

struct Normalized {
  PathVerdict verdict;
  std::string path;
};

Normalized normalize(std::string_view raw) {
  std::string scratch;
  std::string_view out;
  PathVerdict v = normalize_path(raw, scratch, out);
  return {v, std::string(out)};
}

void expect_ok(std::string_view raw, std::string_view want) {
  Normalized n = normalize(raw);
  EXPECT_EQ(n.verdict, PathVerdict::kOk) << raw;
  EXPECT_EQ(n.path, want) << raw;
}

void expect_bad(std::string_view raw) {
  EXPECT_EQ(normalize(raw).verdict, PathVerdict::kBadRequest) << raw;
}

TEST(StaticPath, OrdinaryPathsPassThroughUnchanged) {
  expect_ok("/", "/");
  expect_ok("/index.html", "/index.html");
  expect_ok("/assets/index-4f3a9c1e.js", "/assets/index-4f3a9c1e.js");
  expect_ok("/dir/", "/dir/");
  expect_ok("/a.b/c~d_e-f", "/a.b/c~d_e-f");
}

TEST(StaticPath, AlreadyNormalPathsViewTheInputWithoutCopying) {
  std::string scratch;
  std::string_view out;
  std::string_view raw = "/assets/app.js";
  ASSERT_EQ(normalize_path(raw, scratch, out), PathVerdict::kOk);
  EXPECT_EQ(out.data(), raw.data());
}

TEST(StaticPath, DecodesOnceAndMergesSlashesAndDotSegments) {
  expect_ok("/caf%C3%A9.txt", "/caf\xC3\xA9.txt");
  expect_ok("/a%20b", "/a b");
  expect_ok("//a///b", "/a/b");
  expect_ok("/./a/./b/.", "/a/b/");
  expect_ok("/a/%2e/b", "/a/b");
  expect_ok("/%41%42c", "/ABc");
}

TEST(StaticPath, DoubleEncodingStaysLiteral) {
  expect_ok("/%252e%252e/etc/passwd", "/%2e%2e/etc/passwd");
  expect_ok("/%252f", "/%2f");
  expect_ok("/%255c", "/%5c");
}

TEST(StaticPath, DotDotIsRejectedInEverySpelling) {
  expect_bad("/..");
  expect_bad("/../etc/passwd");
  expect_bad("/assets/../../etc/passwd");
  expect_bad("/a/..");
  expect_bad("/%2e%2e/etc/passwd");
  expect_bad("/%2E%2E/etc/passwd");
  expect_bad("/.%2e/etc/passwd");  // CVE-2021-41773
  expect_bad("/%2e./etc/passwd");
  expect_bad("/cgi-bin/.%2e/%2e%2e/%2e%2e/etc/passwd");
  expect_bad("/a/../index.html");  // even when it would stay inside root
}

TEST(StaticPath, EncodedSlashAndBackslashAreRejected) {
  expect_bad("/..%2fetc/passwd");
  expect_bad("/a%2Fb");
  expect_bad("/admin%5Csecret.txt");  // hono CVE-2026-54286
  expect_bad("/..%5c..%5cetc/passwd");
  expect_bad("/a\\b");
  expect_bad("/..\\..\\etc\\passwd");
}

TEST(StaticPath, NulAndControlBytesAreRejected) {
  expect_bad("/index.html%00.png");
  expect_bad("/.%00/WEB-INF/web.xml");  // Jetty CVE-2021-34429
  expect_bad(std::string_view("/a\0b", 4));
  expect_bad("/a%0d%0aSet-Cookie:x");
  expect_bad("/a%7f");
  expect_bad("/a%09b");
}

TEST(StaticPath, BadPercentEscapesAreRejected) {
  expect_bad("/%");
  expect_bad("/a%2");
  expect_bad("/%zz");
  expect_bad("/%2g");
  expect_bad("/%u002e/WEB-INF/web.xml");  // IIS-style %u escapes are not HTTP
}

TEST(StaticPath, InvalidUtf8IsRejected) {
  expect_bad("/%C0%AE%C0%AE/etc/passwd");  // overlong '.'
  expect_bad("/%C0%AF");                   // overlong '/'
  expect_bad("/%E0%80%AF");                // 3-byte overlong
  expect_bad("/%ED%A0%80");                // UTF-16 surrogate
  expect_bad("/%F4%90%80%80");             // beyond U+10FFFF
  expect_bad("/%FF");
  expect_bad("/%C3");  // truncated sequence
  expect_bad("/\xC3(");
  expect_ok("/%F0%9F%98%80", "/\xF0\x9F\x98\x80");
}

TEST(StaticPath, MustBeOriginForm) {
  expect_bad("");
  expect_bad("index.html");
  expect_bad("http://evil/");
  expect_bad("*");
}

TEST(StaticPath, HiddenSegments) {
  EXPECT_TRUE(has_hidden_segment("/.env"));
  EXPECT_TRUE(has_hidden_segment("/.git/config"));
  EXPECT_TRUE(has_hidden_segment("/a/.htpasswd"));
  EXPECT_TRUE(has_hidden_segment("/a/.ssh/"));
  EXPECT_TRUE(has_hidden_segment("/a/.well-known/x"));  // only the top-level one is public
  EXPECT_FALSE(has_hidden_segment("/.well-known/security.txt"));
  EXPECT_FALSE(has_hidden_segment("/.well-known"));
  EXPECT_FALSE(has_hidden_segment("/a.b/c.d"));
  EXPECT_FALSE(has_hidden_segment("/"));
}

TEST(StaticPath, EncodePathForLocation) {
  EXPECT_EQ(encode_path("/docs"), "/docs");
  EXPECT_EQ(encode_path("/a b/caf\xC3\xA9"), "/a%20b/caf%C3%A9");
  EXPECT_EQ(encode_path("/a?b#c"), "/a%3Fb%23c");
}

}  // namespace
}  // namespace ew::static_files
