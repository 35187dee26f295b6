#include "outbound/http_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "config/config.h"
#include "tls/client_tls.h"
#include "util/ascii.h"
#include "util/base64.h"

namespace ew::outbound {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// One client context for the process, made at first use: the system's trust store, peer
// verification, TLS 1.2 or newer (tls/client_tls.h).
struct SharedClientTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string error;  // why there is none
};

const SharedClientTls& shared_client_tls() {
  static const SharedClientTls shared = [] {
    SharedClientTls made;
    made.context = tls::client_context(tls::ClientSettings{}, made.error);
    return made;
  }();
  return shared;
}

std::string ssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// One connection, plain or TLS, with every operation bounded by the deadline.
class Connection {
 public:
  Connection(Clock::time_point deadline) : deadline_(deadline) {}
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool open(const config::Url& url, bool tls, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(url.port);
    int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
      error = "resolve " + url.host + ": " + gai_strerror(rc);
      return false;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
    error = "connect: no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      if (connect_one(a, error)) break;
    }
    if (fd_ < 0) return false;
    if (!tls) return true;
    const SharedClientTls& client = shared_client_tls();
    if (!client.context) {
      error = "TLS unavailable: " + client.error;
      return false;
    }
    ssl_ = SSL_new(client.context->native_handle());
    if (ssl_ == nullptr || !tls::prepare_client(ssl_, url.host, true)) {
      error = "TLS setup for " + url.host + " failed";
      return false;
    }
    SSL_set_fd(ssl_, fd_);
    for (;;) {
      int r = SSL_connect(ssl_);
      if (r == 1) return true;
      if (!wait_tls(r, error)) {
        if (error.empty()) error = "TLS handshake: " + ssl_error();
        return false;
      }
    }
  }

  bool write_all(std::string_view data, std::string& error) {
    while (!data.empty()) {
      long n;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (n <= 0) {
          if (!wait_tls(static_cast<int>(n), error)) return fail(error, "send");
          continue;
        }
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(error, "send");
          if (!wait(POLLOUT, error)) return false;
          continue;
        }
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Appends what arrives; 0 at end of stream, -1 on error (error set).
  long read_some(std::string& out, std::string& error) {
    char buf[8192];
    for (;;) {
      long n;
      if (ssl_ != nullptr) {
        n = SSL_read(ssl_, buf, sizeof buf);
        if (n <= 0) {
          int code = SSL_get_error(ssl_, static_cast<int>(n));
          if (code == SSL_ERROR_ZERO_RETURN) return 0;
          if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // close w/o notify
          if (!wait_tls(static_cast<int>(n), error)) return fail(error, "receive") ? 0 : -1;
          continue;
        }
      } else {
        n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(error, "receive") ? 0 : -1;
          if (!wait(POLLIN, error)) return -1;
          continue;
        }
      }
      out.append(buf, static_cast<std::size_t>(n));
      return n;
    }
  }

 private:
  bool connect_one(addrinfo* a, std::string& error) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) return false;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) {
      error = std::string("connect: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    fd_ = fd;
    if (rc != 0) {
      if (!wait(POLLOUT, error)) {
        error = "connect: timed out";
        ::close(fd_);
        fd_ = -1;
        return false;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) {
        error = std::string("connect: ") + std::strerror(so_error);
        ::close(fd_);
        fd_ = -1;
        return false;
      }
    }
    return true;
  }

  bool wait(short events, std::string& error) {
    for (;;) {
      int left = remaining_ms(deadline_);
      if (left == 0) {
        error = "timed out";
        return false;
      }
      pollfd p{fd_, events, 0};
      int rc = ::poll(&p, 1, left);
      if (rc > 0) return true;
      if (rc < 0 && errno == EINTR) continue;
      error = rc == 0 ? "timed out" : std::string("poll: ") + std::strerror(errno);
      return false;
    }
  }

  bool wait_tls(int result, std::string& error) {
    int code = SSL_get_error(ssl_, result);
    if (code == SSL_ERROR_WANT_READ) return wait(POLLIN, error);
    if (code == SSL_ERROR_WANT_WRITE) return wait(POLLOUT, error);
    if (code == SSL_ERROR_SSL) {
      long verify = SSL_get_verify_result(ssl_);
      error = verify != X509_V_OK ? std::string("TLS: ") + X509_verify_cert_error_string(verify)
                                  : "TLS: " + ssl_error();
    }
    return false;
  }

  bool fail(std::string& error, const char* what) {
    if (error.empty()) error = std::string(what) + ": " + std::strerror(errno);
    return false;
  }

  Clock::time_point deadline_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n..." (without the final blank line).
bool parse_head(std::string_view head, HttpResult& result) {
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return false;
  auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, result.status);
  if (ec != std::errc() || result.status < 100 || result.status > 999) return false;
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    result.headers.emplace_back(ascii_lower(trim_space(line.substr(0, colon))),
                                std::string(trim_space(line.substr(colon + 1))));
  }
  return true;
}

std::string host_header(const config::Url& url, bool tls) {
  bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  if (url.port != (tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

// Sends the request and reads the head, then the body unless the status has none.
HttpResult exchange(const HttpRequest& request, bool read_body) {
  HttpResult result;
  auto started = Clock::now();
  auto deadline = started + request.timeout;
  auto finish = [&](HttpResult& r) -> HttpResult {
    r.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return std::move(r);
  };
  auto url = config::parse_url(request.url);
  if (!url) {
    result.error = "malformed URL";
    return finish(result);
  }
  bool tls = url->scheme == "https" || url->scheme == "wss";
  Connection conn(deadline);
  if (!conn.open(*url, tls, result.error)) return finish(result);

  std::string out =
      request.method + " " + url->path + " HTTP/1.1\r\nHost: " + host_header(*url, tls) + "\r\n";
  bool has_agent = false;
  bool has_connection = false;
  for (const auto& [name, value] : request.headers) {
    if (ascii_lower(name) == "user-agent") has_agent = true;
    if (ascii_lower(name) == "connection") has_connection = true;
    out += name + ": " + value + "\r\n";
  }
  if (!has_agent) out += "User-Agent: edgewatch\r\n";
  if (!has_connection) out += "Connection: close\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += request.body;
  if (!conn.write_all(out, result.error)) return finish(result);

  std::string in;
  std::size_t head_end;
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    if (in.size() > 64 * 1024) {
      result.error = "response head too large";
      return finish(result);
    }
    long n = conn.read_some(in, result.error);
    if (n <= 0) {
      if (result.error.empty()) result.error = "connection closed before a response";
      return finish(result);
    }
  }
  if (!parse_head(std::string_view(in).substr(0, head_end), result)) {
    result.error = "malformed response";
    return finish(result);
  }
  result.ok = true;
  result.body = in.substr(head_end + 4);
  bool no_body = result.status < 200 || result.status == 204 || result.status == 304 ||
                 request.method == "HEAD";
  if (!read_body || no_body) {
    result.body.clear();
    return finish(result);
  }
  std::size_t expected = std::string::npos;
  std::string length = result.header("content-length");
  if (!length.empty()) {
    std::from_chars(length.data(), length.data() + length.size(), expected);
  }
  // Read to the announced length or the close, whichever first; a slow body is not an error.
  std::string ignored;
  while (result.body.size() < expected && result.body.size() < request.max_body) {
    if (conn.read_some(result.body, ignored) <= 0) break;
  }
  if (result.body.size() > request.max_body) result.body.resize(request.max_body);
  return finish(result);
}

}  // namespace

std::string HttpResult::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

HttpResult http_request(const HttpRequest& request) {
  return exchange(request, true);
}

std::string websocket_accept(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string text = std::string(key) + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

HttpResult websocket_handshake(const std::string& url, std::chrono::milliseconds timeout) {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) {
    for (auto& b : nonce) b = static_cast<unsigned char>(std::rand());
  }
  std::string key =
      base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), sizeof nonce));
  HttpRequest request;
  request.url = url;
  request.timeout = timeout;
  request.headers = {{"Upgrade", "websocket"},
                     {"Connection", "Upgrade"},
                     {"Sec-WebSocket-Key", key},
                     {"Sec-WebSocket-Version", "13"},
                     {"User-Agent", "edgewatch-readiness"}};
  HttpResult result = exchange(request, false);
  if (!result.ok) return result;
  if (result.status != 101) {
    result.ok = false;
    result.error = "expected 101 Switching Protocols, got " + std::to_string(result.status);
  } else if (result.header("sec-websocket-accept") != websocket_accept(key)) {
    result.ok = false;
    result.error = "wrong Sec-WebSocket-Accept";
  }
  return result;
}

}  // namespace ew::outbound
