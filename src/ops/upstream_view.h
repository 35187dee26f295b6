// Read access to the gateway's upstreams without the gateway's Asio-heavy headers: the metrics,
// readiness and alert code see each upstream with the route it belongs to.
#pragma once

#include <string>
#include <vector>

namespace ew::proxy {
class ProxyRegistry;
class Upstream;
}  // namespace ew::proxy

namespace ew::ops {

struct UpstreamRef {
  std::string route;                    // the [[proxy]] prefix, "/api/"
  proxy::Upstream* upstream = nullptr;  // lives as long as the registry
};

// Every upstream of every route, in configuration order. Empty before the proxy module started.
std::vector<UpstreamRef> upstreams_of(const proxy::ProxyRegistry& registry);

}  // namespace ew::ops
