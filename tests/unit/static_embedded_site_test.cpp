// EmbeddedSite: files handed over in memory (the dashboard's embedded build) are answered by
// the static module's own code, so they get what a [static] root gets: variants, validators,
// conditional requests, ranges, the cache policy and the security headers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "static/static.h"
#include "static_test_util.h"

namespace ew::static_files {
namespace {

using testing::Headers;
using testing::Reply;

const std::string kScript = [] {
  std::string s;
  for (int i = 0; i < 400; ++i) s += "console.log('line " + std::to_string(i) + "');\n";
  return s;
}();
const std::string kPage = "<!doctype html><script src=\"/assets/app-NO3U5TRD.js\"></script>";
const std::string kIcon = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
constexpr std::int64_t kEmbeddedMtime = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT

EmbeddedSite make_site() {
  const std::vector<MemoryFile> files = {{"index.html", kPage, kEmbeddedMtime},
                                         {"assets/app-NO3U5TRD.js", kScript, kEmbeddedMtime},
                                         {"favicon.svg", kIcon, kEmbeddedMtime}};
  StaticOptions options;
  options.hashed_name_pattern = R"(-[A-Z2-7]{8}(\.[A-Za-z0-9]+)+$)";
  options.spa_fallback = false;
  return EmbeddedSite(files, options);
}

Reply get(const EmbeddedSite& site, std::string path, const Headers& headers = {},
          Method method = Method::kGet) {
  Request request;
  request.method = method;
  request.method_name = to_string(method);
  request.request_id = "test-request";
  for (const auto& [name, value] : headers) request.mutable_headers().push_back({name, value});
  return testing::to_reply(site.respond(path, request));
}

TEST(StaticEmbeddedSite, ListsItsFilesAndAnswersWithTheStaticPolicy) {
  const EmbeddedSite site = make_site();
  EXPECT_EQ(site.paths(),
            (std::vector<std::string>{"assets/app-NO3U5TRD.js", "favicon.svg", "index.html"}));

  Reply page = get(site, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, kPage);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.header("cache-control"), "no-cache");
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("last-modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(get(site, "/index.html").body, kPage);

  Reply script = get(site, "/assets/app-NO3U5TRD.js");
  EXPECT_EQ(script.body, kScript);
  EXPECT_EQ(script.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script.header("vary"), "Accept-Encoding");
  EXPECT_EQ(get(site, "/favicon.svg").header("cache-control"), "public, max-age=3600");

  Reply br = get(site, "/assets/app-NO3U5TRD.js", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_LT(br.body.size(), kScript.size() / 2);
  EXPECT_EQ(get(site, "/assets/app-NO3U5TRD.js", {{"Accept-Encoding", "gzip"}})
                .header("content-encoding"),
            "gzip");

  EXPECT_EQ(get(site, "/assets/missing-ABCDEFGH.js").status, 404);
  EXPECT_EQ(get(site, "/nowhere", {{"Accept", "text/html"}}).status, 404) << "no SPA fallback";
  EXPECT_EQ(get(site, "/assets/%zz.js").status, 400);
}

TEST(StaticEmbeddedSite, AnswersRangesAndConditionalRequestsAsStaticDoes) {
  const EmbeddedSite site = make_site();
  const std::string path = "/assets/app-NO3U5TRD.js";
  Reply part = get(site, path, {{"Range", "bytes=10-19"}, {"Accept-Encoding", "br"}});
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, kScript.substr(10, 10));
  EXPECT_EQ(part.header("content-range"), "bytes 10-19/" + std::to_string(kScript.size()));
  EXPECT_EQ(part.header("content-encoding"), "") << "ranges are cut from the identity bytes";
  EXPECT_EQ(get(site, path, {{"Range", "bytes=999999-"}}).status, 416);

  // A list of weak tags matches the brotli variant's strong tag (weak comparison).
  const std::string br_tag = get(site, path, {{"Accept-Encoding", "br"}}).header("etag");
  ASSERT_TRUE(br_tag.ends_with("-br\""));
  Reply same =
      get(site, path, {{"Accept-Encoding", "br"}, {"If-None-Match", "W/\"x\", W/" + br_tag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
  EXPECT_EQ(same.header("etag"), br_tag);
  EXPECT_EQ(get(site, path, {{"If-None-Match", "W/\"x\", W/" + br_tag}}).status, 200)
      << "the identity variant has another tag";

  EXPECT_EQ(get(site, path, {{"If-Match", "\"other\""}}).status, 412);
  EXPECT_EQ(get(site, path, {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:20 GMT"}}).status, 304);
  EXPECT_EQ(get(site, path, {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}}).status, 200);
}

// Over TLS the server's head writer adds HSTS to every answer: a site that added it too would
// send it twice.
TEST(StaticEmbeddedSite, LeavesHstsToTheServer) {
  const EmbeddedSite site = make_site();
  Request request;
  request.method = Method::kGet;
  request.method_name = "GET";
  request.secure = true;
  Reply secure = testing::to_reply(site.respond("/favicon.svg", request));
  EXPECT_EQ(secure.status, 200);
  EXPECT_FALSE(secure.has("strict-transport-security"));
  EXPECT_FALSE(get(site, "/favicon.svg").has("strict-transport-security"));
}

}  // namespace
}  // namespace ew::static_files
