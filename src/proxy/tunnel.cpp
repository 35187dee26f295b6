#include "proxy/tunnel.h"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "net/with_ec.h"

namespace ew::proxy {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using ew::net::ByteStream;

struct Shared {
  std::chrono::steady_clock::time_point& deadline;
  std::chrono::milliseconds idle_timeout;
  bool failed = false;

  void touch() { deadline = std::chrono::steady_clock::now() + idle_timeout; }
};

// Bytes each direction reads into a buffer of its own while it waits. A pending read costs no
// system call to arm (the socket stays registered with epoll), where waiting for readability
// re-arms it with epoll_ctl every time: one system call per message saved, for 2 x 256 bytes of
// memory per tunnel. A message that does not fit is completed from the per-thread scratch buffer.
constexpr std::size_t kFirstRead = 256;

// Moves bytes from `from` to `to` until `from` ends. Returns the bytes moved.
asio::awaitable<std::uint64_t> pump(ByteStream& from, ByteStream& to, Shared& shared) {
  thread_local std::array<char, 65536> scratch;
  std::array<char, kFirstRead> first;
  std::uint64_t moved = 0;
  // The first read looks at the socket directly: what arrived with the request that opened the
  // tunnel, a FIN above all, may never be announced by another epoll event (see read_hints.h).
  bool look_first = true;
  for (;;) {
    error_code ec;
    std::size_t n = 0;
    if (std::exchange(look_first, false)) {
      n = from.read_now(asio::buffer(first), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
    }
    if (n == 0 && !ec) n = co_await from.async_read_some(asio::buffer(first), with_ec(ec));
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      // A clean end: pass the half-close on, and let the other direction finish.
      to.shutdown_send();
      co_return moved;
    }
    if (ec || shared.failed) break;
    std::size_t more = 0;
    if (n == first.size()) {
      more = from.read_now(asio::buffer(scratch), ec);
      // Nothing more yet, or the end (seen again by the next read): send what there is.
      if (ec == asio::error::would_block || ec == asio::error::try_again ||
          ec == asio::error::eof) {
        ec = {};
        more = 0;
      }
      if (ec) break;
    }
    shared.touch();
    // The scratch buffer is shared by the thread: copy out before any suspension.
    std::array<asio::const_buffer, 2> out{asio::buffer(first.data(), n),
                                          asio::buffer(scratch.data(), more)};
    std::size_t written = to.write_now(out, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec) break;
    if (written < n + more) {
      std::string rest;
      rest.reserve(n + more - written);
      if (written < n) rest.append(first.data() + written, n - written);
      std::size_t from_scratch = written > n ? written - n : 0;
      rest.append(scratch.data() + from_scratch, more - from_scratch);
      co_await asio::async_write(to, asio::buffer(rest), with_ec(ec));
      if (ec) break;
    }
    moved += n + more;
  }
  shared.failed = true;
  from.close();
  to.close();
  co_return moved;
}

// Sends what was read ahead, then frees the buffer: an idle tunnel holds no buffer of its own
// (the pumps share a per-thread scratch one), which is most of what 10,000 idle WebSockets cost.
asio::awaitable<void> flush_pending(boost::beast::flat_buffer& pending, ByteStream& to,
                                    error_code& ec) {
  if (pending.size() != 0) {
    co_await asio::async_write(to, pending.data(), with_ec(ec));
    pending.consume(pending.size());
  }
  pending.shrink_to_fit();
}

asio::awaitable<void> flush_pending(std::string pending, ByteStream& to, error_code& ec) {
  if (!pending.empty()) co_await asio::async_write(to, asio::buffer(pending), with_ec(ec));
}

}  // namespace

asio::awaitable<TunnelStats> tunnel(ByteStream& a, std::string a_pending, ByteStream& b,
                                    boost::beast::flat_buffer& b_pending,
                                    std::chrono::steady_clock::time_point& deadline,
                                    std::chrono::milliseconds idle_timeout) {
  TunnelStats stats;
  Shared shared{deadline, idle_timeout};
  error_code ec;
  // a_pending holds bytes read from a (for b), b_pending bytes read from b (for a).
  co_await flush_pending(std::move(a_pending), b, ec);
  if (!ec) co_await flush_pending(b_pending, a, ec);
  if (ec) co_return stats;
  a.set_non_blocking();
  b.set_non_blocking();
  shared.touch();

  // b -> a runs alongside; a -> b runs here; the tunnel ends when both have.
  asio::steady_timer done(a.get_executor(), std::chrono::steady_clock::time_point::max());
  bool other_finished = false;
  asio::co_spawn(
      a.get_executor(),
      [&]() -> asio::awaitable<void> {
        stats.to_a = co_await pump(b, a, shared);
        other_finished = true;
        done.cancel();
      },
      asio::detached);
  stats.to_b = co_await pump(a, b, shared);
  while (!other_finished) {
    error_code wait_ec;
    co_await done.async_wait(with_ec(wait_ec));
  }
  deadline = std::chrono::steady_clock::time_point::max();
  co_return stats;
}

}  // namespace ew::proxy
