// The /api/ gateway: the [[proxy]] routes, each a path prefix, a pool of upstreams and the
// gateway's policies (timeouts, retries, circuit breaking, streaming, WebSocket tunnels). Other
// modules see the running upstreams through ProxyRegistry and upstreams_of(): their health,
// circuit state and counters (upstream.h, plain C++ without the gateway's Asio headers).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/module.h"
#include "proxy/upstream.h"

namespace ew::proxy {

class ProxyHandler;

// The running routes, filled by the proxy module at start and read by metrics, readiness, the
// alert rules and the dashboard.
class ProxyRegistry {
 public:
  const std::vector<std::shared_ptr<ProxyHandler>>& routes() const { return routes_; }
  void add(std::shared_ptr<ProxyHandler> route) { routes_.push_back(std::move(route)); }

 private:
  std::vector<std::shared_ptr<ProxyHandler>> routes_;
};

struct UpstreamRef {
  std::string route;         // the [[proxy]] prefix, "/api/"
  const Upstream* upstream;  // lives as long as the registry
};

// Every upstream of every route, in configuration order. Empty before the proxy module started.
std::vector<UpstreamRef> upstreams_of(const ProxyRegistry& registry);

ModulePtr make_proxy_module(std::shared_ptr<ProxyRegistry> registry);

}  // namespace ew::proxy
