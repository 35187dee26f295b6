#include "health/health.h"

#include <spdlog/spdlog.h>

#include "config/keys.h"
#include "core/query.h"
#include "health/health_json.h"
#include "health/readiness.h"
#include "storage/storage.h"
#include "util/time.h"

namespace ew::health {
namespace {

using config::Kind;

constexpr std::string_view kReadyPath = "/health/ready";
constexpr std::string_view kHistoryPath = "/_edgewatch/api/health/history";

using config::key;

void write_metrics(telemetry::MetricWriter& w, Readiness& readiness) {
  auto report = readiness.latest();
  w.gauge("edgewatch_health_status",
          "Readiness state of each checked service (and overall): 1 for the current status");
  auto states = [&](const std::string& service, HealthStatus current) {
    for (auto status :
         {HealthStatus::kHealthy, HealthStatus::kDegraded, HealthStatus::kUnhealthy}) {
      w.sample({{"service", service}, {"status", to_string(status)}}, status == current ? 1 : 0);
    }
  };
  states("overall", report->overall);
  for (const auto& s : report->services) states(s.service, s.status);

  w.gauge("edgewatch_health_check_response_seconds", "Duration of each service's last check");
  for (const auto& s : report->services) {
    w.sample({{"service", s.service}}, s.response_ms / 1000);
  }
  w.counter("edgewatch_health_transitions_total",
            "Changes of readiness state per service since start (first observation included)");
  w.sample({{"service", "overall"}},
           static_cast<double>(readiness.history().transition_count("overall")));
  for (const auto& s : report->services) {
    w.sample({{"service", s.service}},
             static_cast<double>(readiness.history().transition_count(s.service)));
  }
  w.counter("edgewatch_health_rounds_total", "Rounds of readiness checks run");
  w.sample({}, static_cast<double>(readiness.rounds()));
}

class ReadinessModule final : public Module {
 public:
  explicit ReadinessModule(ReadinessWiring wiring) : wiring_(std::move(wiring)) {}

  ~ReadinessModule() override {
    if (readiness_) readiness_->stop();
  }

  std::string_view name() const override { return "readiness"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("readiness", "Readiness checks behind GET /health/ready");
    s.keys = {
        key("enabled", Kind::kBool, "true",
            "Run the checks in the background and answer /health/ready and the health history"),
        key("interval", Kind::kDuration, "10s", "Time between two rounds of checks"),
        key("timeout", Kind::kDuration, "2s", "A check slower than this fails"),
        key("websocket_path", Kind::kString, "/ws",
            "Upstream path whose WebSocket handshake is checked; empty disables the check"),
        key("data_dir", Kind::kPath, "",
            "Directory checked for writes and free disk; empty = the [storage] path's directory"),
        key("disk_warn_free", Kind::kSize, "1GiB", "Less free disk than this is degraded"),
        key("certificate_warn_within", Kind::kDuration, "14d",
            "An HTTPS certificate expiring within this is degraded"),
        key("disk_min_free", Kind::kSize, "256MiB", "Less free disk than this is unhealthy"),
        key("history_file", Kind::kPath, "",
            "Health history file (JSON lines); empty = edgewatch-health.jsonl in data_dir"),
        key("persist_history", Kind::kBool, "true",
            "Keep the health history in history_file so uptime survives restarts"),
        config::bounded("upstream_down_status", Kind::kInt, "200",
                        "Status of /health/ready when only what lies behind the gateway is "
                        "unhealthy (a route with no usable upstream): 200 keeps the edge in its "
                        "load balancer, 503 takes it out",
                        200, 503),
    };
  }

  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    const auto& s = settings.section("readiness");
    auto interval = s.get_duration("interval");
    if (interval < std::chrono::milliseconds(100) || interval > std::chrono::hours(1)) {
      problems.push_back("readiness.interval: expected a duration from 100ms to 1h, found " +
                         std::to_string(interval.count()) + "ms");
    }
    auto timeout = s.get_duration("timeout");
    if (timeout < std::chrono::milliseconds(10) || timeout > std::chrono::minutes(1)) {
      problems.push_back("readiness.timeout: expected a duration from 10ms to 1m, found " +
                         std::to_string(timeout.count()) + "ms");
    }
    const std::string& ws = s.get_string("websocket_path");
    if (!ws.empty() && (ws.front() != '/' || ws.find_first_of(" \t#") != std::string::npos)) {
      problems.push_back(
          "readiness.websocket_path: expected an absolute path (\"/ws\") or \"\", found \"" + ws +
          "\"");
    }
    auto down_status = s.get_int("upstream_down_status");
    if (down_status != 200 && down_status != 503) {
      problems.push_back("readiness.upstream_down_status: expected 200 or 503, found " +
                         std::to_string(down_status));
    }
    if (s.get_size("disk_min_free") > s.get_size("disk_warn_free")) {
      problems.push_back(
          "readiness.disk_min_free: expected at most readiness.disk_warn_free, found more");
    }
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto& s = settings.section("readiness");
    if (!s.get_bool("enabled")) return;
    ReadinessOptions o;
    o.version = wiring_.version;
    o.interval = s.get_duration("interval");
    o.timeout = s.get_duration("timeout");
    o.websocket_path = s.get_string("websocket_path");
    o.data_dir = s.get_string("data_dir").empty() ? storage::data_directory(settings)
                                                  : s.get_string("data_dir");
    o.disk_warn_free = s.get_size("disk_warn_free");
    o.certificate_warn_within =
        std::chrono::duration_cast<std::chrono::seconds>(s.get_duration("certificate_warn_within"));
    o.disk_min_free = s.get_size("disk_min_free");
    if (settings.repeated.count("proxy")) {
      for (const auto& entry : settings.entries("proxy")) {
        o.health_paths[entry.get_string("prefix")] = entry.get_string("health_check_path");
      }
    }

    HealthHistory::Options history_options;
    if (s.get_bool("persist_history")) {
      history_options.file = s.get_string("history_file").empty()
                                 ? o.data_dir + "/edgewatch-health.jsonl"
                                 : s.get_string("history_file");
    }
    // A gap longer than three rounds means the checks were not running.
    history_options.gap_ms = std::max<std::int64_t>(3 * o.interval.count(), 30'000);
    auto history = std::make_shared<HealthHistory>(history_options);
    if (auto problem = history->load(now_ms())) spdlog::warn("readiness: {}", *problem);

    readiness_ = std::make_shared<Readiness>(o, wiring_, history);
    register_routes(registrar.router(), static_cast<int>(s.get_int("upstream_down_status")));
    wiring_.metrics->add("readiness",
                         [r = readiness_](telemetry::MetricWriter& w) { write_metrics(w, *r); });
    readiness_->start();
    registrar.on_stop([r = readiness_, w = wiring_] {
      r->stop();
      w.metrics->remove("readiness");
      w.report->withdraw();
    });
  }

 private:
  void register_routes(Router& router, int upstream_down_status) {
    RouteOptions ready;
    ready.name = "health_ready";
    ready.access_log = false;
    router.exact(
        kGetHead, std::string(kReadyPath),
        [r = readiness_, upstream_down_status](Request&, Responder& responder) {
          auto report = r->latest();
          int status = readiness_http_status(*report, upstream_down_status);
          responder.send(json_response(status, system_health_json(*report)));
        },
        ready);

    RouteOptions history;
    history.name = "health_history";
    history.operations = true;
    router.exact(
        kGetHead, std::string(kHistoryPath),
        auth::admin_only(
            wiring_.admin,
            [r = readiness_](Request& request, Responder& responder) {
              std::size_t limit = 100;
              if (auto given = query_param(request.query, "limit")) {
                char* end = nullptr;
                long value = std::strtol(given->c_str(), &end, 10);
                if (given->empty() || *end != '\0' || value < 1 || value > 1000) {
                  responder.send(error_response(
                      400, "invalid_parameter",
                      "limit: expected an integer from 1 to 1000, found \"" + *given + "\"",
                      request.request_id));
                  return;
                }
                limit = static_cast<std::size_t>(value);
              }
              responder.send(json_response(200, history_json(r->history(), now_ms(), limit)));
            }),
        history);
  }

  ReadinessWiring wiring_;
  std::shared_ptr<Readiness> readiness_;
};

}  // namespace

ModulePtr make_readiness_module(ReadinessWiring wiring) {
  return std::make_unique<ReadinessModule>(std::move(wiring));
}

}  // namespace ew::health
