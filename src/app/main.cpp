// Wiring only: the modules, and the objects that connect them. Every dependency between two
// modules is one of the shared objects made here and handed to both.
#include <memory>
#include <vector>

#include "alerts/alerts.h"
#include "app/build_info.h"
#include "app/cli.h"
#include "auth/auth.h"
#include "core/published.h"
#include "dashboard/dashboard.h"
#include "deploy/deploy.h"
#include "frontend/frontend.h"
#include "health/health.h"
#include "ingest/ingest.h"
#include "metrics/metrics.h"
#include "proxy/proxy.h"
#include "static/static.h"
#include "storage/storage.h"
#include "telemetry/registry.h"
#include "telemetry/traffic_stats.h"
#include "tls/certificate_store.h"

int main(int argc, char** argv) {
  using namespace ew;
  auto traffic = std::make_shared<telemetry::TrafficStats>();  // fed by the server
  auto metrics = std::make_shared<telemetry::MetricsRegistry>();
  auto admin = std::make_shared<auth::AdminGate>();
  auto proxies = std::make_shared<proxy::ProxyRegistry>();
  auto storage_probe = std::make_shared<Published<storage::Probe>>();
  auto monitoring = std::make_shared<Published<ingest::MonitoringSource>>();
  auto health_report = std::make_shared<Published<const health::HealthReport>>();
  auto deployments = std::make_shared<Published<deploy::DeploymentStore>>();
  auto certificates = std::make_shared<Published<tls::CertificateStore>>();  // HTTPS's

  std::vector<ModulePtr> modules;
  modules.push_back(auth::make_auth_module(admin));
  modules.push_back(storage::make_storage_module());
  modules.push_back(health::make_health_module());
  modules.push_back(ingest::make_ingest_module({admin, metrics, monitoring, storage_probe}));
  modules.push_back(static_files::make_static_module(metrics));
  modules.push_back(proxy::make_proxy_module(proxies));
  modules.push_back(metrics::make_metrics_module(
      {metrics,
       traffic,
       proxies,
       certificates,
       {build_info::kVersion, build_info::kGitCommit, build_info::kBuildDate}}));
  modules.push_back(health::make_readiness_module(
      {admin, metrics, proxies, storage_probe, certificates, health_report, build_info::kVersion}));
  modules.push_back(
      alerts::make_alerts_module({metrics, proxies, health_report, monitoring, deployments}));
  modules.push_back(deploy::make_deployments_module(admin, deployments));
  modules.push_back(make_frontend_module());
  modules.push_back(dashboard::make_dashboard_module({admin, traffic, proxies}));
  return run_cli(argc, argv, std::move(modules), {traffic, certificates});
}
