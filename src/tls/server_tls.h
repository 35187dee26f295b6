// The server's TLS configuration, built once from settings and then shared, read-only, by every
// worker thread: one SSL_CTX per certificate, the first being the default that every handshake
// starts from, and the SNI callback moving a connection to the certificate for its host name.
// Protocols TLS 1.2 and 1.3 only, no renegotiation, no compression, the server's cipher order,
// ECDHE over X25519, P-256 and P-384, ALPN from a configured list, and session resumption by
// tickets (keys rotated, shared by the whole process: see ticket_keys.h) or by the session cache.
//
// Asio's SSL headers are heavy: this header only declares boost::asio::ssl::context; the few
// files that start handshakes include <boost/asio/ssl/context.hpp> themselves.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace ew::tls {

struct CertificateFiles {
  std::string certificate;  // PEM: the leaf, then its chain
  std::string key;          // PEM: the leaf's private key
};

struct ServerSettings {
  std::vector<CertificateFiles> certificates;  // chosen by SNI; the first is the default
  std::string min_version = "1.2";             // "1.2" or "1.3"; older versions never
  // TLS 1.2 cipher list (OpenSSL syntax); empty = Mozilla's "intermediate" profile: ECDHE with
  // AES-GCM or CHACHA20-POLY1305, for ECDSA and RSA certificates.
  std::string ciphers;
  std::string ciphersuites;                      // TLS 1.3; empty = OpenSSL's three defaults
  std::vector<std::string> alpn = {"http/1.1"};  // in the server's order of preference
  bool session_tickets = true;  // off: TLS 1.2 resumes by session id, TLS 1.3 statefully
  std::chrono::seconds ticket_key_lifetime{std::chrono::hours(12)};
};

struct CertificateInfo {
  std::string file;                // the certificate's path as configured
  std::string subject;             // RFC 2253, "CN=example.com,O=..."
  std::vector<std::string> names;  // the DNS names of subjectAltName, else the subject's CN
  std::int64_t not_before = 0;     // Unix seconds
  std::int64_t not_after = 0;
};

class ServerTls {
 public:
  // Builds everything or nothing: null on failure, with `error` naming the file and the reason
  // (cannot be read, not PEM, no certificate, key does not match, expired, not yet valid, an
  // unknown cipher...).
  static std::shared_ptr<const ServerTls> build(const ServerSettings& settings, std::string& error);
  ~ServerTls();
  ServerTls(const ServerTls&) = delete;
  ServerTls& operator=(const ServerTls&) = delete;

  // The default certificate's context, where every handshake starts. A connection may be moved
  // to another of this object's contexts by SNI, so whoever owns a connection also keeps the
  // shared_ptr to this object for the connection's whole life.
  boost::asio::ssl::context& context() const;
  // In the order of the settings.
  const std::vector<CertificateInfo>& certificates() const;
  // Whether the certificate chosen for `ssl` (after SNI) covers `host`: exactly, or by a
  // wildcard for one label. For HTTP/2's connection reuse (421 Misdirected Request).
  bool covers(SSL* ssl, std::string_view host) const;

  struct Impl;

 private:
  explicit ServerTls(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The problems build() would report, for check-config; empty when the settings are fine.
std::vector<std::string> check_server_settings(const ServerSettings& settings);

// The protocol ALPN agreed on for `ssl`; empty when none was.
std::string_view negotiated_alpn(SSL* ssl);

// Whether a certificate name ("example.com", "*.example.com") covers `host`, ignoring case; a
// wildcard stands for exactly one whole label.
bool name_covers(std::string_view name, std::string_view host);

}  // namespace ew::tls
