#include "net/byte_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>

#include "net/with_ec.h"
#include "tls/client_tls.h"

namespace ew::net {

ByteStream::ByteStream(tcp::socket socket) : socket_(std::move(socket)) {}

ByteStream::ByteStream(const executor_type& executor) : socket_(executor) {}

ByteStream::ByteStream(tcp::socket socket, asio::ssl::context& context,
                       std::shared_ptr<const void> owner)
    : socket_(std::move(socket)) {
  attach_tls(context, std::move(owner));
  SSL_set_accept_state(ssl_);
}

ByteStream::ByteStream(ByteStream&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      owner_(std::move(other.owner_)),
      pending_write_(std::move(other.pending_write_)) {}

ByteStream& ByteStream::operator=(ByteStream&& other) noexcept {
  if (this == &other) return *this;
  if (ssl_ != nullptr) SSL_free(ssl_);
  socket_ = std::move(other.socket_);
  ssl_ = std::exchange(other.ssl_, nullptr);
  owner_ = std::move(other.owner_);
  pending_write_ = std::move(other.pending_write_);
  return *this;
}

ByteStream::~ByteStream() {
  // Before the socket closes: SSL_free never writes to it.
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void ByteStream::attach_tls(asio::ssl::context& context, std::shared_ptr<const void> owner) {
  ssl_ = SSL_new(context.native_handle());
  SSL_set_fd(ssl_, socket_.native_handle());
  // Partial writes: a write returns once a record is out, as a socket write would. Moving write
  // buffer: a write that waited may be retried from another address with the same bytes.
  // Released buffers: an idle connection (a quiet WebSocket) holds no record buffers.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS);
  // One read(2) takes whatever has arrived, not a record header and then its body: half the
  // system calls per request. Every read asks OpenSSL first, so nothing buffered is missed.
  SSL_set_read_ahead(ssl_, 1);
  owner_ = std::move(owner);
}

asio::awaitable<error_code> ByteStream::connect(const std::string& host, std::uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    // An address needs no lookup: connect at once, without the resolver thread's round trip.
    co_await socket_.async_connect(tcp::endpoint(address, port), with_ec(ec));
    co_return ec;
  }
  ec = {};
  tcp::resolver resolver(socket_.get_executor());
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), with_ec(ec));
  if (ec) co_return ec;
  for (const auto& entry : endpoints) {
    error_code ignored;
    if (socket_.is_open()) socket_.close(ignored);
    ec = {};
    co_await socket_.async_connect(entry.endpoint(), with_ec(ec));
    if (!ec) co_return ec;
  }
  co_return ec ? ec : error_code(asio::error::host_not_found);
}

bool ByteStream::start_tls_client(asio::ssl::context& context, std::shared_ptr<const void> owner,
                                  std::string_view host, bool verify) {
  attach_tls(context, std::move(owner));
  SSL_set_connect_state(ssl_);
  return tls::prepare_client(ssl_, host, verify);
}

ByteStream::Want ByteStream::classify(int result, error_code& ec) {
  int code = SSL_get_error(ssl_, result);
  Want want = Want::kNothing;
  switch (code) {
    case SSL_ERROR_WANT_READ:
      want = Want::kRead;
      break;
    case SSL_ERROR_WANT_WRITE:
      want = Want::kWrite;
      break;
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify: a clean end
      ec = asio::error::eof;
      break;
    case SSL_ERROR_SYSCALL:
      ec = errno != 0 ? error_code(errno, boost::system::system_category())
                      : error_code(asio::ssl::error::stream_truncated);
      break;
    default: {
      unsigned long error = ERR_peek_last_error();
      // A TCP close without close_notify: the peer left, it may have been cut short.
      ec = ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING
               ? error_code(asio::ssl::error::stream_truncated)
               : error_code(static_cast<int>(error), asio::error::get_ssl_category());
      break;
    }
  }
  ERR_clear_error();
  return want;
}

ByteStream::Want ByteStream::tls_read_step(asio::mutable_buffer into, std::size_t& bytes,
                                           error_code& ec) {
  bytes = 0;
  ec = {};
  if (into.size() == 0) return Want::kNothing;
  // SSL_get_error() reads the thread's error queue, which must hold only this call's errors:
  // classify() empties it after every failure, here and everywhere else OpenSSL is used.
  errno = 0;
  int result = SSL_read_ex(ssl_, into.data(), into.size(), &bytes);
  if (result == 1) return Want::kNothing;
  bytes = 0;
  return classify(result, ec);
}

ByteStream::Want ByteStream::tls_write_step(asio::const_buffer from, std::size_t& bytes,
                                            error_code& ec) {
  bytes = 0;
  ec = {};
  // A write that waited is given its own bytes again, whatever the caller passes now (the
  // caller's data starts with the same bytes).
  asio::const_buffer data = pending_write_.empty()
                                ? from
                                : asio::const_buffer(pending_write_.data(), pending_write_.size());
  if (data.size() == 0) return Want::kNothing;
  errno = 0;
  int result = SSL_write_ex(ssl_, data.data(), data.size(), &bytes);
  if (result == 1) {
    pending_write_.clear();
    return Want::kNothing;
  }
  bytes = 0;
  Want want = classify(result, ec);
  if (want != Want::kNothing && pending_write_.empty()) {
    pending_write_.assign(static_cast<const char*>(data.data()), data.size());
  }
  if (ec) pending_write_.clear();
  return want;
}

std::size_t ByteStream::tls_read(asio::mutable_buffer into, error_code& ec) {
  std::size_t bytes = 0;
  if (tls_read_step(into, bytes, ec) != Want::kNothing) ec = asio::error::would_block;
  return bytes;
}

std::size_t ByteStream::tls_write(asio::const_buffer from, error_code& ec) {
  std::size_t bytes = 0;
  if (tls_write_step(from, bytes, ec) != Want::kNothing) ec = asio::error::would_block;
  return bytes;
}

char* ByteStream::gather_scratch() {
  thread_local char scratch[kGatherLimit];
  return scratch;
}

asio::awaitable<error_code> ByteStream::handshake() {
  error_code ec;
  if (!ssl_) co_return ec;
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int result = SSL_do_handshake(ssl_);
    if (result == 1) co_return ec;
    Want want = classify(result, ec);
    if (ec || want == Want::kNothing) {
      if (!ec) ec = asio::ssl::error::stream_truncated;
      co_return ec;
    }
    co_await socket_.async_wait(
        want == Want::kRead ? tcp::socket::wait_read : tcp::socket::wait_write, with_ec(ec));
    if (ec) co_return ec;
  }
}

std::string_view ByteStream::alpn() const {
  if (!ssl_) return {};
  const unsigned char* data = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(ssl_, &data, &size);
  return {reinterpret_cast<const char*>(data), size};
}

std::size_t ByteStream::sendfile_now(int fd, std::int64_t& offset, std::size_t count,
                                     error_code& ec) {
  off_t at = static_cast<off_t>(offset);
  for (;;) {
    ssize_t n = ::sendfile(socket_.native_handle(), fd, &at, count);
    if (n >= 0) {
      offset = at;
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = errno == EAGAIN ? error_code(asio::error::would_block)
                         : error_code(errno, boost::system::system_category());
    return 0;
  }
}

asio::awaitable<error_code> ByteStream::wait_writable() {
  error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_write, with_ec(ec));
  co_return ec;
}

std::optional<unsigned char> ByteStream::peek_byte() const {
  unsigned char byte = 0;
  ssize_t n =
      ::recv(const_cast<tcp::socket&>(socket_).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 1) return byte;
  return std::nullopt;
}

void ByteStream::write_plain_now(std::string_view bytes) {
  error_code ignored;
  socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ignored);
}

asio::awaitable<void> ByteStream::wait_readable(error_code& ec) {
  co_await socket_.async_wait(tcp::socket::wait_read, with_ec(ec));
}

Peeked ByteStream::peek() const {
  return peek_peer(const_cast<tcp::socket&>(socket_).native_handle());
}

void ByteStream::cancel() {
  error_code ignored;
  socket_.cancel(ignored);
}

void ByteStream::shutdown_send() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> ByteStream::close_gracefully() {
  if (ssl_ && socket_.is_open() && SSL_is_init_finished(ssl_)) {
    // close_notify tells the client the answer ended here rather than being cut. Only ours is
    // sent: clients often never answer with their own, and nothing more is read.
    for (int attempt = 0; attempt < 2; ++attempt) {
      errno = 0;
      int result = SSL_shutdown(ssl_);
      if (result >= 0) break;
      error_code ec;
      if (classify(result, ec) != Want::kWrite || ec) break;
      co_await socket_.async_wait(tcp::socket::wait_write, with_ec(ec));  // the deadline bounds it
      if (ec) break;
    }
  }
  close();
}

void ByteStream::close() {
  error_code ignored;
  if (!socket_.is_open()) return;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::string ByteStream::remote_address() const {
  error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  return ec ? std::string() : remote.address().to_string();
}

void ByteStream::set_non_blocking() {
  error_code ignored;
  socket_.non_blocking(true, ignored);
}

void ByteStream::set_no_delay() {
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
}

}  // namespace ew::net
