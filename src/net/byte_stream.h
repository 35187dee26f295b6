// The byte-stream layer: one connection, plain TCP or TLS, behind one type. The server's
// HTTP/1.1 session, the gateway's upstream connections and the WebSocket tunnel all read and
// write through it, so that TLS is one branch here instead of a second copy of each of them
// (the shape of Beast's advanced_server_flex example, without its templates: one branch per
// operation costs less than compiling every session twice, and keeps a plain stream at the
// size of its socket plus two pointers).
//
// TLS runs OpenSSL straight on the socket (SSL_set_fd), the way nginx and h2o do, rather than
// through Asio's ssl::stream and its memory BIO pair: no copy of every record, and a write
// that the socket takes at once completes at once, without a trip through the event loop. Only
// waiting goes through Asio: for readability or writability, as OpenSSL asks.
//
// Plain streams keep their fast paths: sendfile(2), the FIN peek and the read hints of
// read_hints.h. Over TLS the immediate operations (read_now, write_now) work too; sendfile does
// not (no kernel TLS), and peek() looks at the TCP socket under the records, which still sees a
// FIN.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <openssl/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "net/peek.h"
#include "net/read_hints.h"

namespace boost::asio::ssl {
class context;
}

namespace ew::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class ByteStream {
 public:
  using executor_type = tcp::socket::executor_type;

  ByteStream() = delete;
  // A plain TCP stream.
  explicit ByteStream(tcp::socket socket);
  // A stream not yet connected (see connect()).
  explicit ByteStream(const executor_type& executor);
  // A TLS stream over `socket`, as a server (accepting). `context` must stay alive as long as
  // the stream: `owner` keeps it (and whatever else the handshake's callbacks use, such as the
  // certificates chosen by SNI) for the stream's life.
  ByteStream(tcp::socket socket, asio::ssl::context& context, std::shared_ptr<const void> owner);
  ByteStream(ByteStream&& other) noexcept;
  ByteStream& operator=(ByteStream&& other) noexcept;
  ~ByteStream();

  executor_type get_executor() { return socket_.get_executor(); }
  bool secure() const { return ssl_ != nullptr; }

  // The AsyncReadStream and AsyncWriteStream contracts, for Asio's and Beast's composed
  // operations.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (!ssl_) return socket_.async_read_some(buffers, std::forward<Token>(token));
    return asio::async_compose<Token, void(error_code, std::size_t)>(
        TlsOp{this, first_buffer(buffers), {}, /*read=*/true}, token, socket_);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (!ssl_) return socket_.async_write_some(buffers, std::forward<Token>(token));
    // One buffer at a time: a write that must wait keeps its bytes (TlsState), and the
    // caller's next write starts with the same bytes.
    return asio::async_compose<Token, void(error_code, std::size_t)>(
        TlsOp{this, {}, first_buffer(buffers), /*read=*/false}, token, socket_);
  }

  // Connects a stream made from an executor: `host` is an address (connected at once) or a name
  // (looked up first). Closing the stream ends the wait for the connection, not the lookup.
  asio::awaitable<error_code> connect(const std::string& host, std::uint16_t port);
  // Turns a connected plain stream into a TLS client stream, before its handshake(): SNI for a
  // name, and the name or address the certificate must carry when `verify`. False when that
  // could not be set up (then the stream must not be used).
  bool start_tls_client(asio::ssl::context& context, std::shared_ptr<const void> owner,
                        std::string_view host, bool verify);

  // Completes the TLS handshake (a no-op on a plain stream). Bounded by the caller's deadline,
  // which closes the stream.
  asio::awaitable<error_code> handshake();
  // The protocol ALPN chose, "" when none (or plain).
  std::string_view alpn() const;

  // Writes what the socket takes at once, without waiting: the bytes written, or 0 with
  // would_block.
  template <class ConstBuffers>
  std::size_t write_now(const ConstBuffers& buffers, error_code& ec) {
    if (!ssl_) return socket_.write_some(buffers, ec);
    return tls_write(gather(buffers), ec);
  }
  // What write_at_once() leaves for an asynchronous write.
  using Rest = boost::beast::buffers_suffix<std::span<const asio::const_buffer>>;
  // Writes what the socket takes at once, without a trip through the event loop (an
  // asynchronous write costs one even when the kernel takes every byte, the usual case for a
  // token or a small answer). True when that settled it (all sent, or an error in `ec`);
  // otherwise `rest` holds what the caller must still write with async_write.
  bool write_at_once(std::span<const asio::const_buffer> buffers, std::optional<Rest>& rest,
                     error_code& ec);
  // The same, reading.
  template <class MutableBuffers>
  std::size_t read_now(const MutableBuffers& buffers, error_code& ec) {
    if (!ssl_) return socket_.read_some(buffers, ec);
    return tls_read(first_buffer(buffers), ec);
  }
  // Writes the head with MSG_MORE, so that it leaves in one segment with the sendfile(2) that
  // follows. Plain streams only (see can_sendfile()).
  template <class ConstBuffers>
  std::size_t write_now_more(const ConstBuffers& buffers, error_code& ec) {
    return socket_.send(buffers, MSG_MORE, ec);
  }
  bool can_sendfile() const { return ssl_ == nullptr; }
  // sendfile(2) of up to `count` bytes of `fd` at `offset` (advanced); plain streams only.
  // Returns the bytes sent, 0 with would_block when the socket is full.
  std::size_t sendfile_now(int fd, std::int64_t& offset, std::size_t count, error_code& ec);
  // Waits until the socket can take more bytes (for sendfile).
  asio::awaitable<error_code> wait_writable();
  // The first byte the peer sent, left unread; nullopt when it closed instead.
  std::optional<unsigned char> peek_byte() const;
  // Writes bytes on the TCP socket itself, under any TLS, without waiting (what does not fit is
  // dropped): for the plain-text answer to plain HTTP sent to a TLS port.
  void write_plain_now(std::string_view bytes);
  // Waits until the peer sends something or closes.
  asio::awaitable<void> wait_readable(error_code& ec);
  // Waits until the peer sends something or closes (bytes, TLS records or a FIN).
  template <class Handler>
  void async_wait_readable(Handler&& handler) {
    socket_.async_wait(tcp::socket::wait_read, std::forward<Handler>(handler));
  }

  // What the peer left in the socket, without consuming it. On TLS, kData may be a TLS record
  // with nothing for the application; kClosed is a FIN either way.
  Peeked peek() const;

  // Cancels pending operations; they complete with operation_aborted.
  void cancel();
  // Ends our sending side after what is queued (a TCP half-close; on TLS without close_notify,
  // see close_gracefully()).
  void shutdown_send();
  // On TLS, sends close_notify first (bounded by the caller's deadline), then closes.
  asio::awaitable<void> close_gracefully();
  void close();
  bool is_open() const { return socket_.is_open(); }

  // The peer's address ("" when unknown).
  std::string remote_address() const;
  void set_non_blocking();
  void set_no_delay();

  // What the TLS side keeps at a fixed address: the socket BIO points at it, and the stream
  // moves. Public only for OpenSSL's C callbacks.
  struct TlsState {
    int fd = -1;
    bool drained = false;  // the last read from the socket emptied it
    char readiness_byte = 0;
    // The bytes of a TLS write that had to wait: OpenSSL must be given them again (it has
    // already encrypted their record), and the caller's retry starts with them.
    std::string pending_write;
  };

 private:
  // What OpenSSL needs before an operation can go on.
  enum class Want : std::uint8_t { kNothing, kRead, kWrite };

  // One TLS read or write as an Asio composed operation: try, and on WANT_READ/WANT_WRITE wait
  // for the socket and try again. An attempt that succeeds at once is delivered through a post,
  // as Asio's rules for initiating functions ask.
  struct TlsOp {
    ByteStream* stream;
    asio::mutable_buffer into;
    asio::const_buffer from;
    bool read;
    bool waited = false;
    bool delivering = false;
    error_code result = {};
    std::size_t bytes = 0;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      if (delivering) return self.complete(result, bytes);
      if (ec) return self.complete(ec, 0);
      Want want = read ? stream->tls_read_step(into, bytes, result)
                       : stream->tls_write_step(from, bytes, result);
      if (want == Want::kNothing) {
        if (waited) return self.complete(result, bytes);
        delivering = true;
        asio::post(std::move(self));
        return;
      }
      waited = true;
      stream->socket_.async_wait(
          want == Want::kRead ? tcp::socket::wait_read : tcp::socket::wait_write, std::move(self));
    }
  };

  template <class Buffers>
  static auto first_buffer(const Buffers& buffers) {
    using Buffer = std::conditional_t<asio::is_mutable_buffer_sequence<Buffers>::value,
                                      asio::mutable_buffer, asio::const_buffer>;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      Buffer b(*it);
      if (b.size() > 0) return b;
    }
    return Buffer();
  }
  // The buffers as one: the first when it is the only non-empty one, else copied (up to one
  // TLS record) into a per-thread scratch buffer, so that a head and a small body go out in one
  // record.
  template <class ConstBuffers>
  static asio::const_buffer gather(const ConstBuffers& buffers) {
    std::size_t count = 0;
    asio::const_buffer only;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (++count == 1) only = b;
    }
    if (count <= 1) return only;
    char* scratch = gather_scratch();
    std::size_t used = 0;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && used < kGatherLimit; ++it) {
      asio::const_buffer b(*it);
      used += asio::buffer_copy(asio::buffer(scratch + used, kGatherLimit - used), b);
    }
    return asio::const_buffer(scratch, used);
  }
  static constexpr std::size_t kGatherLimit = 16384;  // one TLS record
  static char* gather_scratch();

  bool tls_read_drained() const;
  asio::mutable_buffer readiness_buffer() { return asio::buffer(&tls_state_->readiness_byte, 1); }

  Want tls_read_step(asio::mutable_buffer into, std::size_t& bytes, error_code& ec);
  Want tls_write_step(asio::const_buffer from, std::size_t& bytes, error_code& ec);
  std::size_t tls_read(asio::mutable_buffer into, error_code& ec);
  std::size_t tls_write(asio::const_buffer from, error_code& ec);
  // OpenSSL's answer to an operation as what it waits for, with `ec` set when it failed.
  Want classify(int result, error_code& ec);
  void attach_tls(asio::ssl::context& context, std::shared_ptr<const void> owner);

  tcp::socket socket_;
  SSL* ssl_ = nullptr;  // owned; null for a plain stream
  std::unique_ptr<TlsState> tls_state_;
  std::shared_ptr<const void> owner_;
};

}  // namespace ew::net
