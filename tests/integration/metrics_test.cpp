// GET /metrics on a running edgewatch: promtool passes on a real scrape, counters move with
// traffic, access is limited to the configured networks, and a real Prometheus server scraping
// edgewatch sees every family.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <set>

#include "ops_util.h"

namespace ew::test {
namespace {

// Families with a source in every edgewatch: the server, the gateway, the build.
const std::vector<std::string> kCoreFamilies = {
    "edgewatch_build_info",
    "edgewatch_start_time_seconds",
    "edgewatch_http_requests_total",
    "edgewatch_http_request_duration_seconds",
    "edgewatch_http_requests_in_flight",
    "edgewatch_http_open_connections",
    "edgewatch_http_connections_total",
    "edgewatch_upstream_up",
    "edgewatch_upstream_circuit_state",
    "edgewatch_upstream_requests_total",
    "edgewatch_upstream_failures_total",
    "edgewatch_upstream_retries_total",
    "edgewatch_upstream_client_aborts_total",
    "edgewatch_upstream_responses_total",
    "edgewatch_upstream_open_streams",
    "edgewatch_upstream_open_websockets",
    "edgewatch_upstream_time_to_first_byte_seconds",
    "edgewatch_upstream_stream_duration_seconds",
    "edgewatch_health_status",
    "edgewatch_health_transitions_total",
    "edgewatch_metrics_collector_errors_total",
};

// Families that modules plug in through the Hub (src/ops/hub.h): each group is required as
// soon as its module registered its collector, which the marker family shows.
const std::vector<std::pair<std::string, std::vector<std::string>>> kProviderFamilies = {
    {"edgewatch_ingest_accepted_total",
     {"edgewatch_ingest_accepted_total", "edgewatch_ingest_rejected_total",
      "edgewatch_ingest_queue_depth", "edgewatch_ingest_commit_latency_seconds",
      "edgewatch_open_issues", "edgewatch_web_vitals_p75"}},
    {"edgewatch_static_cache_entries",
     {"edgewatch_static_cache_entries", "edgewatch_static_cache_bytes"}},
};

std::string config_with(int upstream_port, const std::string& more = "") {
  return "[[proxy]]\nprefix = \"/api/\"\nupstreams = [\"http://127.0.0.1:" +
         std::to_string(upstream_port) + "\"]\n[readiness]\ninterval = \"200ms\"\n" + more;
}

std::set<std::string> families_of(const std::string& exposition) {
  std::set<std::string> out;
  std::regex type_line(R"(^# TYPE (\S+) )");
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, type_line)) out.insert(m[1]);
  }
  return out;
}

// Gateway routes are streams: the server counts one when its stream ends, which is after the
// client has read the whole answer. A scrape right after the client saw its answer may therefore
// miss the last proxied request, so the test scrapes until the counts it expects are in (and
// then checks every figure of that scrape exactly).
TEST(Metrics, PromtoolPassesAndCountersMoveWithTraffic) {
  OrchestratorProcess upstream;
  OpsServer server(config_with(upstream.port()));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(server.get("/api/json").status, 200);
  ASSERT_EQ(server.get("/nothing-here").status, 404);

  const std::string api_ok = "edgewatch_http_requests_total{route=\"/api/\",code=\"2xx\"}";
  const std::string api_count = "edgewatch_http_request_duration_seconds_count{route=\"/api/\"}";
  const std::string not_found = "edgewatch_http_requests_total{route=\"unmatched\",code=\"4xx\"}";
  const std::string scrapes = "edgewatch_http_requests_total{route=\"metrics\",code=\"2xx\"}";
  const std::string upstream_requests =
      "edgewatch_upstream_requests_total{route=\"/api/\","
      "upstream=\"http://127.0.0.1:" +
      std::to_string(upstream.port()) + "\"}";
  int scraped = 0;  // scrapes answered so far; a scrape counts the ones before it
  auto scrape_until = [&](double api_requests, HttpResponse& r) {
    return wait_until(
        [&] {
          r = server.get("/metrics");
          ++scraped;
          return r.status == 200 && sample_value(r.body, api_ok) >= api_requests &&
                 sample_value(r.body, api_count) >= api_requests;
        },
        5s, std::to_string(api_requests) + " proxied requests counted");
  };

  HttpResponse first;
  ASSERT_TRUE(scrape_until(3, first)) << first.body;
  EXPECT_EQ(first.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(promtool_problems(first.body), "") << first.body;

  std::set<std::string> families = families_of(first.body);
  for (const auto& family : kCoreFamilies) {
    EXPECT_TRUE(families.count(family)) << family << " is missing";
  }
  EXPECT_EQ(sample_value(first.body, api_ok), 3);
  EXPECT_EQ(sample_value(first.body, api_count), 3);
  EXPECT_EQ(sample_value(first.body, not_found), 1);
  EXPECT_EQ(sample_value(first.body, upstream_requests), 3);
  EXPECT_EQ(sample_value(first.body, scrapes), scraped > 1 ? scraped - 1 : -1);
  EXPECT_GE(sample_value(first.body, "edgewatch_http_requests_in_flight"), 1);  // this scrape
  EXPECT_GE(sample_value(first.body, "edgewatch_http_open_connections"), 1);

  for (int i = 0; i < 2; ++i) ASSERT_EQ(server.get("/api/json").status, 200);
  HttpResponse second;
  ASSERT_TRUE(scrape_until(5, second)) << second.body;
  EXPECT_EQ(sample_value(second.body, api_ok), 5);
  EXPECT_EQ(sample_value(second.body, api_count), 5);
  EXPECT_EQ(sample_value(second.body, upstream_requests), 5);
  EXPECT_EQ(sample_value(second.body, scrapes), scraped - 1);
  EXPECT_GT(sample_value(second.body, "edgewatch_http_connections_total"),
            sample_value(first.body, "edgewatch_http_connections_total"));
  // Low cardinality: the 404's path appears nowhere.
  EXPECT_EQ(second.body.find("nothing-here"), std::string::npos);

  // Provider families are complete once their module plugged in.
  std::set<std::string> now = families_of(second.body);
  for (const auto& [marker, group] : kProviderFamilies) {
    if (!now.count(marker)) continue;
    for (const auto& family : group) EXPECT_TRUE(now.count(family)) << family << " is missing";
  }
}

TEST(Metrics, OnlyConfiguredNetworksMayScrape) {
  OpsServer server("[metrics]\nallow = [\"10.0.0.0/8\", \"fd00::/8\"]\n");
  HttpResponse r = server.get("/metrics");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("[metrics] allow"), std::string::npos);
  EXPECT_EQ(r.body.find("edgewatch_"), std::string::npos);
}

TEST(Metrics, PathIsConfigurableAndCanBeTurnedOff) {
  OpsServer moved("[metrics]\npath = \"/internal/metrics\"\n");
  EXPECT_EQ(moved.get("/internal/metrics").status, 200);
  EXPECT_EQ(moved.get("/metrics").status, 404);
  OpsServer off("[metrics]\nenabled = false\n");
  EXPECT_EQ(off.get("/metrics").status, 404);
}

TEST(Metrics, BadSettingsStopStartup) {
  std::string dir = make_temp_dir();
  write_file(dir + "/bad.toml", "[metrics]\nallow = [\"10.0.0.0/33\"]\n");
  CommandResult r = run_edgewatch({"check-config", dir + "/bad.toml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("metrics.allow"), std::string::npos) << r.err;
  write_file(dir + "/bad-path.toml", "[metrics]\npath = \"metrics\"\n");
  r = run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--config", dir + "/bad-path.toml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("metrics.path: expected an absolute path"), std::string::npos) << r.err;
}

// /usr/bin/prometheus as a child process, its output in a log file; killed at the end.
class Prometheus {
 public:
  Prometheus(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv{"/usr/bin/prometheus"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
  }
  ~Prometheus() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool exited = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                             std::chrono::seconds(5), "Prometheus to exit");
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  int pid_ = -1;
};

// A real Prometheus server scrapes edgewatch under traffic; its HTTP API must then know every
// family.
TEST(Metrics, PrometheusServerScrapesEveryFamily) {
  if (::access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "/usr/bin/prometheus missing";
  OrchestratorProcess upstream;
  OpsServer server(config_with(upstream.port(),
                               "[static]\nroot = \"" + source_dir() + "/tests/fixtures/dist\"\n"));
  std::string dir = make_temp_dir();
  write_file(dir + "/prometheus.yml",
             "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n"
             "  - job_name: edgewatch\n    static_configs:\n      - targets: ['127.0.0.1:" +
                 std::to_string(server.port()) + "']\n");
  // Prometheus cannot report a port of its own choosing: it listens on one the test holds.
  ReservedPort reserved;
  int web_port = reserved.port();
  Prometheus prometheus(
      {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
      dir + "/prometheus.log");
  ASSERT_TRUE(wait_until([&] { return http(web_port, "GET", "/-/ready").status == 200; },
                         std::chrono::seconds(30), "Prometheus ready"));
  // Traffic while Prometheus scrapes: proxied requests, and monitoring data as the seed client
  // sends it (web vitals, an error), so the ingestion and web-vital families have samples.
  for (int i = 0; i < 5; ++i) server.get("/api/json");
  http(server.port(), "POST", "/api/monitoring/metrics", {"Content-Type: application/json"},
       R"([{"name":"web_vitals.LCP","value":1800,"unit":"ms","tags":{"id":"v1","rating":"good"}},)"
       R"({"name":"web_vitals.CLS","value":0.02,"unit":"ms","tags":{"id":"v2","rating":"good"}}])");
  http(
      server.port(), "POST", "/api/monitoring/errors", {"Content-Type: application/json"},
      R"J({"message":"x is undefined","stack":"TypeError: x is undefined\n    at f (http://h/assets/a-1234abcd.js:1:2)","sessionId":"s1","timestamp":"2026-11-25T18:00:00.000Z"})J");
  std::set<std::string> names;
  bool complete = wait_until(
      [&] {
        server.get("/api/json");
        HttpResponse r = http(web_port, "GET", "/api/v1/label/__name__/values");
        if (r.status != 200) return false;
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded()) return false;
        names.clear();
        for (const auto& n : j["data"]) names.insert(n.get<std::string>());
        for (const auto& family : kCoreFamilies) {
          if (!names.count(family) && !names.count(family + "_bucket")) return false;
        }
        for (const auto& [marker, group] : kProviderFamilies) {
          for (const auto& family : group) {
            if (!names.count(family) && !names.count(family + "_bucket")) return false;
          }
        }
        return true;
      },
      std::chrono::seconds(30), "every family in Prometheus");
  std::string missing;
  for (const auto& family : kCoreFamilies) {
    if (!names.count(family) && !names.count(family + "_bucket")) missing += family + " ";
  }
  EXPECT_TRUE(complete) << "missing in Prometheus: " << missing;
  // Every module of this binary registers its families: all are required.
  for (const auto& [marker, group] : kProviderFamilies) {
    for (const auto& family : group) {
      EXPECT_TRUE(names.count(family) || names.count(family + "_bucket")) << family;
    }
  }
  // The scrape itself is healthy: up == 1 for the target.
  HttpResponse up = http(web_port, "GET", "/api/v1/query?query=up%7Bjob%3D%22edgewatch%22%7D");
  EXPECT_NE(up.body.find("\"1\"]"), std::string::npos) << up.body;
  // Counters moved: Prometheus saw proxied requests.
  HttpResponse api = http(web_port, "GET",
                          "/api/v1/query?query=edgewatch_http_requests_total%7Broute%3D%22%2Fapi%"
                          "2F%22%2Ccode%3D%222xx%22%7D");
  EXPECT_NE(api.body.find("\"result\":[{"), std::string::npos) << api.body;
  prometheus.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ew::test
