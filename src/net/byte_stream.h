// The byte-stream layer: one connection, plain TCP or TLS, behind one type. The server's
// HTTP/1.1 session, the gateway's upstream connections and the WebSocket tunnel all read and
// write through it, so that TLS is one branch here instead of a second copy of each of them
// (the shape of Beast's advanced_server_flex example, without its templates: one branch per
// operation costs less than compiling every session twice, and keeps a plain stream at the
// size of its socket plus one pointer).
//
// Plain streams keep their fast paths: non-blocking writes that skip the event loop, sendfile(2),
// the FIN peek and the read hints of read_hints.h. A TLS stream answers "not now" to the
// immediate operations (the caller falls back to the asynchronous path, which is correct if
// slower) and peeks at the TCP socket under the TLS records, which still sees a FIN.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/peek.h"

namespace ew::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class ByteStream {
 public:
  using executor_type = tcp::socket::executor_type;
  using TlsStream = asio::ssl::stream<tcp::socket>;

  ByteStream() = delete;
  // A plain TCP stream.
  explicit ByteStream(tcp::socket socket);
  // A stream not yet connected (see connect()).
  explicit ByteStream(const executor_type& executor);
  // A TLS stream over `socket`, as a server (accepting) or a client (connecting). `context`
  // must stay alive as long as the stream: `owner` keeps it (and whatever else the handshake's
  // callbacks use, such as the certificates chosen by SNI) for the stream's life.
  enum class Role : std::uint8_t { kServer, kClient };
  ByteStream(tcp::socket socket, asio::ssl::context& context, Role role,
             std::shared_ptr<const void> owner);
  ByteStream(ByteStream&&) noexcept = default;
  ByteStream& operator=(ByteStream&&) noexcept = default;
  ~ByteStream();

  executor_type get_executor() { return socket().get_executor(); }
  bool secure() const { return tls_ != nullptr; }

  // The AsyncReadStream and AsyncWriteStream contracts, for Asio's and Beast's composed
  // operations. Both branches yield the same completion signature, so any token works.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
    return plain_.async_write_some(buffers, std::forward<Token>(token));
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
  // would_block. A TLS stream always answers would_block: use async_write.
  template <class ConstBuffers>
  std::size_t write_now(const ConstBuffers& buffers, error_code& ec) {
    if (tls_) {
      ec = asio::error::would_block;
      return 0;
    }
    return plain_.write_some(buffers, ec);
  }
  // The same, reading.
  template <class MutableBuffers>
  std::size_t read_now(const MutableBuffers& buffers, error_code& ec) {
    if (tls_) {
      ec = asio::error::would_block;
      return 0;
    }
    return plain_.read_some(buffers, ec);
  }
  // Writes the head with MSG_MORE, so that it leaves in one segment with the sendfile(2) that
  // follows. Plain streams only (see can_sendfile()).
  template <class ConstBuffers>
  std::size_t write_now_more(const ConstBuffers& buffers, error_code& ec) {
    return plain_.send(buffers, MSG_MORE, ec);
  }
  bool can_sendfile() const { return tls_ == nullptr; }
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
    socket().async_wait(tcp::socket::wait_read, std::forward<Handler>(handler));
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
  bool is_open() const;

  // The peer's address ("" when unknown).
  std::string remote_address() const;
  // Whether the stream's socket was put in non-blocking mode (needed by the *_now operations).
  void set_non_blocking();
  void set_no_delay();

 private:
  bool prepare_client(std::string_view host, bool verify);
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  const tcp::socket& socket() const { return tls_ ? tls_->next_layer() : plain_; }

  // A plain stream's socket; for TLS it is moved into tls_ and stays empty.
  tcp::socket plain_;
  std::unique_ptr<TlsStream> tls_;
  std::shared_ptr<const void> owner_;
  Role role_ = Role::kServer;
};

}  // namespace ew::net
