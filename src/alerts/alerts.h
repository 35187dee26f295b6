// Alerting: [[alerts.rules]] evaluated on a background thread, each with a 'for' duration, a
// cool-down and a recovery notice, delivered to webhooks (generic JSON or Slack) with retries.
// Issue, regression, web-vital, error-rate and ingestion rules read the monitoring backend;
// upstream rules read the gateway; health rules read the readiness report; regression notices
// name the deployment that most likely brought them.
#pragma once

#include <memory>

#include "core/module.h"
#include "core/published.h"
#include "deploy/deploy.h"
#include "health/health.h"
#include "ingest/ingest.h"
#include "proxy/proxy.h"
#include "telemetry/registry.h"

namespace ew::alerts {

// What the alert rules read; main() wires the same instances into the modules that provide them.
struct AlertsWiring {
  std::shared_ptr<telemetry::MetricsRegistry> metrics;
  std::shared_ptr<proxy::ProxyRegistry> proxies;
  std::shared_ptr<Published<const health::HealthReport>> health;
  std::shared_ptr<Published<ingest::MonitoringSource>> monitoring;
  std::shared_ptr<Published<deploy::DeploymentStore>> deployments;
};

ModulePtr make_alerts_module(AlertsWiring wiring);

}  // namespace ew::alerts
