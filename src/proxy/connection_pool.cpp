#include "proxy/connection_pool.h"

#include "net/peek.h"

namespace ew::proxy {
namespace {

// An idle upstream connection is only worth reusing when the peer has not closed it and has
// not sent anything unasked (which would corrupt the next response).
bool still_open(boost::asio::ip::tcp::socket& socket) {
  return peek_peer(socket.native_handle()) == Peeked::kNothing;
}

}  // namespace

ConnectionPool& ConnectionPool::local() {
  thread_local ConnectionPool pool;
  return pool;
}

std::optional<boost::asio::ip::tcp::socket> ConnectionPool::take(const Upstream* upstream) {
  auto it = idle_.find(upstream);
  if (it == idle_.end()) return std::nullopt;
  auto& sockets = it->second;
  while (!sockets.empty()) {
    boost::asio::ip::tcp::socket socket = std::move(sockets.back());
    sockets.pop_back();
    if (still_open(socket)) return socket;
  }
  return std::nullopt;
}

void ConnectionPool::put(const Upstream* upstream, boost::asio::ip::tcp::socket socket,
                         std::size_t limit) {
  auto& sockets = idle_[upstream];
  if (sockets.size() >= limit) return;  // the socket closes as it goes out of scope
  sockets.push_back(std::move(socket));
}

}  // namespace ew::proxy
