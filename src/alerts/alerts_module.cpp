#include "alerts/alerts_module.h"

#include <spdlog/spdlog.h>

#include "alerts/engine.h"
#include "alerts/rules.h"

namespace ew {
namespace {

class AlertsModule final : public Module {
 public:
  AlertsModule(std::shared_ptr<ops::Hub> hub, std::shared_ptr<proxy::ProxyRegistry> proxies)
      : hub_(std::move(hub)), proxies_(std::move(proxies)) {}

  ~AlertsModule() override {
    if (engine_) engine_->stop();
  }

  std::string_view name() const override { return "alerts"; }
  void declare(config::Schema& schema) override { alerts::declare_alert_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    alerts::validate_alert_settings(settings, problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    alerts::AlertOptions options = alerts::alert_options(settings);
    if (!options.enabled || options.rules.empty()) return;
    spdlog::info("alerts: {} rule{}, evaluated every {} ms", options.rules.size(),
                 options.rules.size() == 1 ? "" : "s", options.interval.count());
    engine_ = std::make_shared<alerts::Engine>(std::move(options), hub_, proxies_);
    hub_->metrics().add("alerts",
                        [engine = engine_](ops::MetricWriter& w) { engine->write_metrics(w); });
    engine_->start();
    registrar.on_stop([engine = engine_] { engine->stop(); });
  }

 private:
  std::shared_ptr<ops::Hub> hub_;
  std::shared_ptr<proxy::ProxyRegistry> proxies_;
  std::shared_ptr<alerts::Engine> engine_;
};

}  // namespace

ModulePtr make_alerts_module(std::shared_ptr<ops::Hub> hub,
                             std::shared_ptr<proxy::ProxyRegistry> proxies) {
  return std::make_unique<AlertsModule>(std::move(hub), std::move(proxies));
}

}  // namespace ew
