#include "metrics/metrics_module.h"

#include <chrono>

#include "core/cidr.h"
#include "core/traffic_stats.h"
#include "ops/config_keys.h"

namespace ew {
namespace {

using config::Kind;

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kDefaultAllow =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

class MetricsModule final : public Module {
 public:
  MetricsModule(std::shared_ptr<ops::Hub> hub, std::shared_ptr<proxy::ProxyRegistry> proxies,
                metrics::BuildInfo build)
      : hub_(std::move(hub)), proxies_(std::move(proxies)), build_(std::move(build)) {}

  std::string_view name() const override { return "metrics"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("metrics", "Prometheus metrics (GET /metrics)");
    s.keys = {
        ops::key("enabled", Kind::kBool, "true", "Answer the metrics path"),
        ops::key("path", Kind::kString, "/metrics", "Path of the Prometheus exposition"),
        ops::key("allow", Kind::kCidrList, std::string(kDefaultAllow),
                 "Client networks allowed to scrape; others get 403"),
    };
  }

  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    const auto& s = settings.section("metrics");
    const std::string& path = s.get_string("path");
    if (path.size() < 2 || path.front() != '/' ||
        path.find_first_of("?#{} \t") != std::string::npos) {
      problems.push_back("metrics.path: expected an absolute path such as \"/metrics\", found \"" +
                         path + "\"");
    }
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto start_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto& registry = hub_->metrics();
    registry.add("build", [build = build_, start_seconds](ops::MetricWriter& w) {
      metrics::write_build_info(w, build, start_seconds);
    });
    registry.add("http", [](ops::MetricWriter& w) { metrics::write_traffic(w, traffic_stats()); });
    if (proxies_) {
      registry.add("upstreams", [proxies = proxies_](ops::MetricWriter& w) {
        metrics::write_upstreams(w, *proxies);
      });
    }

    const auto& s = settings.section("metrics");
    if (!s.get_bool("enabled")) return;
    std::string bad;
    auto allow = CidrSet::parse(s.get_list("allow"), &bad);
    if (!allow) throw std::runtime_error("metrics.allow: cannot parse \"" + bad + "\"");
    RouteOptions options;
    options.name = "metrics";
    registrar.router().exact(
        kGetHead, s.get_string("path"),
        [hub = hub_, allow = std::move(*allow)](Request& request, Responder& responder) {
          if (!allow.contains(request.client_address)) {
            responder.send(error_response(403, "forbidden",
                                          "metrics are only served to the networks in "
                                          "[metrics] allow",
                                          request.request_id));
            return;
          }
          Response response(200);
          response.set_body(hub->metrics().scrape(), kContentType);
          response.add_header("Cache-Control", "no-store");
          responder.send(std::move(response));
        },
        options);
  }

 private:
  std::shared_ptr<ops::Hub> hub_;
  std::shared_ptr<proxy::ProxyRegistry> proxies_;
  metrics::BuildInfo build_;
};

}  // namespace

ModulePtr make_metrics_module(std::shared_ptr<ops::Hub> hub,
                              std::shared_ptr<proxy::ProxyRegistry> proxies,
                              metrics::BuildInfo build) {
  return std::make_unique<MetricsModule>(std::move(hub), std::move(proxies), std::move(build));
}

}  // namespace ew
