// The command line and configuration as a user meets them: exit statuses, complete error
// reports, the example configuration.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness.h"

namespace ew::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// "section.key" for every key line (set or commented out) of a TOML text.
std::set<std::string> keys_of(const std::string& toml) {
  std::set<std::string> keys;
  std::regex section(R"(^#?\s*\[\[?([a-z_.]+)\]\]?)");
  std::regex key(R"(^#?\s*([a-z_]+)\s*=)");
  std::string current;
  std::istringstream in(toml);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, section)) {
      current = m[1];
    } else if (std::regex_search(line, m, key) && !current.empty()) {
      keys.insert(current + "." + std::string(m[1]));
    }
  }
  return keys;
}

TEST(Cli, ExampleConfigurationValidatesAndShowsEveryKey) {
  std::string example = source_dir() + "/examples/edgewatch.toml";
  CommandResult checked = run_edgewatch({"check-config", example});
  ASSERT_EQ(checked.exit_code, 0) << checked.err;

  std::string dir = make_temp_dir();
  write_file(dir + "/empty.toml", "");
  CommandResult defaults = run_edgewatch({"check-config", dir + "/empty.toml"});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  std::set<std::string> all_keys = keys_of(defaults.out);
  std::set<std::string> shown = keys_of(read_file(example));
  ASSERT_GT(all_keys.size(), 10u);
  for (const auto& key : all_keys) {
    EXPECT_TRUE(shown.count(key)) << key << " is missing from examples/edgewatch.toml";
  }
  // Every key in the example has a one-line comment.
  std::istringstream in(read_file(example));
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, std::regex(R"(^[a-z_]+\s*=)"))) {
      EXPECT_NE(line.find(" # "), std::string::npos) << "no comment: " << line;
    }
  }
}

TEST(Cli, BadConfigurationReportsEveryProblemAndExits2) {
  std::string dir = make_temp_dir();
  write_file(dir + "/bad.toml",
             "[server]\nlisen = \"x\"\nlisten = \"localhost:99999\"\nmax_body_size = \"12 "
             "parsecs\"\nheader_timeout = 10\n[log]\naccess = \"jsn\"\n[srever]\n");
  for (auto args : {std::vector<std::string>{"check-config", dir + "/bad.toml"},
                    std::vector<std::string>{"serve", "--config", dir + "/bad.toml"}}) {
    CommandResult r = run_edgewatch(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("has 6 problems"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("server.lisen: unknown key (did you mean \"listen\"?)"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("server.listen: expected HOST:PORT"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("found \"localhost:99999\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("server.max_body_size: expected a size"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("server.header_timeout: expected a duration"), std::string::npos);
    EXPECT_NE(r.err.find("log.access: expected one of"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("unknown section [srever] (did you mean [server]?)"), std::string::npos);
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << "no stack trace";
  }
}

TEST(Cli, EnvironmentAndFlagsOverrideTheFileInThatOrder) {
  std::string dir = make_temp_dir();
  write_file(dir + "/c.toml", "[server]\nmax_header_size = \"64KiB\"\nworkers = 3\n");
  CommandResult r = run_edgewatch({"check-config", dir + "/c.toml"},
                                  {{"EDGEWATCH_SERVER_MAX_HEADER_SIZE", "2KiB"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("max_header_size = \"2KiB\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("workers = 3"), std::string::npos) << r.out;

  // A flag beats the environment: the server listens where --listen says.
  ServerProcess server({"serve", "--config", dir + "/c.toml", "--listen", "127.0.0.1:0"},
                       {{"EDGEWATCH_SERVER_LISTEN", "127.0.0.1:1"}});
  EXPECT_EQ(http(server.port(), "GET", "/health").status, 200);
}

TEST(Cli, BadEnvironmentVariableAndBadFlagsExit2) {
  CommandResult env = run_edgewatch({"serve"}, {{"EDGEWATCH_SERVER_WORKRS", "2"}});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("EDGEWATCH_SERVER_WORKRS: unknown (did you mean "
                         "EDGEWATCH_SERVER_WORKERS?)"),
            std::string::npos)
      << env.err;
  CommandResult bad_value = run_edgewatch({"serve", "--listen", "nowhere"});
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_NE(bad_value.err.find("server.listen"), std::string::npos) << bad_value.err;
  EXPECT_NE(bad_value.err.find("command line"), std::string::npos) << bad_value.err;
  EXPECT_EQ(run_edgewatch({"serve", "--bogus"}).exit_code, 2);
  CommandResult none = run_edgewatch({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("serve, check-config"), std::string::npos) << none.err;
  EXPECT_EQ(run_edgewatch({"serve", "--config", "/nonexistent.toml"}).exit_code, 2);
}

TEST(Cli, UnknownSubcommandIsNamedWithTheValidOnes) {
  CommandResult r = run_edgewatch({"bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown subcommand 'bogus'"), std::string::npos) << r.err;
  for (const char* name : {"serve", "check-config", "version"}) {
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  }
  // An option before the word does not hide it.
  CommandResult after_option = run_edgewatch({"--bogus-flag", "servr"});
  EXPECT_EQ(after_option.exit_code, 2);
  EXPECT_NE(after_option.err.find("unknown subcommand 'servr'"), std::string::npos)
      << after_option.err;
}

TEST(Cli, HelpOnEveryCommandExitsZero) {
  for (auto args : {std::vector<std::string>{"--help"},
                    {"serve", "--help"},
                    {"check-config", "--help"},
                    {"version", "--help"}}) {
    CommandResult r = run_edgewatch(args);
    EXPECT_EQ(r.exit_code, 0) << args.front();
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
  }
  EXPECT_NE(run_edgewatch({"serve", "--help"}).out.find("--upstream"), std::string::npos);
}

TEST(Cli, VersionPrintsVersionCommitAndBuildDate) {
  CommandResult r = run_edgewatch({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(edgewatch \d+\.\d+\.\d+\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(commit [0-9a-f]{7,}|commit unknown)")));
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex(R"(built (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|unknown))")));
}

}  // namespace
}  // namespace ew::test
