// Deployment bodies, validated strictly, and the JSON-lines store with its limits.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "deploy/deployment_json.h"
#include "deploy/file_store.h"

namespace ew::deploy {
namespace {

constexpr std::int64_t kNow = 1'714'564'800'000;  // 2024-05-01T12:00:00Z

std::string all(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

TEST(DeploymentBody, TheSeedCiBodyIsAccepted) {
  auto parsed = parse_deployment(
      R"({"deployment":{"environment":"production","version":"3f2a9c1d5e","timestamp":"2024-05-01T11:58:00Z"}})",
      kNow);
  ASSERT_TRUE(parsed.problems.empty()) << all(parsed.problems);
  EXPECT_EQ(parsed.deployment.environment, "production");
  EXPECT_EQ(parsed.deployment.version, "3f2a9c1d5e");
  EXPECT_EQ(parsed.deployment.timestamp_ms, kNow - 120'000);
  EXPECT_EQ(parsed.deployment.received_ms, kNow);
}

TEST(DeploymentBody, EveryProblemIsNamed) {
  auto parsed = parse_deployment(
      R"({"deployment":{"environment":"prod uction","version":7,"timestamp":"2024-05-01","extra":1},"x":true})",
      kNow);
  std::string text = all(parsed.problems);
  EXPECT_EQ(parsed.problems.size(), 5u) << text;
  EXPECT_NE(text.find("x: unknown key"), std::string::npos) << text;
  EXPECT_NE(text.find("deployment.extra: unknown key"), std::string::npos) << text;
  EXPECT_NE(text.find("deployment.environment: expected 1 to 64 characters"), std::string::npos);
  EXPECT_NE(text.find("found \"prod uction\""), std::string::npos);
  EXPECT_NE(text.find("deployment.version: expected 1 to 128 printable characters without "
                      "spaces, found 7"),
            std::string::npos);
  EXPECT_NE(text.find("deployment.timestamp: expected an ISO 8601 time with a zone"),
            std::string::npos);
}

TEST(DeploymentBody, MalformedShapes) {
  EXPECT_EQ(parse_deployment("{not json", kNow).problems,
            std::vector<std::string>{"body: expected JSON, found malformed text"});
  EXPECT_NE(all(parse_deployment("[1]", kNow).problems).find("body: expected an object"),
            std::string::npos);
  EXPECT_NE(all(parse_deployment("{}", kNow).problems).find("deployment: missing"),
            std::string::npos);
  EXPECT_NE(all(parse_deployment(R"({"deployment":"v1"})", kNow).problems)
                .find("deployment: expected an object, found \"v1\""),
            std::string::npos);
  auto missing = parse_deployment(R"({"deployment":{}})", kNow);
  EXPECT_EQ(missing.problems.size(), 3u) << all(missing.problems);
}

TEST(DeploymentBody, Limits) {
  std::string env(kMaxEnvironment, 'e');
  std::string version(kMaxVersion, 'v');
  auto ok = parse_deployment(R"({"deployment":{"environment":")" + env + R"(","version":")" +
                                 version + R"(","timestamp":"2024-05-02T11:59:00Z"}})",
                             kNow);
  EXPECT_TRUE(ok.problems.empty()) << all(ok.problems);
  auto too_long = parse_deployment(R"({"deployment":{"environment":")" + env + R"(e","version":")" +
                                       version + R"(v","timestamp":"2024-05-02T12:00:01Z"}})",
                                   kNow);
  std::string text = all(too_long.problems);
  EXPECT_EQ(too_long.problems.size(), 3u) << text;
  EXPECT_NE(text.find("deployment.timestamp: more than a day in the future"), std::string::npos);
  auto empty = parse_deployment(
      R"({"deployment":{"environment":"","version":"","timestamp":"2024-05-01T00:00:00Z"}})", kNow);
  EXPECT_EQ(empty.problems.size(), 2u);
}

TEST(DeploymentJson, ErrorBodyListsProblems) {
  std::string body = problems_json({"a: bad", "b: worse"}, "rid");
  EXPECT_EQ(body,
            "{\"error\":{\"code\":\"invalid_deployment\",\"message\":\"a: bad; b: worse\","
            "\"problems\":[\"a: bad\",\"b: worse\"],\"request_id\":\"rid\"}}\n");
}

std::string temp_file(const std::string& name) {
  std::string path = testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
  std::remove(path.c_str());
  return path;
}

deploy::Deployment dep(std::string env, std::string version, std::int64_t ts) {
  return {0, std::move(env), std::move(version), ts, ts + 5};
}

TEST(FileDeploymentStore, RoundTripsThroughTheFileAndFilters) {
  std::string file = temp_file("deployments.jsonl");
  {
    FileDeploymentStore store(file, 100);
    ASSERT_FALSE(store.load());
    EXPECT_EQ(store.add(dep("staging", "v1", 1000))->id, 1);
    EXPECT_EQ(store.add(dep("production", "v1", 2000))->id, 2);
    EXPECT_EQ(store.add(dep("production", "v2", 3000))->id, 3);
  }
  FileDeploymentStore store(file, 100);
  ASSERT_FALSE(store.load());
  auto everything = store.list({});
  ASSERT_TRUE(everything.ok());
  ASSERT_EQ(everything->size(), 3u);
  EXPECT_EQ(everything->front().version, "v2");  // newest first
  EXPECT_EQ(everything->front().received_ms, 3005);
  deploy::DeploymentQuery production;
  production.environment = "production";
  EXPECT_EQ(store.list(production)->size(), 2u);
  deploy::DeploymentQuery v1;
  v1.version = "v1";
  v1.limit = 1;
  auto one = store.list(v1);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().environment, "production");
  deploy::DeploymentQuery window;
  window.from_ms = 1500;
  window.to_ms = 2500;
  EXPECT_EQ(store.list(window)->size(), 1u);
  EXPECT_EQ(store.add(dep("production", "v3", 4000))->id, 4);  // ids continue after a restart
}

TEST(FileDeploymentStore, KeepsAtMostMaxEntriesAndCompactsTheFile) {
  std::string file = temp_file("deployments-cap.jsonl");
  FileDeploymentStore store(file, 3);
  store.load();
  for (int i = 1; i <= 7; ++i) store.add(dep("production", "v" + std::to_string(i), i * 1000));
  auto list = store.list({});
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ(list->back().version, "v5");
  // The file was rewritten when it held more than twice the limit.
  std::ifstream in(file);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_LE(lines, 6u);
  FileDeploymentStore reloaded(file, 3);
  reloaded.load();
  EXPECT_EQ(reloaded.list({})->front().version, "v7");
  EXPECT_EQ(reloaded.list({})->size(), 3u);
}

TEST(FileDeploymentStore, SkipsUnreadableLinesAndReportsUnwritableFiles) {
  std::string file = temp_file("deployments-bad.jsonl");
  std::ofstream(file) << to_json_line({1, "production", "v1", 1000, 1000}) << "\n{torn\n";
  FileDeploymentStore store(file, 10);
  auto problem = store.load();
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("1 unreadable line"), std::string::npos);
  EXPECT_EQ(store.list({})->size(), 1u);

  FileDeploymentStore nowhere("/nonexistent-dir/deployments.jsonl", 10);
  EXPECT_FALSE(nowhere.load());
  auto failed = nowhere.add(dep("production", "v1", 1000));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().find("cannot open"), std::string::npos);
  EXPECT_TRUE(nowhere.list({})->empty());  // nothing half-stored
}

}  // namespace
}  // namespace ew::deploy
