// The families edgewatch itself knows: build information, the process, HTTP traffic
// (traffic_stats.h) and the gateway's upstreams.
#pragma once

#include <cstdint>
#include <string>

#include "metrics/metrics.h"
#include "telemetry/prometheus.h"

namespace ew::metrics {

// edgewatch_build_info{version,commit,build_date} 1, process start time and uptime.
void write_build_info(telemetry::MetricWriter& w, const BuildInfo& info, double start_time_seconds);

// edgewatch_http_*: requests by route and status class, duration histograms, in flight, open
// and accepted connections.
void write_traffic(telemetry::MetricWriter& w, const telemetry::TrafficStats& stats);

// edgewatch_upstream_*: per route and upstream.
void write_upstreams(telemetry::MetricWriter& w, const proxy::ProxyRegistry& registry);

}  // namespace ew::metrics
