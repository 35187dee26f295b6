// GET /metrics: the Prometheus text exposition format 0.0.4, answered only to clients in the
// configured networks ([metrics] allow; loopback and private ranges by default), 403 otherwise.
// It serves the registry main() hands to every module that adds families, and adds the ones
// edgewatch itself knows: build information, HTTP traffic and the gateway's upstreams.
#pragma once

#include <memory>
#include <string>

#include "core/module.h"
#include "core/published.h"
#include "proxy/proxy.h"
#include "telemetry/registry.h"
#include "telemetry/traffic_stats.h"

namespace ew::tls {
class CertificateStore;
}

namespace ew::metrics {

struct BuildInfo {
  std::string version;
  std::string commit;
  std::string build_date;
};

struct MetricsWiring {
  std::shared_ptr<telemetry::MetricsRegistry> registry;
  std::shared_ptr<const telemetry::TrafficStats> traffic;  // the server's counters
  std::shared_ptr<proxy::ProxyRegistry> proxies;
  // HTTPS's certificates, once the server opened them: reloads and each one's expiry.
  std::shared_ptr<Published<tls::CertificateStore>> certificates;
  BuildInfo build;
};

ModulePtr make_metrics_module(MetricsWiring wiring);

}  // namespace ew::metrics
