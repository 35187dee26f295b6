#include "alerts/alerts.h"

#include <spdlog/spdlog.h>

#include "alerts/engine.h"
#include "alerts/rules.h"

namespace ew::alerts {
namespace {

class AlertsModule final : public Module {
 public:
  explicit AlertsModule(AlertsWiring wiring) : wiring_(std::move(wiring)) {}

  ~AlertsModule() override {
    if (engine_) engine_->stop();
  }

  std::string_view name() const override { return "alerts"; }
  void declare(config::Schema& schema) override { declare_alert_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    validate_alert_settings(settings, problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    AlertOptions options = alert_options(settings);
    if (!options.enabled || options.rules.empty()) return;
    spdlog::info("alerts: {} rule{}, evaluated every {} ms", options.rules.size(),
                 options.rules.size() == 1 ? "" : "s", options.interval.count());
    engine_ = std::make_shared<Engine>(std::move(options), wiring_);
    wiring_.metrics->add(
        "alerts", [engine = engine_](telemetry::MetricWriter& w) { engine->write_metrics(w); });
    engine_->start();
    registrar.on_stop([engine = engine_, metrics = wiring_.metrics] {
      engine->stop();
      metrics->remove("alerts");
    });
  }

 private:
  AlertsWiring wiring_;
  std::shared_ptr<Engine> engine_;
};

}  // namespace

ModulePtr make_alerts_module(AlertsWiring wiring) {
  return std::make_unique<AlertsModule>(std::move(wiring));
}

}  // namespace ew::alerts
