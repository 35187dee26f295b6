// The /api/ gateway as a stream handler (net/exchange.h): it reads the request body and writes
// the answer piece by piece, so request and response bodies stream through without being held
// whole, whatever protocol the client speaks.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "net/exchange.h"
#include "proxy/upstream.h"

namespace ew::proxy {

struct RouteConfig {
  std::string name;  // route label for metrics: the prefix
  std::string prefix = "/api/";
  std::string rewrite = "/";  // what replaces the prefix
  std::string host_header;    // Host sent upstream; empty = the client's
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds send_timeout{60'000};
  std::chrono::milliseconds read_timeout{60'000};  // silence, not stream length
  std::chrono::milliseconds websocket_idle_timeout{std::chrono::hours(2)};
  std::uint64_t max_body_size = 100 * 1024 * 1024;
  int retries = 2;
  std::size_t max_idle_per_upstream = 64;  // pooled keep-alive connections, per worker
};

class ProxyHandler final : public StreamHandler {
 public:
  ProxyHandler(RouteConfig config, std::shared_ptr<Pool> pool, std::shared_ptr<RetryBudget> budget);
  boost::asio::awaitable<void> serve(StreamExchange& exchange) override;

  const RouteConfig& config() const { return config_; }
  Pool& pool() { return *pool_; }

 private:
  RouteConfig config_;
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<RetryBudget> budget_;
};

}  // namespace ew::proxy
