// GET /metrics: the Prometheus text exposition format 0.0.4, answered only to clients in the
// configured networks ([metrics] allow; loopback and private ranges by default), 403 otherwise.
// Other modules add their families through the Hub's MetricsRegistry (ops/metrics_registry.h).
#pragma once

#include <memory>

#include "core/module.h"
#include "metrics/collectors.h"
#include "ops/hub.h"

namespace ew::proxy {
class ProxyRegistry;
}

namespace ew {

ModulePtr make_metrics_module(std::shared_ptr<ops::Hub> hub,
                              std::shared_ptr<proxy::ProxyRegistry> proxies,
                              metrics::BuildInfo build);

}  // namespace ew
