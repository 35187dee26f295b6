// The families edgewatch itself knows: build information, the process, HTTP traffic
// (traffic_stats.h) and the gateway's upstreams.
#pragma once

#include <cstdint>
#include <string>

#include "core/traffic_stats.h"
#include "ops/prometheus.h"

namespace ew::proxy {
class ProxyRegistry;
}

namespace ew::metrics {

struct BuildInfo {
  std::string version;
  std::string commit;
  std::string build_date;
};

// edgewatch_build_info{version,commit,build_date} 1, process start time and uptime.
void write_build_info(ops::MetricWriter& w, const BuildInfo& info, double start_time_seconds);

// edgewatch_http_*: requests by route and status class, duration histograms, in flight, open
// and accepted connections.
void write_traffic(ops::MetricWriter& w, const TrafficStats& stats);

// edgewatch_upstream_*: per route and upstream.
void write_upstreams(ops::MetricWriter& w, const proxy::ProxyRegistry& registry);

}  // namespace ew::metrics
