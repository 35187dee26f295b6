// Tests for src/config: the value parsers, the loader's precedence and error reporting, and the
// TOML writer.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/keys.h"

namespace ew::config {
namespace {

using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Parsers

TEST(ParseSize, AcceptsBytesAndUnits) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("8KiB"), 8192u);
  EXPECT_EQ(parse_size("1MiB"), 1048576u);
  EXPECT_EQ(parse_size("2GiB"), 2147483648u);
  EXPECT_EQ(parse_size("1TiB"), 1099511627776u);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("1MB"), 1000000u);
  EXPECT_EQ(parse_size("1GB"), 1000000000u);
  EXPECT_EQ(parse_size("8kib"), 8192u);  // units are case-insensitive
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, FractionsOfUnitsRoundDownToBytes) {
  EXPECT_EQ(parse_size("1.5MiB"), 1572864u);
  EXPECT_EQ(parse_size("0.5KiB"), 512u);
  EXPECT_EQ(parse_size("1.25KB"), 1250u);
  EXPECT_EQ(parse_size("0.1KiB"), 102u);  // 102.4
}

TEST(ParseSize, RejectsMalformed) {
  for (const char* text :
       {"", "-1", "+1", "1.5", "1.5B", "KiB", "1XB", "1 KiB", " 1", "1KiB ", ".5MiB", "1.MiB",
        "1e3", "0x10", "18446744073709551616", "17179869184GiB", "99999999999999999999999"}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << text;
  }
}

TEST(ParseDuration, AcceptsUnits) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("60s"), milliseconds(60000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
  EXPECT_EQ(parse_duration("1d"), milliseconds(86400000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
}

TEST(ParseDuration, FractionsMustBeWholeMilliseconds) {
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("0.25s"), milliseconds(250));
  EXPECT_EQ(parse_duration("1.5h"), milliseconds(5400000));
  EXPECT_EQ(parse_duration("0.5ms"), std::nullopt);
  EXPECT_EQ(parse_duration("1.0001s"), std::nullopt);
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* text : {"", "60", "0", "-1s", "+1s", "1w", "60S", "1H", "1h30m", "s", ".5s",
                           "1.s", "1 s", "99999999999999999999d", "106751991167301d"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
  EXPECT_NE(parse_duration("106751991167d"), std::nullopt);  // just inside int64 milliseconds
}

TEST(ParseListen, AcceptsHostPortForms) {
  auto address = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 8080);

  address = parse_listen("[::1]:8080");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 8080);

  address = parse_listen(":8080");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "");
  EXPECT_EQ(address->port, 8080);

  address = parse_listen("0.0.0.0:0");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "0.0.0.0");
  EXPECT_EQ(address->port, 0);

  address = parse_listen("localhost:65535");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "localhost");
  EXPECT_EQ(address->port, 65535);
}

TEST(ParseListen, RejectsMalformed) {
  for (const char* text : {"", "localhost", "8080", "localhost:", "localhost:http", "host:65536",
                           "host:-1", "host:+80", "host:123456", "::1:8080", "[::1]", "[::1]8080",
                           "[nothost]:80", "[::1:80", "a b:80", "*:80", ":"}) {
    EXPECT_EQ(parse_listen(text), std::nullopt) << text;
  }
}

TEST(ParseUrl, AcceptsAbsoluteUrls) {
  auto url = parse_url("http://example.com");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/");

  url = parse_url("HTTPS://api.example.com:8443/v1/events?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "api.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/v1/events?x=1");

  url = parse_url("ws://[::1]:9000/socket");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "ws");
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->path, "/socket");

  url = parse_url("wss://h");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 443);

  url = parse_url("http://h?q=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->path, "/?q=1");

  url = parse_url("https://h:65535/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 65535);
}

TEST(ParseUrl, RejectsMalformed) {
  for (const char* text :
       {"", "example.com", "ftp://h", "http://", "http:///path", "http://a b", "http://h/a b",
        "http://user@h", "http://user:pw@h/", "http://h:0", "http://h:65536",
        "http://h:", "http://h:abc", "http://h#frag", "http://h\x01", "http://[::1", "http://[zz]/",
        "http://::1/", "http:/h"}) {
    EXPECT_EQ(parse_url(text), std::nullopt) << text;
  }
}

TEST(DidYouMean, SuggestsCloseCandidates) {
  const std::vector<std::string> keys = {"listen", "workers", "max_body"};
  EXPECT_EQ(did_you_mean("lisen", keys), "listen");
  EXPECT_EQ(did_you_mean("worker", keys), "workers");
  EXPECT_EQ(did_you_mean("maxbody", keys), "max_body");
  EXPECT_EQ(did_you_mean("zzzzzzzz", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("x", {}), std::nullopt);
  // Long words tolerate len/3 edits.
  EXPECT_EQ(did_you_mean("EDGEWATCH_SERVR_LISTN", {"EDGEWATCH_SERVER_LISTEN"}),
            "EDGEWATCH_SERVER_LISTEN");
}

TEST(ProcessEnvironment, KeepsOnlyEdgewatchVariables) {
  ::setenv("EDGEWATCH_UNIT_TEST_VALUE", "a=b", 1);
  ::setenv("NOT_EDGEWATCH_UNIT_TEST", "1", 1);
  const auto environment = process_environment();
  ::unsetenv("EDGEWATCH_UNIT_TEST_VALUE");
  ::unsetenv("NOT_EDGEWATCH_UNIT_TEST");
  ASSERT_EQ(environment.count("EDGEWATCH_UNIT_TEST_VALUE"), 1u);
  EXPECT_EQ(environment.at("EDGEWATCH_UNIT_TEST_VALUE"), "a=b");
  for (const auto& [name, value] : environment) EXPECT_EQ(name.rfind("EDGEWATCH_", 0), 0u);
}

// ---------------------------------------------------------------------------------------------
// Loader

// config::key with a placeholder help text: these tests are about values, not descriptions.
KeySpec key(std::string name, Kind kind, std::string default_value) {
  return config::key(std::move(name), kind, std::move(default_value), "help");
}

KeySpec bounded(KeySpec spec, double min, double max) {
  spec.min = min;
  spec.max = max;
  return spec;
}

KeySpec with_choices(KeySpec spec, std::vector<std::string> choices) {
  spec.choices = std::move(choices);
  return spec;
}

KeySpec secret(KeySpec spec) {
  spec.secret = true;
  return spec;
}

Schema test_schema() {
  Schema schema;
  // Each section() result is used at once: later calls may move earlier sections.
  schema.section("server", "The HTTP listener").keys = {
      key("listen", Kind::kListen, "127.0.0.1:8080", "address to listen on"),
      bounded(key("workers", Kind::kInt, "2", "worker threads"), 1, 64),
      key("max_body", Kind::kSize, "1MiB", "largest request body"),
      key("idle_timeout", Kind::kDuration, "60s", "close idle connections after"),
      key("tls", Kind::kBool, "false", "serve HTTPS"),
      key("trusted_proxies", Kind::kCidrList, "127.0.0.0/8, ::1/128", "proxies we trust"),
      key("document_root", Kind::kPath, "", "static files"),
      bounded(key("load_factor", Kind::kFloat, "0.75", "load factor"), 0, 10),
      secret(key("api_token", Kind::kString, "", "admin API token")),
  };
  schema.section("log", "Logging").keys = {
      with_choices(key("level", Kind::kEnum, "info", "minimum level"),
                   {"debug", "info", "warn", "error"}),
      key("file", Kind::kPath, "", "log file"),
  };
  schema.section("log.remote", "Remote log shipping").keys = {
      key("endpoint", Kind::kUrl, "", "collector URL"),
      key("batch_size", Kind::kInt, "100", "records per batch"),
  };
  schema.section("frontend", "Single-page app settings").keys = {
      key("sample_rate", Kind::kRate, "0.1", "performance sample rate"),
      key("origins", Kind::kStringList, "", "allowed origins"),
      with_choices(key("api_url", Kind::kUrl, "http://localhost:8004", "API base URL"),
                   {"http", "https"}),
      with_choices(key("ws_url", Kind::kUrl, "ws://localhost:8004", "WebSocket URL"),
                   {"ws", "wss"}),
  };
  schema.section("proxy", "Reverse-proxy routes", true).keys = {
      key("prefix", Kind::kString, "/", "path prefix"),
      key("upstreams", Kind::kUrlList, "", "upstream servers"),
      key("timeout", Kind::kDuration, "30s", "upstream timeout"),
      bounded(key("retries", Kind::kInt, "1", "retries"), 0, 5),
  };
  schema.section("sentry.projects", "Sentry projects", true).keys = {
      key("name", Kind::kString, "", "project name"),
      secret(key("dsn", Kind::kString, "", "project DSN")),
      key("rate", Kind::kRate, "1", "sample rate"),
  };
  return schema;
}

class ConfigLoad : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : files_) ::unlink(path.c_str());
  }

  std::string write_file(const std::string& content) {
    char name[] = "/tmp/edgewatch_config_test_XXXXXX";
    const int fd = ::mkstemp(name);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::ofstream(name) << content;
    files_.push_back(name);
    return name;
  }

  Settings load_toml(const std::string& content, Sources sources = {}) {
    sources.file = write_file(content);
    return load(schema_, sources);
  }

  // The problems load() reports, or a failed expectation when it succeeds.
  std::vector<std::string> problems(const std::string& content, Sources sources = {}) {
    if (!content.empty()) sources.file = write_file(content);
    try {
      load(schema_, sources);
    } catch (const ConfigError& error) {
      return error.problems();
    }
    ADD_FAILURE() << "load() accepted the configuration";
    return {};
  }

  Schema schema_ = test_schema();
  std::vector<std::string> files_;
};

TEST_F(ConfigLoad, DefaultsArePresentForEveryKey) {
  const Settings settings = load(schema_, {});
  const Table& server = settings.section("server");
  EXPECT_EQ(server.get_string("listen"), "127.0.0.1:8080");
  EXPECT_EQ(server.get_int("workers"), 2);
  EXPECT_EQ(server.get_size("max_body"), 1048576u);
  EXPECT_EQ(server.get_duration("idle_timeout"), milliseconds(60000));
  EXPECT_FALSE(server.get_bool("tls"));
  EXPECT_EQ(server.get_list("trusted_proxies"),
            (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_DOUBLE_EQ(server.get_double("load_factor"), 0.75);
  EXPECT_FALSE(server.has("document_root"));
  EXPECT_EQ(server.get_string("document_root"), "");
  EXPECT_TRUE(server.has("listen"));
  EXPECT_FALSE(server.given("listen"));
  EXPECT_EQ(settings.section("log").get_string("level"), "info");
  EXPECT_EQ(settings.section("log.remote").get_int("batch_size"), 100);
  EXPECT_DOUBLE_EQ(settings.section("frontend").get_double("sample_rate"), 0.1);
  EXPECT_TRUE(settings.section("frontend").get_list("origins").empty());
  EXPECT_TRUE(settings.entries("proxy").empty());
  EXPECT_TRUE(settings.entries("sentry.projects").empty());
  EXPECT_TRUE(settings.warnings.empty());
  for (const SectionSpec& spec : schema_.sections()) {
    if (spec.repeated) continue;
    for (const KeySpec& key_spec : spec.keys) {
      EXPECT_EQ(settings.section(spec.name).values().count(key_spec.key), 1u)
          << spec.name << "." << key_spec.key;
    }
  }
}

TEST_F(ConfigLoad, FileOverridesDefaults) {
  const Settings settings = load_toml(R"(
[server]
listen = "[::1]:9000"
workers = 8
max_body = 4096
idle_timeout = "250ms"
tls = true
trusted_proxies = ["10.0.0.0/8"]
load_factor = 2

[log]
level = "debug"

[log.remote]
endpoint = "https://logs.example.com/ingest"

[frontend]
origins = ["https://a.example", "https://b.example"]
)");
  const Table& server = settings.section("server");
  EXPECT_EQ(server.get_string("listen"), "[::1]:9000");
  EXPECT_TRUE(server.given("listen"));
  EXPECT_EQ(server.get_int("workers"), 8);
  EXPECT_EQ(server.get_size("max_body"), 4096u);
  EXPECT_EQ(server.get_duration("idle_timeout"), milliseconds(250));
  EXPECT_TRUE(server.get_bool("tls"));
  EXPECT_EQ(server.get_list("trusted_proxies"), std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_DOUBLE_EQ(server.get_double("load_factor"), 2.0);
  EXPECT_FALSE(server.given("api_token"));
  EXPECT_EQ(settings.section("log").get_string("level"), "debug");
  EXPECT_EQ(settings.section("log.remote").get_string("endpoint"),
            "https://logs.example.com/ingest");
  EXPECT_EQ(settings.section("frontend").get_list("origins").size(), 2u);
}

TEST_F(ConfigLoad, SizeAcceptsStringInFile) {
  const Settings settings = load_toml("[server]\nmax_body = \"8KiB\"\n");
  EXPECT_EQ(settings.section("server").get_size("max_body"), 8192u);
}

TEST_F(ConfigLoad, EnvironmentOverridesFile) {
  Sources sources;
  sources.environment = {
      {"EDGEWATCH_SERVER_LISTEN", ":9100"},
      {"EDGEWATCH_SERVER_TLS", "yes"},
      {"EDGEWATCH_SERVER_TRUSTED_PROXIES", " 10.0.0.0/8, ,192.168.0.0/16,"},
      {"EDGEWATCH_FRONTEND_SAMPLE_RATE", "0.5"},
      {"EDGEWATCH_LOG_REMOTE_BATCH_SIZE", "7"},
      {"EDGEWATCH_CONFIG", "/ignored.toml"},
      {"HOME", "/root"},
  };
  const Settings settings =
      load_toml("[server]\nlisten = \"127.0.0.1:9000\"\nworkers = 3\n", sources);
  const Table& server = settings.section("server");
  EXPECT_EQ(server.get_string("listen"), ":9100");
  EXPECT_EQ(server.get_int("workers"), 3);
  EXPECT_TRUE(server.get_bool("tls"));
  EXPECT_TRUE(server.given("tls"));
  EXPECT_EQ(server.get_list("trusted_proxies"),
            (std::vector<std::string>{"10.0.0.0/8", "192.168.0.0/16"}));
  EXPECT_DOUBLE_EQ(settings.section("frontend").get_double("sample_rate"), 0.5);
  EXPECT_EQ(settings.section("log.remote").get_int("batch_size"), 7);
}

TEST_F(ConfigLoad, EnvironmentBooleanSpellings) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, bool>>{{"true", true},
                                                                                {"1", true},
                                                                                {"on", true},
                                                                                {"YES", true},
                                                                                {"false", false},
                                                                                {"0", false},
                                                                                {"off", false},
                                                                                {"No", false}}) {
    Sources sources;
    sources.environment = {{"EDGEWATCH_SERVER_TLS", text}};
    EXPECT_EQ(load(schema_, sources).section("server").get_bool("tls"), expected) << text;
  }
}

TEST_F(ConfigLoad, CommandLineOverridesEnvironment) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_SERVER_LISTEN", ":9100"}, {"EDGEWATCH_LOG_LEVEL", "warn"}};
  sources.overrides = {{"server.listen", ":9200"}, {"server.workers", "16"}};
  const Settings settings = load_toml("[server]\nlisten = \":9000\"\n", sources);
  EXPECT_EQ(settings.section("server").get_string("listen"), ":9200");
  EXPECT_EQ(settings.section("server").get_int("workers"), 16);
  EXPECT_EQ(settings.section("log").get_string("level"), "warn");
}

TEST_F(ConfigLoad, LaterOverrideWins) {
  Sources sources;
  sources.overrides = {{"log.level", "debug"}, {"log.level", "error"}};
  EXPECT_EQ(load(schema_, sources).section("log").get_string("level"), "error");
}

TEST_F(ConfigLoad, UnknownKeySuggestsTheClosest) {
  const auto found = problems("[server]\nlisen = \"127.0.0.1:8080\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "server.lisen: unknown key (did you mean \"listen\"?)");
}

TEST_F(ConfigLoad, UnknownKeyWithoutSuggestion) {
  const auto found = problems("[log]\ncompletely_unrelated = 1\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "log.completely_unrelated: unknown key");
}

TEST_F(ConfigLoad, UnknownSectionSuggestsTheClosest) {
  const auto found = problems("[sever]\nlisten = \":80\"\n\n[[proxi]]\nprefix = \"/\"\n");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], "unknown section [sever] (did you mean [server]?)");
  EXPECT_EQ(found[1], "unknown section [[proxi]] (did you mean [[proxy]]?)");
}

TEST_F(ConfigLoad, TopLevelKeyIsAProblem) {
  const auto found = problems("listen = \":80\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            "listen: unknown top-level key; settings belong in a section (did you mean "
            "[server]?)");
}

TEST_F(ConfigLoad, UnknownEnvironmentVariableSuggestsTheClosest) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_SERVER_LISEN", ":80"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            "environment variable EDGEWATCH_SERVER_LISEN: unknown (did you mean "
            "EDGEWATCH_SERVER_LISTEN?)");
}

TEST_F(ConfigLoad, EnvironmentCannotSetRepeatedSections) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_PROXY_PREFIX", "/api"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("EDGEWATCH_PROXY_PREFIX"), std::string::npos);
  EXPECT_NE(found[0].find("[[proxy]]"), std::string::npos);
}

TEST_F(ConfigLoad, UnknownOverrides) {
  Sources sources;
  sources.overrides = {{"server.lisen", ":80"}, {"servr.listen", ":80"}, {"nodot", "1"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0],
            "server.lisen: unknown key (did you mean \"listen\"?) (from the command line)");
  EXPECT_EQ(found[1], "unknown section [servr] (did you mean [server]?) (from the command line)");
  EXPECT_NE(found[2].find("nodot"), std::string::npos);
}

TEST_F(ConfigLoad, WrongTypesInFile) {
  struct Case {
    std::string toml;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"[server]\nworkers = \"4\"", R"(server.workers: expected an integer in [1, 64], found "4")"},
      {"[server]\nworkers = 65", "server.workers: expected an integer in [1, 64], found 65"},
      {"[server]\ntls = 1", "server.tls: expected true or false, found 1"},
      {"[server]\nidle_timeout = 60",
       "server.idle_timeout: expected a duration such as \"250ms\", \"60s\", \"5m\", \"2h\" or "
       "\"1d\", found 60; add a unit, e.g. \"60s\""},
      {"[server]\nmax_body = -1",
       "server.max_body: expected a size such as 1048576, \"8KiB\", \"1MiB\" or \"1MB\", found -1"},
      {"[server]\nlisten = \"localhost:99999\"",
       "server.listen: expected HOST:PORT, [IPv6]:PORT or :PORT with a port in 0..65535, found "
       "\"localhost:99999\""},
      {"[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.0.0.0/33\"]",
       "server.trusted_proxies[1]: expected an address range such as \"10.0.0.0/8\" or "
       "\"::1/128\", found \"10.0.0.0/33\""},
      {"[server]\ntrusted_proxies = \"10.0.0.0/8\"",
       "server.trusted_proxies: expected an array of address ranges such as [\"10.0.0.0/8\", "
       "\"::1/128\"], found \"10.0.0.0/8\""},
      {"[log]\nlevel = \"verbose\"",
       R"(log.level: expected one of "debug", "info", "warn", "error", found "verbose")"},
      {"[log]\nlevel = \"inf\"",
       R"(log.level: expected one of "debug", "info", "warn", "error", found "inf"; )"
       R"(did you mean "info"?)"},
      {"[frontend]\nsample_rate = \"high\"",
       R"(frontend.sample_rate: expected a number between 0 and 1, found "high")"},
      {"[frontend]\napi_url = \"ws://localhost\"",
       R"(frontend.api_url: expected an absolute http or https URL, found "ws://localhost")"},
      {"[server]\nload_factor = 11.5",
       "server.load_factor: expected a number in [0, 10], found 11.5"},
      {"[server]\nload_factor = nan",
       "server.load_factor: expected a number in [0, 10], found nan"},
  };
  for (const Case& c : cases) {
    const auto found = problems(c.toml + "\n");
    ASSERT_EQ(found.size(), 1u) << c.toml;
    EXPECT_EQ(found[0], c.problem);
  }
}

TEST_F(ConfigLoad, WrongValuesFromEnvironmentAndCommandLineNameTheirSource) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_SERVER_LISTEN", "localhost"},
                         {"EDGEWATCH_SERVER_IDLE_TIMEOUT", "60"}};
  sources.overrides = {{"server.workers", "many"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0],
            "server.idle_timeout: expected a duration such as \"250ms\", \"60s\", \"5m\", \"2h\" "
            "or \"1d\", found \"60\"; add a unit, e.g. \"60s\" (from "
            "EDGEWATCH_SERVER_IDLE_TIMEOUT)");
  EXPECT_EQ(found[1],
            "server.listen: expected HOST:PORT, [IPv6]:PORT or :PORT with a port in 0..65535, "
            "found \"localhost\" (from EDGEWATCH_SERVER_LISTEN)");
  EXPECT_EQ(found[2],
            "server.workers: expected an integer in [1, 64], found \"many\" (from the command "
            "line)");
}

TEST_F(ConfigLoad, ReportsEveryProblemAtOnceInFileOrder) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_LOG_LEVEL", "loud"}};
  sources.overrides = {{"server.max_body", "lots"}};
  const auto found = problems(R"(
[server]
workers = 0
tls = "maybe"
lisen = ":80"

[log]
level = "verbose"

[bogus]
x = 1
)",
                              sources);
  ASSERT_EQ(found.size(), 7u);
  EXPECT_EQ(found[0].rfind("server.workers:", 0), 0u) << found[0];
  EXPECT_EQ(found[1].rfind("server.tls:", 0), 0u) << found[1];
  EXPECT_EQ(found[2].rfind("server.lisen:", 0), 0u) << found[2];
  EXPECT_EQ(found[3].rfind("log.level:", 0), 0u) << found[3];
  EXPECT_EQ(found[4].rfind("unknown section [bogus]", 0), 0u) << found[4];
  EXPECT_EQ(found[5].rfind("log.level:", 0), 0u) << found[5];
  EXPECT_NE(found[5].find("(from EDGEWATCH_LOG_LEVEL)"), std::string::npos);
  EXPECT_EQ(found[6].rfind("server.max_body:", 0), 0u) << found[6];
  EXPECT_NE(found[6].find("(from the command line)"), std::string::npos);
}

TEST_F(ConfigLoad, ConfigErrorWhatListsEveryProblem) {
  Sources sources;
  sources.file = write_file("[server]\nworkers = 0\ntls = 3\n");
  try {
    load(schema_, sources);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("server.workers"), std::string::npos);
    EXPECT_NE(what.find("server.tls"), std::string::npos);
  }
}

TEST_F(ConfigLoad, TomlSyntaxErrorHasPosition) {
  Sources sources;
  sources.file = write_file("[server]\nlisten = \n");
  try {
    load(schema_, sources);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    ASSERT_EQ(error.problems().size(), 1u);
    EXPECT_EQ(error.problems()[0].rfind(*sources.file + ":2:", 0), 0u) << error.problems()[0];
  }
}

TEST_F(ConfigLoad, UnreadableFileIsAProblem) {
  Sources sources;
  sources.file = "/nonexistent/edgewatch.toml";
  sources.environment = {{"EDGEWATCH_SERVER_WORKERS", "0"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("/nonexistent/edgewatch.toml"), std::string::npos);
  EXPECT_EQ(found[1].rfind("server.workers:", 0), 0u);
}

TEST_F(ConfigLoad, RateOutsideRangeIsClampedWithWarning) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_FRONTEND_SAMPLE_RATE", "-0.5"}};
  Settings settings = load_toml("[frontend]\nsample_rate = 1.5\n");
  EXPECT_DOUBLE_EQ(settings.section("frontend").get_double("sample_rate"), 1.0);
  ASSERT_EQ(settings.warnings.size(), 1u);
  EXPECT_EQ(settings.warnings[0], "frontend.sample_rate: 1.5 is outside [0, 1]; clamped to 1");

  settings = load(schema_, sources);
  EXPECT_DOUBLE_EQ(settings.section("frontend").get_double("sample_rate"), 0.0);
  ASSERT_EQ(settings.warnings.size(), 1u);
  EXPECT_EQ(settings.warnings[0],
            "frontend.sample_rate: -0.5 is outside [0, 1]; clamped to 0 (from "
            "EDGEWATCH_FRONTEND_SAMPLE_RATE)");
}

TEST_F(ConfigLoad, RepeatedSections) {
  const Settings settings = load_toml(R"(
[[proxy]]
prefix = "/api"
upstreams = ["http://10.0.0.1:8080", "https://backend.example"]

[[proxy]]
prefix = "/ws"
upstreams = ["ws://10.0.0.2"]
timeout = "5m"
)");
  const auto& proxies = settings.entries("proxy");
  ASSERT_EQ(proxies.size(), 2u);
  EXPECT_EQ(proxies[0].get_string("prefix"), "/api");
  EXPECT_EQ(proxies[0].get_list("upstreams").size(), 2u);
  EXPECT_EQ(proxies[0].get_duration("timeout"), milliseconds(30000));
  EXPECT_FALSE(proxies[0].given("timeout"));
  EXPECT_EQ(proxies[0].get_int("retries"), 1);
  EXPECT_EQ(proxies[1].get_string("prefix"), "/ws");
  EXPECT_EQ(proxies[1].get_duration("timeout"), milliseconds(300000));
  EXPECT_TRUE(proxies[1].given("timeout"));
}

TEST_F(ConfigLoad, RepeatedSectionProblemsNameTheEntry) {
  const auto found = problems(R"(
[[proxy]]
upstreams = ["http://ok"]

[[proxy]]
upstreams = ["http://ok", "ftp://nope"]
retrys = 2
)");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0],
            "proxy[1].upstreams[1]: expected an absolute http, https, ws or wss URL, found "
            "\"ftp://nope\"");
  EXPECT_EQ(found[1], "proxy[1].retrys: unknown key (did you mean \"retries\"?)");
}

TEST_F(ConfigLoad, NestedRepeatedSection) {
  const Settings settings = load_toml(R"(
[[sentry.projects]]
name = "web"
dsn = "https://key@o1.ingest.example/1"

[[sentry.projects]]
name = "api"
rate = 0.25
)");
  const auto& projects = settings.entries("sentry.projects");
  ASSERT_EQ(projects.size(), 2u);
  EXPECT_EQ(projects[0].get_string("name"), "web");
  EXPECT_DOUBLE_EQ(projects[0].get_double("rate"), 1.0);
  EXPECT_EQ(projects[1].get_string("name"), "api");
  EXPECT_DOUBLE_EQ(projects[1].get_double("rate"), 0.25);
}

TEST_F(ConfigLoad, TableShapeMustMatchTheSchema) {
  auto found = problems("[proxy]\nprefix = \"/\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "proxy: expected an array of tables [[proxy]], found a table [proxy]");

  found = problems("[[server]]\nlisten = \":80\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "server: expected a table [server], found an array of tables [[server]]");

  found = problems("[sentry.projects]\nname = \"x\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            "sentry.projects: expected an array of tables [[sentry.projects]], found a table "
            "[sentry.projects]");

  found = problems("[sentry]\nproject = 1\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "sentry.project: unknown key (did you mean \"projects\"?)");
}

TEST_F(ConfigLoad, OverrideCreatesFirstRepeatedEntry) {
  Sources sources;
  sources.overrides = {{"proxy.prefix", "/api"},
                       {"proxy.upstreams", "http://a:1, http://b:2"},
                       {"sentry.projects.name", "web"}};
  const Settings settings = load(schema_, sources);
  const auto& proxies = settings.entries("proxy");
  ASSERT_EQ(proxies.size(), 1u);
  EXPECT_EQ(proxies[0].get_string("prefix"), "/api");
  EXPECT_EQ(proxies[0].get_list("upstreams"),
            (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_EQ(proxies[0].get_duration("timeout"), milliseconds(30000));
  ASSERT_EQ(settings.entries("sentry.projects").size(), 1u);
  EXPECT_EQ(settings.entries("sentry.projects")[0].get_string("name"), "web");
}

TEST_F(ConfigLoad, OverrideAppliesToTheFirstExistingEntry) {
  Sources sources;
  sources.overrides = {{"proxy.retries", "3"}};
  const Settings settings =
      load_toml("[[proxy]]\nprefix = \"/a\"\n[[proxy]]\nprefix = \"/b\"\n", sources);
  const auto& proxies = settings.entries("proxy");
  ASSERT_EQ(proxies.size(), 2u);
  EXPECT_EQ(proxies[0].get_int("retries"), 3);
  EXPECT_EQ(proxies[0].get_string("prefix"), "/a");
  EXPECT_EQ(proxies[1].get_int("retries"), 1);

  sources.overrides = {{"proxy.retries", "9"}};
  const auto found = problems("", sources);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            "proxy[0].retries: expected an integer in [0, 5], found \"9\" (from the command "
            "line)");
}

// ---------------------------------------------------------------------------------------------
// Getters and schema misuse are programming errors.

TEST_F(ConfigLoad, GettersRejectUndeclaredKeysAndWrongTypes) {
  const Settings settings = load(schema_, {});
  const Table& server = settings.section("server");
  EXPECT_THROW(server.get_string("nope"), std::logic_error);
  EXPECT_THROW(server.has("nope"), std::logic_error);
  EXPECT_THROW(server.given("nope"), std::logic_error);
  EXPECT_THROW(server.get_int("listen"), std::logic_error);
  EXPECT_THROW(server.get_bool("workers"), std::logic_error);
  EXPECT_THROW(server.get_string("tls"), std::logic_error);
  EXPECT_THROW(server.get_double("workers"), std::logic_error);
  EXPECT_THROW(server.get_list("listen"), std::logic_error);
  EXPECT_THROW(server.get_int("document_root"), std::logic_error);  // unset
  EXPECT_THROW(settings.section("nope"), std::logic_error);
  EXPECT_THROW(settings.section("proxy"), std::logic_error);
  EXPECT_THROW(settings.entries("server"), std::logic_error);
}

TEST(Schema, SectionExtendsAndRejectsDuplicates) {
  Schema schema;
  schema.section("server", "HTTP").keys.push_back(key("listen", Kind::kListen, ":80"));
  schema.section("server", "").keys.push_back(key("workers", Kind::kInt, "1"));
  ASSERT_EQ(schema.sections().size(), 1u);
  EXPECT_EQ(schema.sections()[0].keys.size(), 2u);
  EXPECT_EQ(schema.sections()[0].help, "HTTP");
  EXPECT_EQ(schema.find("server"), &schema.sections()[0]);
  EXPECT_EQ(schema.find("nope"), nullptr);
  EXPECT_THROW(schema.section("server", "", true), std::logic_error);

  schema.section("server", "").keys.push_back(key("listen", Kind::kListen, ":81"));
  EXPECT_THROW(schema.section("server", ""), std::logic_error);
  EXPECT_THROW(load(schema, {}), std::logic_error);
}

TEST(Schema, InvalidDefaultIsAProgrammingError) {
  Schema schema;
  schema.section("server", "").keys.push_back(key("timeout", Kind::kDuration, "60"));
  EXPECT_THROW(load(schema, {}), std::logic_error);
}

TEST(Schema, KindNames) {
  EXPECT_EQ(to_string(Kind::kSize), "size");
  EXPECT_EQ(to_string(Kind::kCidrList), "cidr list");
}

// ---------------------------------------------------------------------------------------------
// to_toml

TEST_F(ConfigLoad, ToTomlRoundTrips) {
  Sources sources;
  sources.environment = {{"EDGEWATCH_SERVER_IDLE_TIMEOUT", "90s"},
                         {"EDGEWATCH_FRONTEND_ORIGINS", "https://a.example,https://b.example"}};
  sources.overrides = {{"server.max_body", "1500"}};
  const Settings original = load_toml(R"(
[server]
listen = "[::1]:9000"
workers = 8
document_root = "/srv/www \"quoted\" \\ back"
load_factor = 3

[log]
level = "debug"

[log.remote]
endpoint = "https://logs.example.com/ingest?x=1"

[frontend]
sample_rate = 0.25

[[proxy]]
prefix = "/api"
upstreams = ["http://10.0.0.1:8080"]
timeout = "1.5s"

[[proxy]]
prefix = "/ws"
upstreams = []
timeout = "2h"

[[sentry.projects]]
name = "web"
rate = 0.5
)",
                                      sources);
  const std::string printed = original.to_toml(schema_);
  EXPECT_NE(printed.find("idle_timeout = \"90s\"  # close idle connections after"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("max_body = 1500"), std::string::npos) << printed;
  EXPECT_NE(printed.find("load_factor = 3.0"), std::string::npos) << printed;
  EXPECT_NE(printed.find("timeout = \"1500ms\""), std::string::npos) << printed;
  EXPECT_NE(printed.find("[[sentry.projects]]"), std::string::npos) << printed;

  const Settings reloaded = load_toml(printed);
  for (const SectionSpec& spec : schema_.sections()) {
    const auto compare = [&](const Table& a, const Table& b, const std::string& label) {
      ASSERT_EQ(a.values().size(), b.values().size()) << label;
      for (const auto& [name, entry] : a.values()) {
        EXPECT_EQ(entry.first, b.values().at(name).first) << label << "." << name;
      }
    };
    if (!spec.repeated) {
      compare(original.section(spec.name), reloaded.section(spec.name), spec.name);
      continue;
    }
    ASSERT_EQ(original.entries(spec.name).size(), reloaded.entries(spec.name).size());
    for (std::size_t i = 0; i < original.entries(spec.name).size(); ++i) {
      compare(original.entries(spec.name)[i], reloaded.entries(spec.name)[i], spec.name);
    }
  }
  // Printing what was read back changes nothing.
  EXPECT_EQ(reloaded.to_toml(schema_), printed);
}

TEST_F(ConfigLoad, ToTomlPrintsCanonicalUnits) {
  Sources sources;
  sources.overrides = {{"server.max_body", "2GiB"}, {"server.idle_timeout", "120m"}};
  const std::string printed = load(schema_, sources).to_toml(schema_);
  EXPECT_NE(printed.find("max_body = \"2GiB\"  # largest request body\n"), std::string::npos);
  EXPECT_NE(printed.find("idle_timeout = \"2h\""), std::string::npos);
  EXPECT_NE(printed.find("trusted_proxies = [\"127.0.0.0/8\", \"::1/128\"]"), std::string::npos);
  EXPECT_NE(printed.find("# document_root =   # static files (unset)\n"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("# [[proxy]]"), std::string::npos);
}

TEST_F(ConfigLoad, ToTomlMasksSecrets) {
  Sources sources;
  sources.overrides = {{"server.api_token", "s3cr3t-token"}};
  const Settings settings =
      load_toml("[[sentry.projects]]\nname = \"web\"\ndsn = \"https://key@example/1\"\n", sources);
  EXPECT_EQ(settings.section("server").get_string("api_token"), "s3cr3t-token");
  const std::string printed = settings.to_toml(schema_);
  EXPECT_EQ(printed.find("s3cr3t-token"), std::string::npos);
  EXPECT_EQ(printed.find("https://key@example/1"), std::string::npos);
  EXPECT_NE(printed.find("api_token = \"***\"  # admin API token"), std::string::npos) << printed;
  EXPECT_NE(printed.find("dsn = \"***\""), std::string::npos);

  // An unset secret has nothing to hide and prints as unset.
  const std::string defaults = load(schema_, {}).to_toml(schema_);
  EXPECT_NE(defaults.find("# api_token =   # admin API token (unset)"), std::string::npos);
}

}  // namespace
}  // namespace ew::config
