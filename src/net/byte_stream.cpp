#include "net/byte_stream.h"

#include <openssl/bio.h>
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
      tls_state_(std::move(other.tls_state_)),
      owner_(std::move(other.owner_)) {}

ByteStream& ByteStream::operator=(ByteStream&& other) noexcept {
  if (this == &other) return *this;
  if (ssl_ != nullptr) SSL_free(ssl_);
  socket_ = std::move(other.socket_);
  ssl_ = std::exchange(other.ssl_, nullptr);
  tls_state_ = std::move(other.tls_state_);
  owner_ = std::move(other.owner_);
  return *this;
}

namespace {

// The socket BIO of OpenSSL, plus one fact it does not keep: whether the last read emptied the
// socket (it returned less than asked, or nothing yet), which lets the next read wait at once.
int socket_bio_read(BIO* bio, char* data, std::size_t size, std::size_t* read) {
  auto* state = static_cast<ByteStream::TlsState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t n = ::recv(state->fd, data, size, 0);
    if (n > 0) {
      state->drained = static_cast<std::size_t>(n) < size;
      *read = static_cast<std::size_t>(n);
      return 1;
    }
    if (n < 0 && errno == EINTR) continue;
    state->drained = true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(bio);
    return 0;  // end of stream, or an error in errno
  }
}

int socket_bio_write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
  auto* state = static_cast<ByteStream::TlsState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t n = ::send(state->fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      *written = static_cast<std::size_t>(n);
      return 1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
    return 0;
  }
}

long socket_bio_ctrl(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // writes are never buffered here
}

int socket_bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "edgewatch socket");
    BIO_meth_set_read_ex(m, socket_bio_read);
    BIO_meth_set_write_ex(m, socket_bio_write);
    BIO_meth_set_ctrl(m, socket_bio_ctrl);
    BIO_meth_set_create(m, socket_bio_create);
    return m;
  }();
  return method;
}

}  // namespace

bool ByteStream::tls_read_drained() const {
  return tls_state_->drained && SSL_has_pending(ssl_) == 0;
}

ByteStream::~ByteStream() {
  // Before the socket closes: SSL_free never writes to it.
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void ByteStream::attach_tls(asio::ssl::context& context, std::shared_ptr<const void> owner) {
  ssl_ = SSL_new(context.native_handle());
  tls_state_ = std::make_unique<TlsState>();
  tls_state_->fd = socket_.native_handle();
  BIO* bio = BIO_new(socket_bio_method());
  BIO_set_data(bio, tls_state_.get());
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns it now
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

bool ByteStream::write_at_once(std::span<const asio::const_buffer> buffers,
                               std::optional<Rest>& rest, error_code& ec) {
  std::size_t sent = write_now(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (ec || sent == asio::buffer_size(buffers)) return true;
  rest.emplace(buffers);
  rest->consume(sent);
  return false;
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
  std::string& pending_write = tls_state_->pending_write;
  asio::const_buffer data =
      pending_write.empty() ? from : asio::const_buffer(pending_write.data(), pending_write.size());
  if (data.size() == 0) return Want::kNothing;
  errno = 0;
  int result = SSL_write_ex(ssl_, data.data(), data.size(), &bytes);
  if (result == 1) {
    pending_write.clear();
    return Want::kNothing;
  }
  bytes = 0;
  Want want = classify(result, ec);
  if (want != Want::kNothing && pending_write.empty()) {
    pending_write.assign(static_cast<const char*>(data.data()), data.size());
  }
  if (ec) pending_write.clear();
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
