#include "proxy/upstream_connection.h"

#include <boost/asio/error.hpp>

namespace ew::proxy {

boost::asio::awaitable<boost::system::error_code> open_upstream(ew::net::ByteStream& stream,
                                                                const Upstream& upstream,
                                                                const bool& timed_out) {
  boost::system::error_code ec = co_await stream.connect(upstream.host(), upstream.port());
  if (!ec && timed_out) ec = boost::asio::error::timed_out;
  if (ec) co_return ec;
  stream.set_no_delay();
  stream.set_non_blocking();  // for the immediate writes of the fast path
  const UpstreamTls& tls = upstream.tls();
  if (!tls.enabled) co_return ec;
  if (!stream.start_tls_client(*tls.context, tls.context, upstream.host(), tls.verify)) {
    co_return boost::asio::error::invalid_argument;
  }
  co_return co_await stream.handshake();
}

}  // namespace ew::proxy
