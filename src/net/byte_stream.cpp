#include "net/byte_stream.h"

#include <openssl/ssl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>

#include "net/with_ec.h"
#include "tls/client_tls.h"

namespace ew::net {

ByteStream::ByteStream(tcp::socket socket) : plain_(std::move(socket)) {}

ByteStream::ByteStream(tcp::socket socket, asio::ssl::context& context, Role role,
                       std::shared_ptr<const void> owner)
    : plain_(socket.get_executor()),
      tls_(std::make_unique<TlsStream>(std::move(socket), context)),
      owner_(std::move(owner)),
      role_(role) {}

ByteStream::ByteStream(const executor_type& executor) : plain_(executor) {}

ByteStream::~ByteStream() = default;

asio::awaitable<error_code> ByteStream::connect(const std::string& host, std::uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    // An address needs no lookup: connect at once, without the resolver thread's round trip.
    co_await plain_.async_connect(tcp::endpoint(address, port), with_ec(ec));
    co_return ec;
  }
  ec = {};
  tcp::resolver resolver(plain_.get_executor());
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), with_ec(ec));
  if (ec) co_return ec;
  for (const auto& entry : endpoints) {
    error_code ignored;
    if (plain_.is_open()) plain_.close(ignored);
    ec = {};
    co_await plain_.async_connect(entry.endpoint(), with_ec(ec));
    if (!ec) co_return ec;
  }
  co_return ec ? ec : error_code(asio::error::host_not_found);
}

bool ByteStream::start_tls_client(asio::ssl::context& context, std::shared_ptr<const void> owner,
                                  std::string_view host, bool verify) {
  tls_ = std::make_unique<TlsStream>(std::move(plain_), context);
  owner_ = std::move(owner);
  role_ = Role::kClient;
  return prepare_client(host, verify);
}

asio::awaitable<error_code> ByteStream::handshake() {
  error_code ec;
  if (!tls_) co_return ec;
  auto type = role_ == Role::kServer ? TlsStream::server : TlsStream::client;
  co_await tls_->async_handshake(type, with_ec(ec));
  co_return ec;
}

bool ByteStream::prepare_client(std::string_view host, bool verify) {
  return tls::prepare_client(tls_->native_handle(), host, verify);
}

std::string_view ByteStream::alpn() const {
  if (!tls_) return {};
  const unsigned char* data = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(const_cast<TlsStream&>(*tls_).native_handle(), &data, &size);
  return {reinterpret_cast<const char*>(data), size};
}

std::size_t ByteStream::sendfile_now(int fd, std::int64_t& offset, std::size_t count,
                                     error_code& ec) {
  off_t at = static_cast<off_t>(offset);
  for (;;) {
    ssize_t n = ::sendfile(plain_.native_handle(), fd, &at, count);
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
  co_await socket().async_wait(tcp::socket::wait_write, with_ec(ec));
  co_return ec;
}

Peeked ByteStream::peek() const {
  return peek_peer(const_cast<ByteStream*>(this)->socket().native_handle());
}

std::optional<unsigned char> ByteStream::peek_byte() const {
  unsigned char byte = 0;
  int fd = const_cast<ByteStream*>(this)->socket().native_handle();
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 1) return byte;
  return std::nullopt;
}

void ByteStream::write_plain_now(std::string_view bytes) {
  error_code ignored;
  socket().write_some(asio::buffer(bytes.data(), bytes.size()), ignored);
}

asio::awaitable<void> ByteStream::wait_readable(error_code& ec) {
  co_await socket().async_wait(tcp::socket::wait_read, with_ec(ec));
}

void ByteStream::cancel() {
  error_code ignored;
  socket().cancel(ignored);
}

void ByteStream::shutdown_send() {
  error_code ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> ByteStream::close_gracefully() {
  if (tls_ && socket().is_open()) {
    // close_notify tells the client the answer ended here rather than being cut. OpenSSL then
    // waits for the peer's own close_notify, which clients often never send: the caller's
    // deadline bounds that wait, and any outcome ends in the close below.
    error_code ec;
    co_await tls_->async_shutdown(with_ec(ec));
  }
  close();
}

void ByteStream::close() {
  error_code ignored;
  tcp::socket& s = socket();
  if (!s.is_open()) return;
  s.shutdown(tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

bool ByteStream::is_open() const {
  return socket().is_open();
}

std::string ByteStream::remote_address() const {
  error_code ec;
  auto remote = socket().remote_endpoint(ec);
  return ec ? std::string() : remote.address().to_string();
}

void ByteStream::set_non_blocking() {
  error_code ignored;
  socket().non_blocking(true, ignored);
}

void ByteStream::set_no_delay() {
  error_code ignored;
  socket().set_option(tcp::no_delay(true), ignored);
}

}  // namespace ew::net
