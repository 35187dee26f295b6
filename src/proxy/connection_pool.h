// Idle keep-alive connections to upstreams, per worker thread (each worker runs one
// io_context, so a thread-local pool never shares a connection across event loops). The pool
// holds byte streams, plain or TLS alike.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "net/byte_stream.h"

namespace ew::proxy {

class Upstream;

class ConnectionPool {
 public:
  static ConnectionPool& local();

  // A pooled connection that still looks alive, or nullopt.
  std::optional<ew::net::ByteStream> take(const Upstream* upstream);
  // Keeps the connection for reuse unless the pool for this upstream is full.
  void put(const Upstream* upstream, ew::net::ByteStream stream, std::size_t limit);

 private:
  std::unordered_map<const Upstream*, std::vector<ew::net::ByteStream>> idle_;
};

}  // namespace ew::proxy
