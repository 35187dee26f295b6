// GET /config.json on a running edgewatch: it matches [frontend], revalidates with its ETag,
// reloads on SIGHUP, and a bad [frontend] value stops startup with a clear message.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ops_util.h"

namespace ew::test {
namespace {

using nlohmann::json;

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kFrontend = R"([frontend]
api_url = "https://api.example.com"
websocket_url = "wss://api.example.com/ws"
cdn_url = "https://cdn.example.com"
enable_analytics = true
enable_error_tracking = true
log_level = "warn"
feature_flags = ["enableConversationThreading=true", "enableBetaFeatures=false"]
enable_perf_monitoring = true
sample_rate = 0.25
enable_web_vitals = true
enable_csp = true
enable_sri = false
trusted_domains = ["cdn.example.com", "*.example.com"]
max_age = "30s"
)";

TEST(FrontendConfig, MatchesTheConfigurationWithAnETag) {
  OpsServer server(kFrontend);
  HttpResponse r = server.get("/config.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("cache-control"), "public, max-age=30");
  json expected = {
      {"apiUrl", "https://api.example.com"},
      {"websocketUrl", "wss://api.example.com/ws"},
      {"cdnUrl", "https://cdn.example.com"},
      {"enableAnalytics", true},
      {"enableErrorTracking", true},
      {"logLevel", "warn"},
      {"featureFlags", {{"enableConversationThreading", true}, {"enableBetaFeatures", false}}},
      {"performance",
       {{"enablePerfMonitoring", true}, {"sampleRate", 0.25}, {"enableWebVitals", true}}},
      {"security",
       {{"enableCSP", true},
        {"enableSRI", false},
        {"trustedDomains", {"cdn.example.com", "*.example.com"}}}}};
  EXPECT_EQ(json::parse(r.body), expected) << r.body;

  std::string etag = r.header("etag");
  ASSERT_FALSE(etag.empty());
  HttpResponse cached = server.get("/config.json", {"If-None-Match: " + etag});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  EXPECT_EQ(cached.header("etag"), etag);
  EXPECT_EQ(cached.header("cache-control"), "public, max-age=30");
  EXPECT_EQ(server.get("/config.json", {"If-None-Match: \"stale\""}).status, 200);
  HttpResponse head = http(server.port(), "HEAD", "/config.json");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(http(server.port(), "POST", "/config.json", {}, "{}").status, 405);
}

TEST(FrontendConfig, ReloadsOnSighupAndKeepsTheOldOneWhenTheNewIsBad) {
  OpsServer server(kFrontend);
  HttpResponse before = server.get("/config.json");
  ASSERT_EQ(before.status, 200);

  std::string changed = kFrontend;
  changed.replace(changed.find("log_level = \"warn\""), 18, "log_level = \"debug\"");
  server.rewrite(changed);
  server.process().signal(SIGHUP);
  ASSERT_TRUE(server.process().wait_for_err("frontend: /config.json reloaded with changes"))
      << server.process().err();
  HttpResponse after = server.get("/config.json");
  EXPECT_EQ(json::parse(after.body)["logLevel"], "debug");
  EXPECT_NE(after.header("etag"), before.header("etag"));
  EXPECT_EQ(server.get("/config.json", {"If-None-Match: " + before.header("etag")}).status, 200);

  std::string bad = changed;
  bad.replace(bad.find("api_url = \"https://api.example.com\""), 35, "api_url = \"nope\"");
  server.rewrite(bad);
  server.process().signal(SIGHUP);
  ASSERT_TRUE(server.process().wait_for_err("/config.json is unchanged")) << server.process().err();
  EXPECT_NE(server.process().err().find("frontend: reload: frontend.api_url: expected"),
            std::string::npos);
  EXPECT_EQ(json::parse(server.get("/config.json").body)["logLevel"], "debug");
  EXPECT_EQ(server.get("/health").status, 200);
}

TEST(FrontendConfig, PathIsConfigurable) {
  OpsServer server("[frontend]\npath = \"/runtime/env.json\"\n");
  HttpResponse r = server.get("/runtime/env.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["apiUrl"], "/api");  // same origin by default
  EXPECT_EQ(server.get("/config.json").status, 404);
}

TEST(FrontendConfig, AConfigJsonInTheStaticRootIsNamedAtStartNeverSilentlyHidden) {
  std::string root = make_temp_dir();
  write_file(root + "/index.html", "<!doctype html><title>app</title>");
  // What an app's public/config.json says: performance monitoring on.
  write_file(root + "/config.json",
             R"({"apiUrl":"/api","featureFlags":{"enablePerformanceMonitoring":true}})");
  {
    OpsServer server("[static]\nroot = \"" + root + "\"\n");
    HttpResponse r = server.get("/config.json");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body)["featureFlags"]["enablePerformanceMonitoring"], false);
    const std::string err = server.process().err();
    EXPECT_NE(err.find("frontend: /config.json is answered from [frontend]; " + root +
                       "/config.json in the static root is not served and differs at"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("/featureFlags/enablePerformanceMonitoring"), std::string::npos) << err;
    EXPECT_NE(err.find("frontend.enabled = false to serve the file"), std::string::npos) << err;
    EXPECT_NE(err.find("[warning]"), std::string::npos) << err;

    // The same content: said once, as information.
    write_file(root + "/config.json", r.body);
  }
  {
    OpsServer server("[static]\nroot = \"" + root + "\"\n");
    const std::string err = server.process().err();
    EXPECT_NE(err.find(root + "/config.json in the static root is not served (it says the same)"),
              std::string::npos)
        << err;
  }
  // With the frontend off, the file is what /config.json answers.
  {
    OpsServer server("[static]\nroot = \"" + root + "\"\n[frontend]\nenabled = false\n");
    EXPECT_EQ(server.get("/config.json").body, read_text_file(root + "/config.json"));
    EXPECT_EQ(server.process().err().find("in the static root is not served"), std::string::npos);
  }
  std::filesystem::remove_all(root);
}

TEST(FrontendConfig, ABadValueStopsStartupWithExit2) {
  std::string dir = make_temp_dir();
  write_file(dir + "/bad.toml",
             "[frontend]\napi_url = \"localhost:8004\"\nfeature_flags = [\"beta\"]\n"
             "trusted_domains = [\"https://example.com\"]\n");
  CommandResult r =
      run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--config", dir + "/bad.toml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("has 3 problems"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("frontend.api_url: expected a path such as \"/api\" or an absolute "
                       "http(s) URL, found \"localhost:8004\""),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("frontend.feature_flags[0]: expected name=true or name=false"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("frontend.trusted_domains[0]: expected a host name"), std::string::npos);
  write_file(dir + "/bad-level.toml", "[frontend]\nlog_level = \"verbose\"\n");
  r = run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--config", dir + "/bad-level.toml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("frontend.log_level: expected one of"), std::string::npos) << r.err;

  // An out-of-range sample rate is clamped with a warning, not refused.
  write_file(dir + "/clamped.toml", "[frontend]\nsample_rate = 2\n");
  r = run_edgewatch({"check-config", dir + "/clamped.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("frontend.sample_rate: 2 is outside [0, 1]; clamped to 1"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ew::test
