// In-memory TLS for the tls layer's tests: a client and a server SSL object joined by a BIO
// pair and driven in turn until both finish the handshake. No socket, no thread; the client
// side is the real client_context()/prepare_client(), the server side a real ServerTls.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "../common/test_pki.h"
#include "tls/certificate.h"
#include "tls/client_tls.h"
#include "tls/server_tls.h"

namespace ew::tls::testing {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ew-tls-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using Session = std::unique_ptr<SSL_SESSION, SessionFree>;

struct ClientOptions {
  std::string sni = {};     // the host to reach; empty = no SNI and no host check
  bool verify_host = true;  // prepare_client's verify
  std::string alpn = {};    // wire format, "\x02h2\x08http/1.1"; empty = none offered
  int min_version = 0;      // 0 = the context's
  int max_version = 0;
  SSL_SESSION* resume = nullptr;
};

class MemoryConnection {
 public:
  MemoryConnection(const ServerTls& server, boost::asio::ssl::context& client,
                   const ClientOptions& options)
      : server_(SSL_new(server.context().native_handle())),
        client_(SSL_new(client.native_handle())) {
    BIO* client_end = nullptr;
    BIO* server_end = nullptr;
    BIO_new_bio_pair(&client_end, 0, &server_end, 0);
    SSL_set_bio(client_.get(), client_end, client_end);
    SSL_set_bio(server_.get(), server_end, server_end);
    SSL_set_accept_state(server_.get());
    SSL_set_connect_state(client_.get());
    SSL* ssl = client_.get();
    if (!options.sni.empty()) prepare_client(ssl, options.sni, options.verify_host);
    if (!options.alpn.empty()) {
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(options.alpn.data()),
                          static_cast<unsigned>(options.alpn.size()));
    }
    if (options.min_version != 0) SSL_set_min_proto_version(ssl, options.min_version);
    if (options.max_version != 0) SSL_set_max_proto_version(ssl, options.max_version);
    if (options.min_version != 0 && options.min_version < TLS1_2_VERSION) {
      // Let the client offer what OpenSSL 3 would not, so that it is the server that refuses.
      SSL_set_security_level(ssl, 0);
      SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0");
    }
    if (options.resume != nullptr) SSL_set_session(ssl, options.resume);
  }

  // True when both sides finished; otherwise client_error() and server_error() say why.
  bool handshake() {
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 50 && !(client_done && server_done); ++round) {
      if (!client_done && !step(client_.get(), client_done, client_error_)) return false;
      if (!server_done && !step(server_.get(), server_done, server_error_)) return false;
    }
    return client_done && server_done;
  }

  // The client's session once it has read what the server sent after the handshake (TLS 1.3
  // sends its tickets then).
  Session session() {
    char byte;
    SSL_read(client_.get(), &byte, 1);  // no application data: processes the tickets, then waits
    ERR_clear_error();
    return Session(SSL_get1_session(client_.get()));
  }

  SSL* client() const { return client_.get(); }
  SSL* server() const { return server_.get(); }
  const std::string& client_error() const { return client_error_; }
  const std::string& server_error() const { return server_error_; }
  bool resumed() const { return SSL_session_reused(client_.get()) == 1; }
  std::string_view alpn() const { return negotiated_alpn(server_.get()); }

 private:
  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };

  static bool step(SSL* ssl, bool& done, std::string& error) {
    int result = SSL_do_handshake(ssl);
    if (result == 1) {
      done = true;
      return true;
    }
    int code = SSL_get_error(ssl, result);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return true;
    unsigned long failure = ERR_get_error();
    const char* reason = failure != 0 ? ERR_reason_error_string(failure) : nullptr;
    error = reason != nullptr ? reason : "handshake failed";
    ERR_clear_error();
    return false;
  }

  std::unique_ptr<SSL, SslFree> server_;
  std::unique_ptr<SSL, SslFree> client_;
  std::string client_error_;
  std::string server_error_;
};

// A client context trusting only the test CA.
inline std::shared_ptr<boost::asio::ssl::context> trusting(const test::TestPki& pki) {
  std::string error;
  auto context = client_context(ClientSettings{pki.ca_file(), true}, error);
  EXPECT_TRUE(context) << error;
  return context;
}

// The names (SAN DNS, else CN) of the certificate the client received.
inline std::vector<std::string> peer_names(SSL* client) {
  X509* cert = SSL_get0_peer_certificate(client);
  return cert != nullptr ? describe(cert, "").names : std::vector<std::string>();
}

}  // namespace ew::tls::testing
