// Idle keep-alive connections to upstreams, per worker thread (each worker runs one
// io_context, so a thread-local pool never shares a socket across event loops).
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ew::proxy {

class Upstream;

class ConnectionPool {
 public:
  static ConnectionPool& local();

  // A pooled connection that still looks alive, or nullopt.
  std::optional<boost::asio::ip::tcp::socket> take(const Upstream* upstream);
  // Keeps the connection for reuse unless the pool for this upstream is full.
  void put(const Upstream* upstream, boost::asio::ip::tcp::socket socket, std::size_t limit);

 private:
  std::unordered_map<const Upstream*, std::vector<boost::asio::ip::tcp::socket>> idle_;
};

}  // namespace ew::proxy
