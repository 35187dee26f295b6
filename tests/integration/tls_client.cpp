#include "tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

namespace ew::test {
namespace {

std::string openssl_error() {
  char text[256] = {};
  unsigned long code = ERR_get_error();
  if (code == 0) return "no OpenSSL error";
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    wire.push_back(static_cast<char>(p.size()));
    wire += p;
  }
  return wire;
}

}  // namespace

TlsClient::TlsClient(int port, TlsClientOptions options) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) {
    error_ = "cannot connect";
    return;
  }
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (options.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  // Old protocols need the lowest security level to be offered at all.
  if (options.max_version != 0 && options.max_version < TLS1_2_VERSION) {
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_cipher_list(ctx_, "ALL:@SECLEVEL=0");
  }
  if (!options.ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT);
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd_);
  if (!options.server_name.empty()) {
    SSL_set_tlsext_host_name(ssl, options.server_name.c_str());
    if (!options.ca_file.empty()) SSL_set1_host(ssl, options.server_name.c_str());
  }
  if (!options.alpn.empty()) {
    std::string wire = alpn_wire(options.alpn);
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  if (options.resume != nullptr) SSL_set_session(ssl, options.resume);
  timeval tv{5, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (SSL_connect(ssl) != 1) {
    error_ = "handshake failed: " + openssl_error();
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

std::string TlsClient::version() const {
  return ssl_ ? SSL_get_version(ssl_) : "";
}

std::string TlsClient::alpn() const {
  if (!ssl_) return "";
  const unsigned char* data = nullptr;
  unsigned size = 0;
  SSL_get0_alpn_selected(ssl_, &data, &size);
  return {reinterpret_cast<const char*>(data), size};
}

std::string TlsClient::peer_subject() const {
  if (!ssl_) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return "";
  char text[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert), text, sizeof text);
  X509_free(cert);
  return text;
}

std::string TlsClient::peer_serial() const {
  if (!ssl_) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return "";
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(number);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(number);
  X509_free(cert);
  return out;
}

bool TlsClient::resumed() const {
  return ssl_ && SSL_session_reused(ssl_) == 1;
}

SSL_SESSION* TlsClient::session() const {
  return ssl_ ? SSL_get1_session(ssl_) : nullptr;
}

bool TlsClient::send(const std::string& bytes) {
  if (!ssl_) return false;
  return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
         static_cast<int>(bytes.size());
}

bool TlsClient::wait_readable(std::chrono::milliseconds timeout) const {
  if (SSL_pending(ssl_) > 0) return true;
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

std::string TlsClient::read_some(std::chrono::milliseconds timeout) {
  if (!buffered_.empty()) return std::exchange(buffered_, {});
  if (!ssl_) return "";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  while (std::chrono::steady_clock::now() < deadline) {
    if (!wait_readable(std::chrono::milliseconds(remaining_ms(deadline)))) return "";
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
    int code = SSL_get_error(ssl_, n);
    if (code != SSL_ERROR_WANT_READ) return "";  // the end, or an error
  }
  return "";
}

HttpResponse TlsClient::read_head(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text = std::exchange(buffered_, {});
  std::size_t end;
  while ((end = text.find("\r\n\r\n")) == std::string::npos) {
    std::string more = read_some(std::chrono::milliseconds(remaining_ms(deadline)));
    if (more.empty()) return {};
    text += more;
  }
  buffered_ = text.substr(end + 4);
  return parse_response_head(text.substr(0, end));
}

std::string TlsClient::take_buffered() {
  return std::exchange(buffered_, {});
}

HttpResponse TlsClient::request(const std::string& raw, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!send(raw)) return {};
  HttpResponse response = read_head(timeout);
  if (response.status == 0) return response;
  std::string body = take_buffered();
  auto more = [&] {
    std::string piece = read_some(std::chrono::milliseconds(remaining_ms(deadline)));
    body += piece;
    return !piece.empty();
  };
  bool head_request = raw.rfind("HEAD ", 0) == 0;
  if (head_request || response.status == 204 || response.status == 304) {
    response.complete = true;
  } else if (std::string length = response.header("content-length"); !length.empty()) {
    std::size_t want = std::stoul(length);
    while (body.size() < want && more()) {
    }
    response.complete = body.size() >= want;
    buffered_ = body.substr(std::min(want, body.size()));
    body.resize(std::min(want, body.size()));
  } else if (response.header("transfer-encoding") == "chunked") {
    while (body.find("\r\n0\r\n\r\n") == std::string::npos && body.rfind("0\r\n\r\n", 0) != 0 &&
           more()) {
    }
    // De-chunk.
    std::string plain;
    std::size_t at = 0;
    for (;;) {
      std::size_t line_end = body.find("\r\n", at);
      if (line_end == std::string::npos) break;
      std::size_t size = std::stoul(body.substr(at, line_end - at), nullptr, 16);
      if (size == 0) {
        response.complete = true;
        break;
      }
      plain += body.substr(line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
    body = plain;
  } else {
    while (more()) {
    }
    response.complete = true;
  }
  response.body = body;
  return response;
}

}  // namespace ew::test
