// Alerting: [[alerts.rules]] evaluated on a background thread, each with a 'for' duration, a
// cool-down and a recovery notice, delivered to webhooks (generic JSON or Slack) with retries.
// Issue, regression, web-vital, error-rate and ingestion rules read the Hub's MonitoringSource;
// upstream rules read the gateway; health rules read the readiness report.
#pragma once

#include <memory>

#include "core/module.h"
#include "ops/hub.h"

namespace ew::proxy {
class ProxyRegistry;
}

namespace ew {

ModulePtr make_alerts_module(std::shared_ptr<ops::Hub> hub,
                             std::shared_ptr<proxy::ProxyRegistry> proxies);

}  // namespace ew
