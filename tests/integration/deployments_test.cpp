// POST/GET /_edgewatch/api/deployments on a running edgewatch: the seed CI's body round-trips,
// lists filter, bad bodies are refused with what is wrong, and deployments outlive a restart.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ingest_util.h"
#include "ops_util.h"

namespace ew::test {
namespace {

using nlohmann::json;

const std::string kPath = "/_edgewatch/api/deployments";
const std::string kJson = "Content-Type: application/json";

// The body of the seed CI's "Update monitoring" step.
std::string seed_body(const std::string& env, const std::string& version, const std::string& ts) {
  return "{\n  \"deployment\": {\n    \"environment\": \"" + env + "\",\n    \"version\": \"" +
         version + "\",\n    \"timestamp\": \"" + ts + "\"\n  }\n}";
}

HttpResponse post(OpsServer& s, const std::string& body,
                  std::vector<std::string> headers = {bearer(), kJson}) {
  return http(s.port(), "POST", kPath, headers, body);
}

json list(OpsServer& s, const std::string& query = "") {
  HttpResponse r = s.get(kPath + query, {bearer()});
  EXPECT_EQ(r.status, 200) << query << ": " << r.body;
  return json::parse(r.body, nullptr, false)["deployments"];
}

TEST(Deployments, RoundTripFilterAndSurviveARestart) {
  OpsServer server;
  HttpResponse created =
      post(server, seed_body("production", "3f2a9c1d5e7b", "2024-05-01T12:00:00Z"));
  ASSERT_EQ(created.status, 201) << created.body;
  json d = json::parse(created.body)["deployment"];
  EXPECT_EQ(d["id"], 1);
  EXPECT_EQ(d["environment"], "production");
  EXPECT_EQ(d["version"], "3f2a9c1d5e7b");
  EXPECT_EQ(d["timestamp"], "2024-05-01T12:00:00.000Z");
  EXPECT_TRUE(d["received_at"].is_string());
  ASSERT_EQ(post(server, seed_body("staging", "aa11", "2024-05-02T08:00:00+02:00")).status, 201);
  ASSERT_EQ(post(server, seed_body("production", "bb22", "2024-05-03T12:00:00Z")).status, 201);

  json all = list(server);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["version"], "bb22");  // newest first
  EXPECT_EQ(all[1]["timestamp"], "2024-05-02T06:00:00.000Z");
  EXPECT_EQ(list(server, "?environment=production").size(), 2u);
  EXPECT_EQ(list(server, "?version=aa11")[0]["environment"], "staging");
  EXPECT_EQ(list(server, "?since=2024-05-02T00:00:00Z").size(), 2u);
  EXPECT_EQ(list(server, "?until=2024-05-02T00:00:00Z&environment=production").size(), 1u);
  EXPECT_EQ(list(server, "?limit=1").size(), 1u);

  server.stop();
  server.start();
  EXPECT_EQ(list(server).size(), 3u);
  ASSERT_EQ(post(server, seed_body("production", "cc33", "2024-05-04T12:00:00Z")).status, 201);
  EXPECT_EQ(list(server)[0]["id"], 4);
}

TEST(Deployments, RefusesWhatIsWrongAndSaysWhat) {
  OpsServer server;
  HttpResponse bad = post(server, R"({"deployment":{"environment":"prod","version":"v1"},"x":1})");
  EXPECT_EQ(bad.status, 400);
  json error = json::parse(bad.body)["error"];
  EXPECT_EQ(error["code"], "invalid_deployment");
  EXPECT_EQ(error["problems"].size(), 2u) << bad.body;
  EXPECT_NE(error["message"].get<std::string>().find("deployment.timestamp: missing"),
            std::string::npos);
  EXPECT_NE(error["message"].get<std::string>().find("x: unknown key"), std::string::npos);
  EXPECT_EQ(post(server, "{oops").status, 400);
  EXPECT_EQ(post(server, seed_body("production", "v1", "2024-05-01T12:00:00Z"),
                 {bearer(), "Content-Type: text/plain"})
                .status,
            415);
  EXPECT_EQ(post(server, std::string(17 * 1024, ' ') + "{}").status, 413);
  EXPECT_EQ(server.get(kPath + "?limit=1001", {bearer()}).status, 400);
  EXPECT_EQ(server.get(kPath + "?since=yesterday", {bearer()}).status, 400);
  EXPECT_TRUE(list(server).empty());
}

TEST(Deployments, NeedTheAdminToken) {
  OpsServer server;
  const std::string body = seed_body("production", "v1", "2024-05-01T12:00:00Z");
  EXPECT_EQ(post(server, body, {kJson}).status, 401);
  EXPECT_EQ(post(server, body, {"Authorization: Bearer wrong-token-0123456789", kJson}).status,
            401);
  EXPECT_EQ(server.get(kPath).status, 401);
  EXPECT_EQ(http(server.port(), "DELETE", kPath, {bearer()}).status, 405);
}

TEST(Deployments, ReleasesFilterTheMonitoringData) {
  OpsServer server;
  ASSERT_EQ(post(server, seed_body("production", "web@2.0.0", "2024-05-01T12:00:00Z")).status, 201);
  // An error reported by the seed client running that release.
  const std::string error =
      seed_error_body("boom", "Error: boom\n    at f (http://localhost/app.js:1:1)", "session-1",
                      "", "{\"version\":\"web@2.0.0\"}");
  HttpResponse sent = http(server.port(), "POST", "/api/monitoring/errors", {kJson}, error);
  ASSERT_EQ(sent.status, 200) << sent.body;
  std::string version = list(server)[0]["version"];
  HttpResponse issues = server.get("/_edgewatch/api/issues?release=" + version, {bearer()});
  ASSERT_EQ(issues.status, 200) << issues.body;
  EXPECT_EQ(json::parse(issues.body)["items"].size(), 1u) << issues.body;
  HttpResponse other = server.get("/_edgewatch/api/issues?release=web@1.0.0", {bearer()});
  EXPECT_EQ(json::parse(other.body)["items"].size(), 0u);
}

}  // namespace
}  // namespace ew::test
