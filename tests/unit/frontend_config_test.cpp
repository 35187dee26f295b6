// The [frontend] section: validation, the EnvironmentConfig JSON, ETags.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/etag.h"
#include "frontend/frontend_config.h"

namespace ew::frontend {
namespace {

struct Loaded {
  config::Settings settings;
  std::vector<std::string> problems;
};

Loaded load(const std::string& toml) {
  config::Schema schema;
  declare_frontend_settings(schema);
  std::string path = testing::TempDir() + "/frontend-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << toml;
  config::Sources sources;
  sources.file = path;
  Loaded out{config::load(schema, sources), {}};
  validate_frontend_settings(out.settings, out.problems);
  return out;
}

std::string all(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

// The seed's shape and flags, but same-origin URLs: edgewatch serves the app and proxies /api/.
TEST(FrontendConfig, DefaultsAreTheSeedsShapeWithSameOriginUrls) {
  Loaded l = load("");
  EXPECT_TRUE(l.problems.empty()) << all(l.problems);
  EXPECT_EQ(environment_config_json(l.settings.section("frontend")),
            "{\"apiUrl\":\"/api\",\"websocketUrl\":\"\","
            "\"cdnUrl\":\"\",\"enableAnalytics\":false,\"enableErrorTracking\":false,"
            "\"logLevel\":\"info\",\"featureFlags\":{\"enableConversationThreading\":false,"
            "\"enableAdvancedSearch\":false,\"enableMessageExport\":false,"
            "\"enablePerformanceMonitoring\":false,\"enableBetaFeatures\":false},"
            "\"performance\":{\"enablePerfMonitoring\":false,\"sampleRate\":0.1,"
            "\"enableWebVitals\":false},\"security\":{\"enableCSP\":false,\"enableSRI\":false,"
            "\"trustedDomains\":[]}}\n");
}

TEST(FrontendConfig, ValuesFromTheConfiguration) {
  Loaded l = load(R"(
[frontend]
api_url = "https://api.example.com/v1"
websocket_url = "wss://ws.example.com/chat"
cdn_url = "https://cdn.example.com"
enable_analytics = true
log_level = "warn"
feature_flags = ["enableBetaFeatures=true", "newComposer=false"]
sample_rate = 0.25
enable_csp = true
trusted_domains = ["cdn.example.com", "*.example.org", "localhost:5173"]
)");
  ASSERT_TRUE(l.problems.empty()) << all(l.problems);
  std::string json = environment_config_json(l.settings.section("frontend"));
  EXPECT_NE(json.find("\"apiUrl\":\"https://api.example.com/v1\""), std::string::npos);
  EXPECT_NE(json.find("\"websocketUrl\":\"wss://ws.example.com/chat\""), std::string::npos);
  EXPECT_NE(json.find("\"featureFlags\":{\"enableBetaFeatures\":true,\"newComposer\":false}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"sampleRate\":0.25"), std::string::npos);
  EXPECT_NE(json.find("\"logLevel\":\"warn\""), std::string::npos);
  EXPECT_NE(json.find("\"trustedDomains\":[\"cdn.example.com\",\"*.example.org\","
                      "\"localhost:5173\"]"),
            std::string::npos);
}

TEST(FrontendConfig, SampleRateIsClampedWithAWarning) {
  Loaded l = load("[frontend]\nsample_rate = 1.5\n");
  EXPECT_TRUE(l.problems.empty());
  ASSERT_EQ(l.settings.warnings.size(), 1u);
  EXPECT_NE(l.settings.warnings[0].find("frontend.sample_rate: 1.5 is outside [0, 1]"),
            std::string::npos);
  EXPECT_NE(environment_config_json(l.settings.section("frontend")).find("\"sampleRate\":1.0"),
            std::string::npos);
}

TEST(FrontendConfig, BadValuesAreProblems) {
  Loaded l = load(R"(
[frontend]
path = "config.json"
max_age = "2d"
cdn_url = "ftp://cdn.example.com"
feature_flags = ["beta", "9lives=true", "x=yes", "dup=true", "dup=false"]
trusted_domains = ["https://example.com", "-bad-.example.com", "a..b", "ok.example.com"]
)");
  std::string text = all(l.problems);
  EXPECT_NE(text.find("frontend.path: expected an absolute path"), std::string::npos) << text;
  EXPECT_NE(text.find("frontend.max_age: expected at most 1d"), std::string::npos) << text;
  EXPECT_NE(text.find("frontend.cdn_url: expected an absolute http or https URL"),
            std::string::npos);
  EXPECT_NE(text.find("frontend.feature_flags[0]: expected name=true or name=false"),
            std::string::npos);
  EXPECT_NE(text.find("frontend.feature_flags[1]"), std::string::npos);
  EXPECT_NE(text.find("frontend.feature_flags[2]"), std::string::npos);
  EXPECT_NE(text.find("frontend.feature_flags[4]: flag \"dup\" is given twice"), std::string::npos);
  EXPECT_NE(text.find("frontend.trusted_domains[0]"), std::string::npos);
  EXPECT_NE(text.find("frontend.trusted_domains[1]"), std::string::npos);
  EXPECT_NE(text.find("frontend.trusted_domains[2]"), std::string::npos);
  EXPECT_EQ(text.find("frontend.trusted_domains[3]"), std::string::npos);
  EXPECT_EQ(l.problems.size(), 10u) << text;
}

TEST(FrontendConfig, BadUrlsAndLevelsAreRefused) {
  Loaded l = load("[frontend]\napi_url = \"localhost:8004\"\nwebsocket_url = \"http://x\"\n");
  std::string text = all(l.problems);
  EXPECT_NE(text.find("frontend.api_url: expected a path such as \"/api\" or an absolute http(s) "
                      "URL, found \"localhost:8004\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("frontend.websocket_url: expected an absolute ws:// or wss:// URL"),
            std::string::npos)
      << text;
  Loaded good = load("[frontend]\napi_url = \"/v2/api\"\nwebsocket_url = \"wss://x.example/ws\"\n");
  EXPECT_TRUE(good.problems.empty()) << all(good.problems);
  try {
    load("[frontend]\nlog_level = \"verbose\"\n");
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(all(e.problems()).find("frontend.log_level: expected one of"), std::string::npos);
  }
}

TEST(FrontendConfig, LimitsOnFlagsAndDomains) {
  std::string flags = "[frontend]\nfeature_flags = [";
  for (int i = 0; i < 101; ++i) flags += "\"f" + std::to_string(i) + "=true\",";
  flags += "]\n";
  EXPECT_NE(all(load(flags).problems).find("expected at most 100 flags, found 101"),
            std::string::npos);
  std::string domains = "[frontend]\ntrusted_domains = [";
  for (int i = 0; i < 101; ++i) domains += "\"d" + std::to_string(i) + ".example.com\",";
  domains += "]\n";
  EXPECT_NE(all(load(domains).problems).find("expected at most 100 domains, found 101"),
            std::string::npos);
}

TEST(FrontendConfig, ETags) {
  std::string tag = etag_for("{}");
  EXPECT_EQ(tag.size(), 18u);
  EXPECT_EQ(tag.front(), '"');
  EXPECT_NE(tag, etag_for("{ }"));
  EXPECT_TRUE(if_none_match_hits(tag, tag));
  EXPECT_TRUE(if_none_match_hits("\"other\", W/" + tag, tag));
  EXPECT_TRUE(if_none_match_hits("*", tag));
  EXPECT_FALSE(if_none_match_hits("\"other\"", tag));
  EXPECT_FALSE(if_none_match_hits("", tag));
}

}  // namespace
}  // namespace ew::frontend

namespace ew::frontend {
namespace {

TEST(FrontendShadow, NamesTheFileAndWhereItDiffers) {
  std::string root = testing::TempDir() + "/shadow-" + std::to_string(::getpid());
  std::filesystem::create_directories(root);
  const std::string served = R"({"apiUrl":"/api","performance":{"sampleRate":0.1}})";
  EXPECT_FALSE(shadowed_file(root, "/config.json", served).has_value());
  EXPECT_FALSE(shadowed_file("", "/config.json", served).has_value());

  std::ofstream(root + "/config.json") << R"({"apiUrl":"/api","performance":{"sampleRate":1}})";
  auto differs = shadowed_file(root, "/config.json", served);
  ASSERT_TRUE(differs.has_value());
  EXPECT_EQ(differs->file, root + "/config.json");
  EXPECT_EQ(differs->differences, std::vector<std::string>{"/performance/sampleRate"});
  EXPECT_NE(shadow_notice(*differs, "/config.json").find("differs at /performance/sampleRate"),
            std::string::npos);

  std::ofstream(root + "/config.json") << "{ not json";
  auto garbage = shadowed_file(root, "/config.json", served);
  ASSERT_TRUE(garbage.has_value());
  EXPECT_NE(shadow_notice(*garbage, "/config.json").find("is not JSON"), std::string::npos);

  std::ofstream(root + "/config.json") << served;
  auto same = shadowed_file(root, "/config.json", served);
  ASSERT_TRUE(same.has_value());
  EXPECT_TRUE(same->differences.empty());
  EXPECT_NE(shadow_notice(*same, "/config.json").find("(it says the same)"), std::string::npos);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace ew::frontend
