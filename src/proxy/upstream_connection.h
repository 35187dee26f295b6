// Opening a connection to an upstream: plain, or TLS for an https:// upstream (verified against
// the system's or a configured CA, with SNI), through the byte-stream layer.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "net/byte_stream.h"
#include "proxy/upstream.h"

namespace ew::proxy {

// Connects `stream` (made from an executor) to the upstream, and completes its TLS handshake
// when it speaks https. `timed_out` is set by whoever enforces the deadline (by closing the
// stream), so that a lookup that finished late does not start a connection.
boost::asio::awaitable<boost::system::error_code> open_upstream(ew::net::ByteStream& stream,
                                                                const Upstream& upstream,
                                                                const bool& timed_out);

}  // namespace ew::proxy
