#include "proxy/proxy.h"

#include "proxy/proxy_handler.h"

namespace ew::proxy {

std::vector<UpstreamRef> upstreams_of(const proxy::ProxyRegistry& registry) {
  std::vector<UpstreamRef> out;
  for (const auto& route : registry.routes()) {
    for (const auto& upstream : route->pool().upstreams()) {
      out.push_back({route->config().prefix, upstream.get()});
    }
  }
  return out;
}

}  // namespace ew::proxy
