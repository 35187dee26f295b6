// Wiring only: the list of modules, handed to the command line.
#include <vector>

#include "alerts/alerts_module.h"
#include "app/build_info.h"
#include "app/cli.h"
#include "dashboard/dashboard_module.h"
#include "deploy/deployments_module.h"
#include "frontend/frontend_module.h"
#include "health/health_module.h"
#include "health/readiness_module.h"
#include "ingest/ingest_module.h"
#include "metrics/metrics_module.h"
#include "ops/hub.h"
#include "proxy/proxy_module.h"
#include "static/static_module.h"

int main(int argc, char** argv) {
  std::vector<ew::ModulePtr> modules;
  modules.push_back(ew::make_health_module());
  modules.push_back(ew::make_ingest_module());
  modules.push_back(ew::make_static_module());
  auto proxies = std::make_shared<ew::proxy::ProxyRegistry>();
  modules.push_back(ew::proxy::make_proxy_module(proxies));
  // Operations: they observe the modules above through the hub and the proxy registry.
  auto hub = ew::ops::shared_hub();
  modules.push_back(ew::make_metrics_module(
      hub, proxies,
      {ew::build_info::kVersion, ew::build_info::kGitCommit, ew::build_info::kBuildDate}));
  modules.push_back(ew::make_readiness_module(hub, proxies, ew::build_info::kVersion));
  modules.push_back(ew::make_alerts_module(hub, proxies));
  modules.push_back(ew::make_deployments_module(hub));
  modules.push_back(ew::make_frontend_module());
  modules.push_back(ew::make_dashboard_module(hub));
  return ew::run_cli(argc, argv, std::move(modules));
}
