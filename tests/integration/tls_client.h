// A blocking TLS client over a loopback socket, for tests: it verifies the server against a
// test CA (or not), sends SNI and ALPN, and reports what was negotiated, so tests can see the
// certificate, version and protocol a real handshake got.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace ew::test {

struct TlsClientOptions {
  std::string ca_file;                    // empty: the server is not verified
  std::string server_name = "localhost";  // SNI and the name checked; empty: no SNI
  int min_version = 0;                    // TLS1_2_VERSION...; 0: OpenSSL's default
  int max_version = 0;
  std::vector<std::string> alpn = {"http/1.1"};
  SSL_SESSION* resume = nullptr;  // a session from an earlier connection, to resume
};

class TlsClient {
 public:
  TlsClient(int port, TlsClientOptions options);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return ssl_ != nullptr; }
  const std::string& error() const { return error_; }
  std::string version() const;       // "TLSv1.3"
  std::string alpn() const;          // "" when none
  std::string peer_subject() const;  // the certificate's subject, RFC 2253
  std::string peer_serial() const;   // hex
  bool resumed() const;
  // The session to offer on a later connection (the caller frees it with SSL_SESSION_free).
  SSL_SESSION* session() const;

  bool send(const std::string& bytes);
  // Whatever arrives within `timeout`; empty at the end of the stream or on timeout.
  std::string read_some(std::chrono::milliseconds timeout = 5s);
  // Sends a request and reads one whole response (by Content-Length, chunked, or to the close).
  HttpResponse request(const std::string& raw, std::chrono::milliseconds timeout = 5s);
  // Reads one response head and returns it; the body stays unread (for streams).
  HttpResponse read_head(std::chrono::milliseconds timeout = 5s);
  // Bytes read past a head by read_head() and not yet returned.
  std::string take_buffered();
  // Puts bytes back in front of what is read next (read past one answer, part of the next).
  void push_back(std::string bytes) { buffered_ = std::move(bytes) + buffered_; }

 private:
  bool wait_readable(std::chrono::milliseconds timeout) const;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string error_;
  std::string buffered_;
};

}  // namespace ew::test
