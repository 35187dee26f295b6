// GET /health/ready and the health history on a running edgewatch: readiness turns unhealthy
// when the upstream dies and back when it returns, changes are kept as history with uptime.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops_util.h"

namespace ew::test {
namespace {

using nlohmann::json;

json ready(OpsServer& server, int* status = nullptr) {
  HttpResponse r = server.get("/health/ready");
  if (status) *status = r.status;
  return json::parse(r.body, nullptr, false);
}

std::string proxy_to(int port) {
  return "[[proxy]]\nprefix = \"/api/\"\nupstreams = [\"http://127.0.0.1:" + std::to_string(port) +
         "\"]\nhealth_check_interval = \"200ms\"\n[readiness]\ninterval = \"200ms\"\n"
         "timeout = \"500ms\"\n";
}

const json* service(const json& report, const std::string& name) {
  for (const auto& s : report["services"]) {
    if (s["service"] == name) return &s;
  }
  return nullptr;
}

TEST(Readiness, TurnsUnhealthyWhenTheUpstreamDiesAndBackWhenItReturns) {
  ReservedPort reserved;  // the upstream comes back at the same address
  int port = reserved.port();
  auto upstream = orchestrator_at(port);
  OpsServer server(proxy_to(port));
  const std::string api = "upstream http://127.0.0.1:" + std::to_string(port);
  const std::string ws = "websocket http://127.0.0.1:" + std::to_string(port);

  int status = 0;
  ASSERT_TRUE(wait_until([&] { return ready(server, &status)["overall"] == "healthy"; },
                         std::chrono::seconds(10), "healthy"));
  json report = ready(server, &status);
  EXPECT_EQ(status, 200);
  // The seed's SystemHealth shape.
  EXPECT_FALSE(report["version"].get<std::string>().empty());
  EXPECT_TRUE(report["uptime"].is_number_integer());
  EXPECT_TRUE(report["timestamp"].is_string());
  for (const char* name : {"storage", "disk"}) {
    const json* s = service(report, name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ((*s)["status"], "healthy");
    EXPECT_TRUE((*s)["responseTime"].is_number());
    EXPECT_TRUE((*s)["timestamp"].is_string());
  }
  ASSERT_NE(service(report, api), nullptr) << report.dump();
  ASSERT_NE(service(report, ws), nullptr) << report.dump();
  EXPECT_EQ(server.get("/health").body, "healthy\n");  // liveness is unchanged

  upstream.reset();  // the upstream dies
  ASSERT_TRUE(wait_until([&] { return ready(server, &status)["overall"] == "unhealthy"; },
                         std::chrono::seconds(10), "unhealthy"));
  report = ready(server, &status);
  EXPECT_EQ(status, 200);  // only the route is down: the edge stays ready (upstream_down_status)
  EXPECT_EQ((*service(report, "route /api/"))["status"], "unhealthy");
  EXPECT_EQ((*service(report, api))["status"], "unhealthy");
  EXPECT_NE((*service(report, api))["details"].get<std::string>().find("Connection refused"),
            std::string::npos);
  EXPECT_EQ((*service(report, ws))["status"], "unhealthy");
  EXPECT_EQ(server.get("/health").status, 200);  // still alive

  upstream = orchestrator_at(port);  // and comes back
  ASSERT_TRUE(wait_until([&] { return ready(server, &status)["overall"] == "healthy"; },
                         std::chrono::seconds(10), "healthy"));
  EXPECT_EQ(status, 200);

  // The history: 401 without the token, then every change with its time and the uptime.
  EXPECT_EQ(server.get("/_edgewatch/api/health/history").status, 401);
  HttpResponse h = server.get("/_edgewatch/api/health/history", {bearer()});
  ASSERT_EQ(h.status, 200) << h.body;
  json history = json::parse(h.body);
  const json* overall = nullptr;
  for (const auto& s : history["services"]) {
    if (s["service"] == "overall") overall = &s;
  }
  ASSERT_NE(overall, nullptr) << h.body;
  EXPECT_EQ((*overall)["status"], "healthy");
  double day = (*overall)["uptime"]["24h"];
  EXPECT_GT(day, 0);
  EXPECT_LT(day, 100);
  EXPECT_TRUE((*overall)["uptime"]["7d"].is_number());
  EXPECT_TRUE((*overall)["uptime"]["30d"].is_number());
  std::vector<std::string> changes;
  for (const auto& t : history["transitions"]) {
    if (t["service"] == "overall") changes.push_back(t["to"]);
  }
  EXPECT_EQ(changes,
            (std::vector<std::string>{"healthy", "unhealthy", "healthy"}));  // newest first
  EXPECT_EQ(server.get("/_edgewatch/api/health/history?limit=0", {bearer()}).status, 400);
  json one = json::parse(server.get("/_edgewatch/api/health/history?limit=1", {bearer()}).body);
  EXPECT_EQ(one["transitions"].size(), 1u);

  // Counted, too.
  std::string metrics = server.get("/metrics").body;
  EXPECT_EQ(sample_value(metrics, "edgewatch_health_transitions_total{service=\"overall\"}"), 3);
  EXPECT_EQ(
      sample_value(metrics, "edgewatch_health_status{service=\"overall\",status=\"healthy\"}"), 1);
}

TEST(Readiness, HistorySurvivesARestart) {
  OpsServer server("[readiness]\ninterval = \"100ms\"\n");
  ASSERT_TRUE(wait_until([&] { return ready(server)["overall"] == "healthy"; },
                         std::chrono::seconds(10), "healthy"));
  // Some rounds observed before the restart, for the graceful stop to write.
  ASSERT_TRUE(wait_until(
      [&] {
        return sample_value(server.get("/metrics").body, "edgewatch_health_rounds_total") >= 5;
      },
      std::chrono::seconds(10), "five rounds of checks"));
  server.stop();
  EXPECT_TRUE(std::filesystem::exists(server.dir() + "/edgewatch-health.jsonl"));
  server.start();
  json history =
      json::parse(server.get("/_edgewatch/api/health/history", {bearer()}).body, nullptr, false);
  const json* storage = nullptr;
  for (const auto& s : history["services"]) {
    if (s["service"] == "storage") storage = &s;
  }
  ASSERT_NE(storage, nullptr) << history.dump();
  // The rounds observed before the restart were written at the graceful stop.
  EXPECT_GE((*storage)["observed_seconds"]["24h"].get<int>(), 0);
  EXPECT_TRUE((*storage)["uptime"]["24h"].is_number()) << history.dump();
  EXPECT_EQ((*storage)["uptime"]["24h"], 100.0);
}

TEST(Readiness, DiskThresholdsDecideDegradedAndUnhealthy) {
  OpsServer degraded("[readiness]\ninterval = \"100ms\"\ndisk_warn_free = \"1000TB\"\n");
  int status = 0;
  ASSERT_TRUE(wait_until([&] { return ready(degraded, &status)["overall"] == "degraded"; },
                         std::chrono::seconds(10), "degraded"));
  EXPECT_EQ(status, 200);  // degraded still takes traffic

  OpsServer unhealthy(
      "[readiness]\ninterval = \"100ms\"\ndisk_warn_free = \"1000TB\"\n"
      "disk_min_free = \"1000TB\"\n");
  ASSERT_TRUE(wait_until([&] { return ready(unhealthy, &status)["overall"] == "unhealthy"; },
                         std::chrono::seconds(10), "unhealthy"));
  EXPECT_EQ(status, 503);
  EXPECT_NE(
      (*service(ready(unhealthy), "disk"))["details"].get<std::string>().find("below the minimum"),
      std::string::npos);
}

TEST(Readiness, BadSettingsStopStartup) {
  std::string dir = make_temp_dir();
  write_file(dir + "/bad.toml",
             "[readiness]\ninterval = \"10ms\"\nwebsocket_path = \"ws\"\n"
             "disk_min_free = \"2GiB\"\ndisk_warn_free = \"1GiB\"\n");
  CommandResult r = run_edgewatch({"serve", "--config", dir + "/bad.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("readiness.interval: expected a duration from 100ms to 1h"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("readiness.websocket_path: expected an absolute path"), std::string::npos);
  EXPECT_NE(r.err.find("readiness.disk_min_free: expected at most readiness.disk_warn_free"),
            std::string::npos);
}

}  // namespace
}  // namespace ew::test
