#include "metrics/metrics.h"

#include "tls/certificate_store.h"

#include "metrics/collectors.h"

#include <chrono>

#include "config/keys.h"
#include "core/cidr.h"
#include "telemetry/traffic_stats.h"

namespace ew::metrics {
namespace {

using config::Kind;

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kDefaultAllow =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

class MetricsModule final : public Module {
 public:
  explicit MetricsModule(MetricsWiring wiring) : wiring_(std::move(wiring)) {}

  std::string_view name() const override { return "metrics"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("metrics", "Prometheus metrics (GET /metrics)");
    s.keys = {
        config::key("enabled", Kind::kBool, "true", "Answer the metrics path"),
        config::key("path", Kind::kString, "/metrics", "Path of the Prometheus exposition"),
        config::key("allow", Kind::kCidrList, std::string(kDefaultAllow),
                    "Client networks allowed to scrape; others get 403"),
    };
  }

  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    const auto& s = settings.section("metrics");
    config::check_route_path("metrics.path", s.get_string("path"), problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto start_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    telemetry::MetricsRegistry& registry = *wiring_.registry;
    registry.add("build", [build = wiring_.build, start_seconds](telemetry::MetricWriter& w) {
      write_build_info(w, build, start_seconds);
    });
    registry.add("http", [traffic = wiring_.traffic](telemetry::MetricWriter& w) {
      write_traffic(w, *traffic);
    });
    registry.add("tls", [certificates = wiring_.certificates](telemetry::MetricWriter& w) {
      if (auto store = certificates ? certificates->get() : nullptr) store->write_metrics(w);
    });
    registry.add("upstreams", [proxies = wiring_.proxies](telemetry::MetricWriter& w) {
      write_upstreams(w, *proxies);
    });

    const auto& s = settings.section("metrics");
    if (!s.get_bool("enabled")) return;
    std::string bad;
    auto allow = CidrSet::parse(s.get_list("allow"), &bad);
    if (!allow) throw std::runtime_error("metrics.allow: cannot parse \"" + bad + "\"");
    RouteOptions options;
    options.name = "metrics";
    options.operations = true;
    registrar.router().exact(
        kGetHead, s.get_string("path"),
        [registry = wiring_.registry, allow = std::move(*allow)](Request& request,
                                                                 Responder& responder) {
          if (!allow.contains(request.client_address)) {
            responder.send(error_response(403, "forbidden",
                                          "metrics are only served to the networks in "
                                          "[metrics] allow",
                                          request.request_id));
            return;
          }
          Response response(200);
          response.set_body(registry->scrape(), kContentType);
          response.add_header("Cache-Control", "no-store");
          responder.send(std::move(response));
        },
        options);
  }

 private:
  MetricsWiring wiring_;
};

}  // namespace

ModulePtr make_metrics_module(MetricsWiring wiring) {
  return std::make_unique<MetricsModule>(std::move(wiring));
}

}  // namespace ew::metrics
