// The [[proxy]] routes: each a path prefix, a pool of upstreams and the gateway's policies.
#pragma once

#include <memory>
#include <vector>

#include "core/module.h"

namespace ew::proxy {

class ProxyHandler;

// Read access to the running routes, for the metrics and readiness modules.
class ProxyRegistry {
 public:
  const std::vector<std::shared_ptr<ProxyHandler>>& routes() const { return routes_; }
  void add(std::shared_ptr<ProxyHandler> route) { routes_.push_back(std::move(route)); }

 private:
  std::vector<std::shared_ptr<ProxyHandler>> routes_;
};

ModulePtr make_proxy_module(std::shared_ptr<ProxyRegistry> registry);

}  // namespace ew::proxy
