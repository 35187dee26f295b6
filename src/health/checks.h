// The readiness checks, each a blocking call made from the readiness thread, never from a
// worker: storage (a write and a read), free disk space, an upstream's HTTP health path and its
// WebSocket handshake. Each returns the seed's HealthCheckResult.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "health/health.h"
#include "storage/storage.h"

namespace ew::health {

// The storage module's own probe when it registered one; otherwise a file is written to,
// read back from and removed from `data_dir`.
ServiceHealth check_storage(const storage::Probe* probe, const std::string& data_dir);

// Unhealthy below `min_free` bytes available to edgewatch, degraded below `warn_free`.
ServiceHealth check_disk(const std::string& dir, std::uint64_t warn_free, std::uint64_t min_free);

// The HTTPS certificates being served: degraded when one expires within `warn_within` (or has
// expired: browsers refuse it, but every replica likely serves the same one, so readiness does
// not take the node out of rotation for it).
struct CertificateExpiry {
  std::string file;
  std::int64_t not_after = 0;  // Unix seconds
};
ServiceHealth check_certificates(const std::vector<CertificateExpiry>& certificates,
                                 std::chrono::seconds warn_within, std::int64_t now_seconds);

// One upstream as readiness sees it.
struct UpstreamTarget {
  std::string route;  // "/api/"
  std::string url;    // as configured: "http://127.0.0.1:8004"
  std::string host;
  std::uint16_t port = 0;
  std::string health_path;      // "/health"; empty: the gateway's own health state is reported
  bool gateway_healthy = true;  // the gateway's active health state
  bool circuit_open = false;    // the gateway's circuit breaker ejected it
};

// GET health_path: healthy on 2xx/3xx, degraded when it answers but the gateway's circuit is
// open, unhealthy otherwise.
ServiceHealth check_upstream(const UpstreamTarget& target, std::chrono::milliseconds timeout);

// The WebSocket opening handshake against ws://host:port<path>: healthy on 101 with the right
// accept key, unhealthy otherwise.
ServiceHealth check_websocket(const UpstreamTarget& target, const std::string& path,
                              std::chrono::milliseconds timeout);

// One entry per route ("route /api/", kind "route"): unhealthy when none of its upstreams is
// usable (each fails its check, is marked down by the gateway's health checks, or is ejected by
// its circuit breaker), degraded when some are not, healthy otherwise.
std::vector<ServiceHealth> route_health(const std::vector<ServiceHealth>& services,
                                        const std::vector<UpstreamTarget>& targets);

// The overall status: storage and disk count as they are; a route counts as route_health says
// (unhealthy only when no upstream is usable, since the gateway otherwise still has somewhere
// to send requests), and the WebSocket checks of one route as unhealthy only when all are.
HealthStatus overall_status(const std::vector<ServiceHealth>& services,
                            const std::vector<UpstreamTarget>& targets);

// True for checks of what lies behind the gateway (routes, upstreams, their WebSockets), as
// opposed to edgewatch's own storage and disk.
bool behind_gateway(const ServiceHealth& service);

// The HTTP status of /health/ready: 503 when edgewatch itself is unhealthy; when only what lies
// behind the gateway is, `upstream_down_status` (200 by default: the edge still serves its
// static files and answers the API with JSON errors, so taking it out of a load balancer would
// only make things worse).
int readiness_http_status(const HealthReport& report, int upstream_down_status);

// Service names used in reports and history.
std::string upstream_service(const UpstreamTarget& target);
std::string websocket_service(const UpstreamTarget& target);

}  // namespace ew::health
