// The dashboard at /_edgewatch/: login with the admin token, the session cookie and what it
// opens (the query API, health history, deployments, traffic), logout, refusals, and the
// embedded files with their types, cache policy, compression and security headers.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "harness.h"

namespace ew::test {
namespace {

const std::string kDashboardToken = "dashboard-test-token-0123456789";

class Dashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{},
        std::map<std::string, std::string>{{"EDGEWATCH_ADMIN_TOKEN", kDashboardToken},
                                           {"EDGEWATCH_STORAGE_PATH", dir_ + "/edgewatch.db"},
                                           {"EDGEWATCH_DASHBOARD_SAMPLE_INTERVAL", "500ms"}});
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  int port() const { return server_->port(); }

  HttpResponse login(const std::string& token) {
    return http(port(), "POST", "/_edgewatch/login", {"Content-Type: application/json"},
                "{\"token\":\"" + token + "\"}");
  }
  // "edgewatch_session=<id>" from a login answer, or empty.
  static std::string cookie_of(const HttpResponse& r) {
    const std::string set = r.header("set-cookie");
    return set.substr(0, set.find(';'));
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Dashboard, LoginSetsAStrictHttpOnlySessionCookieThatOpensTheApi) {
  EXPECT_EQ(http(port(), "GET", "/_edgewatch/api/issues").status, 401);
  HttpResponse anonymous = http(port(), "GET", "/_edgewatch/session");
  EXPECT_EQ(anonymous.status, 200);
  EXPECT_NE(anonymous.body.find("\"authenticated\":false"), std::string::npos) << anonymous.body;

  HttpResponse r = login(kDashboardToken);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.count("set-cookie"), 1u);
  const std::string set = r.header("set-cookie");
  EXPECT_TRUE(std::regex_match(set, std::regex("edgewatch_session=[0-9a-f]{64}; Path=/_edgewatch; "
                                               "Max-Age=43200; HttpOnly; SameSite=Strict")))
      << set;
  EXPECT_EQ(set.find("Secure"), std::string::npos) << "not over plain HTTP";
  EXPECT_EQ(r.header("cache-control"), "no-store");

  const std::string cookie = "Cookie: theme=dark; " + cookie_of(r);
  for (const char* path :
       {"/_edgewatch/api/issues", "/_edgewatch/api/vitals", "/_edgewatch/api/events",
        "/_edgewatch/api/metrics", "/_edgewatch/api/health/history", "/_edgewatch/api/deployments",
        "/_edgewatch/api/traffic"}) {
    HttpResponse api = http(port(), "GET", path, {cookie});
    EXPECT_EQ(api.status, 200) << path << ": " << api.body;
  }
  HttpResponse traffic = http(port(), "GET", "/_edgewatch/api/traffic", {cookie});
  EXPECT_NE(traffic.body.find("\"p95_ms\":["), std::string::npos) << traffic.body;
  EXPECT_NE(
      http(port(), "GET", "/_edgewatch/session", {cookie}).body.find("\"authenticated\":true"),
      std::string::npos);
  // The bearer token keeps working on its own.
  EXPECT_EQ(
      http(port(), "GET", "/_edgewatch/api/issues", {"Authorization: Bearer " + kDashboardToken})
          .status,
      200);
}

TEST_F(Dashboard, WrongTokensAndForgedCookiesAreRefused) {
  HttpResponse wrong = login("not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.count("set-cookie"), 0u);
  EXPECT_EQ(login("").status, 401);
  EXPECT_EQ(
      http(port(), "POST", "/_edgewatch/login", {"Content-Type: application/json"}, "{").status,
      401);
  const std::string forged = "Cookie: edgewatch_session=" + std::string(64, 'a');
  EXPECT_EQ(http(port(), "GET", "/_edgewatch/api/issues", {forged}).status, 401);
  // A wrong bearer token is not rescued by a valid cookie, nor the reverse needed.
  const std::string cookie = "Cookie: " + cookie_of(login(kDashboardToken));
  EXPECT_EQ(
      http(port(), "GET", "/_edgewatch/api/issues", {cookie, "Authorization: Bearer nope"}).status,
      401);
  // The form encoding a plain HTML form would send works too.
  HttpResponse form =
      http(port(), "POST", "/_edgewatch/login", {"Content-Type: application/x-www-form-urlencoded"},
           "token=" + kDashboardToken);
  EXPECT_EQ(form.status, 200);
  EXPECT_EQ(form.count("set-cookie"), 1u);
}

TEST_F(Dashboard, LogoutEndsTheSession) {
  const std::string cookie = "Cookie: " + cookie_of(login(kDashboardToken));
  ASSERT_EQ(http(port(), "GET", "/_edgewatch/api/issues", {cookie}).status, 200);
  HttpResponse out = http(port(), "POST", "/_edgewatch/logout", {cookie});
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.header("set-cookie").find("edgewatch_session=; Path=/_edgewatch; Max-Age=0"),
            std::string::npos)
      << out.header("set-cookie");
  EXPECT_EQ(http(port(), "GET", "/_edgewatch/api/issues", {cookie}).status, 401);
}

TEST_F(Dashboard, CookieWritesFromAnotherOriginAreRefused) {
  // The harness sends "Host: localhost".
  const std::string cookie = "Cookie: " + cookie_of(login(kDashboardToken));
  const std::string json = "Content-Type: application/json";
  const std::string body = R"({"status":"resolved"})";
  HttpResponse foreign = http(port(), "PATCH", "/_edgewatch/api/issues/1",
                              {cookie, "Origin: https://evil.example", json}, body);
  EXPECT_EQ(foreign.status, 401);
  HttpResponse same = http(port(), "PATCH", "/_edgewatch/api/issues/1",
                           {cookie, "Origin: http://localhost", json}, body);
  EXPECT_EQ(same.status, 404) << "authorized; there is no issue 1: " << same.body;
  // Without an Origin header (not a browser's cross-origin request) the cookie suffices.
  EXPECT_EQ(http(port(), "PATCH", "/_edgewatch/api/issues/1", {cookie, json}, body).status, 404);
  // The bearer token is not subject to the Origin check.
  EXPECT_EQ(
      http(port(), "PATCH", "/_edgewatch/api/issues/1",
           {"Authorization: Bearer " + kDashboardToken, "Origin: https://evil.example", json}, body)
          .status,
      404);
}

TEST_F(Dashboard, RepeatedFailedLoginsAreThrottled) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(login("wrong").status, 401) << i;
  HttpResponse r = login(kDashboardToken);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "60");
}

TEST_F(Dashboard, ServesTheEmbeddedFilesWithTypesCacheAndSecurityHeaders) {
  HttpResponse index = http(port(), "GET", "/_edgewatch/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  EXPECT_NE(index.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(index.header("x-frame-options"), "SAMEORIGIN");
  EXPECT_EQ(index.header("strict-transport-security"), "") << "only over TLS";
  EXPECT_EQ(index.body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(index.body.find("style="), std::string::npos) << "no inline style";
  EXPECT_EQ(http(port(), "GET", "/_edgewatch").body, index.body);
  EXPECT_EQ(http(port(), "HEAD", "/_edgewatch/").status, 200);

  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(index.body, m, std::regex(R"re(src="(/_edgewatch/assets/[^"]+\.js)")re")));
  const std::string js = m[1];
  ASSERT_TRUE(std::regex_search(index.body, m,
                                std::regex(R"re(href="(/_edgewatch/assets/[^"]+\.css)")re")));
  const std::string css = m[1];

  HttpResponse script = http(port(), "GET", js);
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script.header("content-encoding"), "");
  EXPECT_EQ(script.header("x-content-type-options"), "nosniff");
  EXPECT_GT(script.body.size(), 10'000u);

  HttpResponse gz = http(port(), "GET", js, {"Accept-Encoding: gzip"});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), script.body.size() / 2);
  // The budget: all dashboard JavaScript under 100 KB gzipped.
  EXPECT_LT(gz.body.size(), 100u * 1024u);
  EXPECT_EQ(
      http(port(), "GET", js, {"Accept-Encoding: gzip, deflate, br"}).header("content-encoding"),
      "br");

  const std::string etag = script.header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(http(port(), "GET", js, {"If-None-Match: " + etag}).status, 304);

  HttpResponse style = http(port(), "GET", css);
  EXPECT_EQ(style.status, 200);
  EXPECT_EQ(style.header("content-type"), "text/css; charset=utf-8");
  HttpResponse icon = http(port(), "GET", "/_edgewatch/favicon.svg");
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.header("content-type"), "image/svg+xml; charset=utf-8");

  HttpResponse missing = http(port(), "GET", "/_edgewatch/assets/missing-ABCDEFGH.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("cache-control"), "no-store");
  // The dashboard claims no more than its own paths: the API still answers as the API.
  EXPECT_EQ(http(port(), "GET", "/_edgewatch/api/issues").status, 401);
}

// The files are answered by the static module's code, so they get what a [static] root gets.
TEST_F(Dashboard, AnswersRangesAndConditionalRequestsAsTheStaticModuleDoes) {
  HttpResponse index = http(port(), "GET", "/_edgewatch/");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(index.body, m, std::regex(R"re(src="(/_edgewatch/assets/[^"]+\.js)")re")));
  const std::string js = m[1];
  const std::string whole = http(port(), "GET", js).body;

  HttpResponse part = http(port(), "GET", js, {"Range: bytes=100-199", "Accept-Encoding: br"});
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, whole.substr(100, 100));
  EXPECT_EQ(part.header("content-range"), "bytes 100-199/" + std::to_string(whole.size()));
  EXPECT_EQ(part.header("content-encoding"), "");

  // A cached brotli copy revalidated with a list of weak tags.
  HttpResponse br = http(port(), "GET", js, {"Accept-Encoding: br"});
  const std::string tag = br.header("etag");
  ASSERT_TRUE(tag.ends_with("-br\"")) << tag;
  HttpResponse same =
      http(port(), "GET", js, {"Accept-Encoding: br", "If-None-Match: W/\"old\", W/" + tag});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(http(port(), "GET", js, {"If-Match: \"other\""}).status, 412);
  EXPECT_FALSE(index.header("last-modified").empty());
  EXPECT_EQ(
      http(port(), "GET", "/_edgewatch/", {"If-Modified-Since: " + index.header("last-modified")})
          .status,
      304);
}

TEST(DashboardWithoutToken, LoginIsDisabled) {
  const std::string dir = make_temp_dir();
  {
    ServerProcess server({}, {{"EDGEWATCH_STORAGE_PATH", dir + "/edgewatch.db"}});
    HttpResponse r = http(server.port(), "POST", "/_edgewatch/login",
                          {"Content-Type: application/json"}, R"({"token":""})");
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("login_disabled"), std::string::npos) << r.body;
    EXPECT_NE(
        http(server.port(), "GET", "/_edgewatch/session").body.find("\"login_enabled\":false"),
        std::string::npos);
    EXPECT_EQ(http(server.port(), "GET", "/_edgewatch/").status, 200);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ew::test
