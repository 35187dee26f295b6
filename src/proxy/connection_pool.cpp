#include "proxy/connection_pool.h"

namespace ew::proxy {
namespace {

// An idle upstream connection is only worth reusing when the peer has not closed it and has
// not sent anything unasked (which would corrupt the next response; on TLS that includes a
// close_notify, so such a connection is dropped too).
bool still_open(const ew::net::ByteStream& stream) {
  return stream.peek() == Peeked::kNothing;
}

}  // namespace

ConnectionPool& ConnectionPool::local() {
  thread_local ConnectionPool pool;
  return pool;
}

std::optional<ew::net::ByteStream> ConnectionPool::take(const Upstream* upstream) {
  auto it = idle_.find(upstream);
  if (it == idle_.end()) return std::nullopt;
  auto& streams = it->second;
  while (!streams.empty()) {
    ew::net::ByteStream stream = std::move(streams.back());
    streams.pop_back();
    if (still_open(stream)) return stream;
  }
  return std::nullopt;
}

void ConnectionPool::put(const Upstream* upstream, ew::net::ByteStream stream, std::size_t limit) {
  auto& streams = idle_[upstream];
  if (streams.size() >= limit) return;  // the stream closes as it goes out of scope
  streams.push_back(std::move(stream));
}

}  // namespace ew::proxy
