// Conditional and range requests through the real handler.
#include <gtest/gtest.h>

#include "static/http_date.h"
#include "static_test_util.h"

namespace ew::static_files {
namespace {

using testing::call;
using testing::Headers;
using testing::Reply;
using testing::TempTree;

constexpr long kSiteMtime = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

std::string digits(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + i % 10));
  return s;
}

class StaticConditionalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree.write("doc.txt", digits(2000));
    tree.touch("doc.txt", kSiteMtime);
    tree.write("index.html", "<!doctype html>");
    options.max_cached_file_size = 1 << 20;
  }
  StaticSite& site() {
    if (!site_) {
      site_ = std::make_unique<StaticSite>(options);
      EXPECT_TRUE(site_->reload().ok);
    }
    return *site_;
  }
  std::string etag(const Headers& extra = {}) {
    return call(site(), "/doc.txt", extra).header("etag");
  }

  TempTree tree;
  StaticOptions options = testing::options_for(tree.root());

 private:
  std::unique_ptr<StaticSite> site_;
};

TEST_F(StaticConditionalTest, IfNoneMatchGives304WithValidatorsAndNoBody) {
  std::string tag = etag();
  Reply r = call(site(), "/doc.txt", {{"If-None-Match", tag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("etag"), tag);
  EXPECT_EQ(r.header("cache-control"), "public, max-age=3600");
  EXPECT_EQ(r.header("last-modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(r.has("content-type"));
  EXPECT_FALSE(r.has("content-encoding"));
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", "\"a\", W/" + tag}}).status, 304);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", "*"}}).status, 304);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", "\"stale\""}}).status, 200);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", tag}}, Method::kHead).status, 304);
}

TEST_F(StaticConditionalTest, EachEncodingHasItsOwnTag) {
  std::string gz = etag({{"Accept-Encoding", "gzip"}});
  std::string plain = etag();
  ASSERT_NE(gz, plain);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", gz}, {"Accept-Encoding", "gzip"}}).status,
            304);
  // The gzip tag does not validate the identity representation.
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-None-Match", gz}}).status, 200);
  Reply r = call(site(), "/doc.txt", {{"If-None-Match", gz}, {"Accept-Encoding", "gzip"}});
  EXPECT_EQ(r.header("etag"), gz);
  EXPECT_EQ(r.header("vary"), "Accept-Encoding");
}

TEST_F(StaticConditionalTest, IfModifiedSince) {
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}}).status,
      304);
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"}}).status,
      304);
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Modified-Since", "Tuesday, 14-Nov-23 22:13:20 GMT"}}).status,
      304);
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}}).status,
      200);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-Modified-Since", "not a date"}}).status, 200);
}

TEST_F(StaticConditionalTest, IfNoneMatchTakesPrecedenceOverIfModifiedSince) {
  Reply r = call(
      site(), "/doc.txt",
      {{"If-None-Match", "\"stale\""}, {"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}});
  EXPECT_EQ(r.status, 200);
}

TEST_F(StaticConditionalTest, IfMatchAndIfUnmodifiedSinceGive412) {
  std::string tag = etag();
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-Match", tag}}).status, 200);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-Match", "\"other\""}}).status, 412);
  EXPECT_EQ(call(site(), "/doc.txt", {{"If-Match", "W/" + tag}}).status, 412);
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Unmodified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"}}).status,
      412);
  EXPECT_EQ(
      call(site(), "/doc.txt", {{"If-Unmodified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}}).status,
      200);
}

TEST_F(StaticConditionalTest, SingleRange) {
  Reply r = call(site(), "/doc.txt", {{"Range", "bytes=10-19"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, digits(20).substr(10));
  EXPECT_EQ(r.header("content-range"), "bytes 10-19/2000");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("etag"), etag());
  Reply suffix = call(site(), "/doc.txt", {{"Range", "bytes=-5"}});
  EXPECT_EQ(suffix.body, digits(2000).substr(1995));
  EXPECT_EQ(suffix.header("content-range"), "bytes 1995-1999/2000");
}

TEST_F(StaticConditionalTest, RangesAreServedFromTheIdentityVariant) {
  Reply r = call(site(), "/doc.txt", {{"Range", "bytes=0-3"}, {"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_FALSE(r.has("content-encoding"));
  EXPECT_EQ(r.body, "0123");
  // A client refusing identity gets the whole encoded representation instead.
  Reply refused =
      call(site(), "/doc.txt", {{"Range", "bytes=0-3"}, {"Accept-Encoding", "gzip, identity;q=0"}});
  EXPECT_EQ(refused.status, 200);
  EXPECT_EQ(refused.header("content-encoding"), "gzip");
}

TEST_F(StaticConditionalTest, MultipleRangesUseMultipartByteranges) {
  Reply r = call(site(), "/doc.txt", {{"Range", "bytes=0-1, 10-12"}});
  ASSERT_EQ(r.status, 206);
  std::string type = r.header("content-type");
  ASSERT_TRUE(type.starts_with("multipart/byteranges; boundary="));
  std::string boundary = type.substr(type.find('=') + 1);
  std::string want =
      "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
      "Content-Range: bytes 0-1/2000\r\n\r\n01" + "\r\n--" + boundary +
      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-12/2000\r\n\r\n012" +
      "\r\n--" + boundary + "--\r\n";
  EXPECT_EQ(r.body, want);
  EXPECT_FALSE(r.has("content-range"));
  EXPECT_EQ(r.header("etag"), etag());
}

TEST_F(StaticConditionalTest, UnsatisfiableRangeGives416) {
  Reply r = call(site(), "/doc.txt", {{"Range", "bytes=5000-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("content-range"), "bytes */2000");
}

TEST_F(StaticConditionalTest, InvalidRangeIsIgnored) {
  Reply r = call(site(), "/doc.txt", {{"Range", "bytes=9-1"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 2000u);
  EXPECT_EQ(call(site(), "/doc.txt", {{"Range", "lines=1-2"}}).status, 200);
}

TEST_F(StaticConditionalTest, RangeIsIgnoredForHead) {
  EXPECT_EQ(call(site(), "/doc.txt", {{"Range", "bytes=0-1"}}, Method::kHead).status, 200);
}

TEST_F(StaticConditionalTest, IfRangeWithEntityTagOrDate) {
  std::string tag = etag();
  EXPECT_EQ(call(site(), "/doc.txt", {{"Range", "bytes=0-1"}, {"If-Range", tag}}).status, 206);
  Reply changed = call(site(), "/doc.txt", {{"Range", "bytes=0-1"}, {"If-Range", "\"older\""}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body.size(), 2000u);
  EXPECT_EQ(call(site(), "/doc.txt", {{"Range", "bytes=0-1"}, {"If-Range", "W/" + tag}}).status,
            200);
  EXPECT_EQ(call(site(), "/doc.txt",
                 {{"Range", "bytes=0-1"}, {"If-Range", "Tue, 14 Nov 2023 22:13:20 GMT"}})
                .status,
            206);
  EXPECT_EQ(call(site(), "/doc.txt",
                 {{"Range", "bytes=0-1"}, {"If-Range", "Tue, 14 Nov 2023 22:13:21 GMT"}})
                .status,
            200);
}

TEST_F(StaticConditionalTest, RangesOnStreamedFiles) {
  options.max_cached_file_size = 100;
  Reply one = call(site(), "/doc.txt", {{"Range", "bytes=100-109"}});
  EXPECT_EQ(one.status, 206);
  EXPECT_TRUE(one.streamed);
  EXPECT_EQ(one.body, digits(110).substr(100));
  Reply two = call(site(), "/doc.txt", {{"Range", "bytes=0-1,1998-"}});
  EXPECT_EQ(two.status, 206);
  EXPECT_NE(two.body.find("Content-Range: bytes 1998-1999/2000\r\n\r\n89"), std::string::npos);
}

}  // namespace
}  // namespace ew::static_files
