#include "ingest/ingest.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>

#include "auth/auth.h"
#include "ingest/options.h"
#include "ingest/routes.h"
#include "ingest/service.h"
#include "ingest/store_observer.h"

namespace ew::ingest {
namespace {

void write_quota_metrics(telemetry::MetricWriter& w, const ProjectQuotas& quotas) {
  w.counter("edgewatch_ingest_quota_refusals_total",
            "Ingestion requests refused with 429 because a quota was reached, by quota");
  for (Quota q : kQuotas) {
    w.sample({{"quota", quota_name(q)}}, static_cast<double>(quotas.refused(q)));
  }
}

class IngestModule final : public Module {
 public:
  explicit IngestModule(IngestWiring wiring) : wiring_(std::move(wiring)) {}
  ~IngestModule() override {
    if (observer_) observer_->stop();
    if (service_) service_->stop();
  }

  std::string_view name() const override { return "ingest"; }
  void declare(config::Schema& schema) override { declare_ingest_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    validate_ingest_settings(settings, problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    IngestOptions options = ingest_options(settings);
    if (!options.enabled && !options.sentry_enabled) {
      spdlog::info("ingest: disabled");
      return;
    }
    try {
      service_ = std::make_shared<IngestService>(std::move(options));
    } catch (const std::runtime_error& e) {
      // A database the user chose must work; the default (in a directory under the working
      // directory) may be unwritable where nobody wants monitoring, which must not stop the
      // server.
      const config::Table& storage = settings.section("storage");
      if (storage.given("path") || storage.given("data_dir")) throw;
      spdlog::warn("ingest: disabled, {} (set storage.data_dir to enable monitoring)", e.what());
      return;
    }
    const IngestOptions& o = service_->options();
    if (o.enabled) register_seed_routes(service_, registrar.router());
    if (o.sentry_enabled) register_sentry_routes(service_, registrar.router());
    register_api_routes(service_, registrar.router(), wiring_.admin);
    publish(registrar);
    // Drain before connections close: every queued batch is committed and its client answered.
    registrar.on_stop([service = service_] { service->stop(); });
    spdlog::info("ingest: storing in {} (synchronous={}), {} Sentry project{}", o.storage.database,
                 o.storage.synchronous_full ? "full" : "normal", o.projects.size(),
                 o.projects.size() == 1 ? "" : "s");
  }

 private:
  // Readiness's storage check, the alert rules' monitoring data and the ingestion families of
  // /metrics.
  void publish(Registrar& registrar) {
    auto probe = storage::make_probe(service_->writer(), service_->store());
    // The published probe holds the service, so the store outlives every check that runs.
    wiring_.storage_probe->publish(
        std::make_shared<storage::Probe>([s = service_, probe] { return probe(); }));
    observer_ = std::make_shared<StoreObserver>(service_->store(), [s = service_] {
      IngestCounters c;
      c.accepted = s->stats().accepted.load();
      c.rejected = s->stats().rejected_items.load() + s->stats().rejected_requests.load();
      return c;
    });
    observer_->start();
    wiring_.monitoring->publish(observer_);
    wiring_.metrics->add("ingest", [s = service_, o = observer_](telemetry::MetricWriter& w) {
      o->write_metrics(w, s->writer().stats());
      write_quota_metrics(w, s->quotas());
    });
    registrar.on_stop([w = wiring_, o = observer_] {
      w.storage_probe->withdraw();
      w.monitoring->withdraw();
      w.metrics->remove("ingest");
      o->stop();
    });
  }

  IngestWiring wiring_;
  std::shared_ptr<IngestService> service_;
  std::shared_ptr<StoreObserver> observer_;
};

}  // namespace

ModulePtr make_ingest_module(IngestWiring wiring) {
  return std::make_unique<IngestModule>(std::move(wiring));
}

}  // namespace ew::ingest
