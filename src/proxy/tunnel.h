// A full-duplex byte tunnel, for WebSockets after the 101: frames (pings and pongs included)
// pass through untouched. Each direction waits with a read into 256 bytes of its own and
// completes larger messages from a per-thread scratch buffer, so ten thousand quiet WebSockets
// cost little more than their sockets.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "net/byte_stream.h"

namespace ew::proxy {

struct TunnelStats {
  std::uint64_t to_a = 0;  // bytes delivered to a
  std::uint64_t to_b = 0;  // bytes delivered to b
};

// Relays until both directions finished or either failed. Bytes already read from a side
// (past an HTTP header) are delivered first. Each read moves `deadline` to now +
// idle_timeout; the caller enforces it (the server's sweep), by closing either stream, which
// ends the tunnel: no timer of its own per tunnel.
boost::asio::awaitable<TunnelStats> tunnel(ew::net::ByteStream& a, std::string a_pending,
                                           ew::net::ByteStream& b,
                                           boost::beast::flat_buffer& b_pending,
                                           std::chrono::steady_clock::time_point& deadline,
                                           std::chrono::milliseconds idle_timeout);

}  // namespace ew::proxy
