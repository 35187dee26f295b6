#include "ingest/ingest_module.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>

#include "auth/admin_auth.h"
#include "ingest/options.h"
#include "ingest/routes.h"
#include "ingest/service.h"
#include "ops/hub.h"
#include "ops/storage_bridge.h"

namespace ew {
namespace {

void write_quota_metrics(ops::MetricWriter& w, const ingest::ProjectQuotas& quotas) {
  w.counter("edgewatch_ingest_quota_refusals_total",
            "Ingestion requests refused with 429 because a quota was reached, by quota");
  for (ingest::Quota q : ingest::kQuotas) {
    w.sample({{"quota", ingest::quota_name(q)}}, static_cast<double>(quotas.refused(q)));
  }
}

class IngestModule final : public Module {
 public:
  ~IngestModule() override {
    if (observer_) observer_->stop();
    if (service_) service_->stop();
  }

  std::string_view name() const override { return "ingest"; }
  void declare(config::Schema& schema) override { ingest::declare_ingest_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    ingest::validate_ingest_settings(settings, problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    ingest::IngestOptions options = ingest::ingest_options(settings);
    // [admin] is declared here; the throttle guards the dashboard and operations endpoints too.
    auth::guesses().set_limit(options.admin_failures_per_minute);
    if (!options.enabled && !options.sentry_enabled) {
      spdlog::info("ingest: disabled");
      return;
    }
    try {
      service_ = std::make_shared<ingest::IngestService>(std::move(options));
    } catch (const std::runtime_error& e) {
      // A storage.path the user chose must work; the default (a file in the working directory)
      // may be unwritable where nobody wants monitoring, which must not stop the server.
      if (settings.section("storage").given("path")) throw;
      spdlog::warn("ingest: disabled, {} (set storage.path to enable monitoring)", e.what());
      return;
    }
    const ingest::IngestOptions& o = service_->options();
    if (o.enabled) ingest::register_seed_routes(service_, registrar.router());
    if (o.sentry_enabled) ingest::register_sentry_routes(service_, registrar.router());
    ingest::register_api_routes(service_, registrar.router());
    publish_to_operations(registrar);
    // Drain before connections close: every queued batch is committed and its client answered.
    registrar.on_stop([service = service_] { service->stop(); });
    spdlog::info("ingest: storing in {} (synchronous={}), {} Sentry project{}, query API {}",
                 o.sqlite.path, o.sqlite.synchronous_full ? "full" : "normal", o.projects.size(),
                 o.projects.size() == 1 ? "" : "s",
                 o.admin_token.empty() ? "disabled (no admin.token)" : "enabled");
    if (!o.admin_token.empty() && o.admin_token.size() < 16) {
      spdlog::warn("ingest: admin.token is shorter than 16 characters");
    }
  }

 private:
  // Readiness's storage check, the alert rules' monitoring data and the ingestion families of
  // /metrics all read the store through the operations hub.
  void publish_to_operations(Registrar& registrar) {
    auto hub = ops::shared_hub();
    auto probe = ops::make_storage_probe(service_->writer(), service_->store());
    hub->set_storage_probe([s = service_, probe] { return probe(); });
    observer_ = std::make_shared<ops::StoreObserver>(service_->store(), [s = service_] {
      ops::IngestCounters c;
      c.accepted = s->stats().accepted.load();
      c.rejected = s->stats().rejected_items.load() + s->stats().rejected_requests.load();
      return c;
    });
    observer_->start();
    hub->set_monitoring(observer_);
    hub->metrics().add("ingest", [s = service_, o = observer_](ops::MetricWriter& w) {
      o->write_metrics(w, s->writer().stats());
      write_quota_metrics(w, s->quotas());
    });
    registrar.on_stop([hub, o = observer_] {
      hub->set_storage_probe(nullptr);
      hub->set_monitoring(nullptr);
      o->stop();
    });
  }

  std::shared_ptr<ingest::IngestService> service_;
  std::shared_ptr<ops::StoreObserver> observer_;
};

}  // namespace

ModulePtr make_ingest_module() {
  return std::make_unique<IngestModule>();
}

}  // namespace ew
