// Readiness: GET /health/ready answers the seed's SystemHealth from checks that run in the
// background on an interval (storage write and read, free disk, each upstream's health path
// and WebSocket handshake): 200 when healthy or degraded, 503 when unhealthy. Changes of state
// are logged, counted and kept as history; GET /_edgewatch/api/health/history (admin bearer
// token) gives uptime percentages over 24 hours, 7 days and 30 days per service.
// /health stays the cheap liveness answer (health_module.h).
#pragma once

#include <memory>
#include <string>

#include "core/module.h"
#include "ops/hub.h"

namespace ew::proxy {
class ProxyRegistry;
}

namespace ew {

ModulePtr make_readiness_module(std::shared_ptr<ops::Hub> hub,
                                std::shared_ptr<proxy::ProxyRegistry> proxies, std::string version);

}  // namespace ew
