// The HTTP/1.1 server, plain and over TLS: one io_context and one SO_REUSEPORT acceptor per
// listener per worker thread, so workers share nothing on the hot path. Free of Asio and Beast; see
// server_impl.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/cidr.h"
#include "core/request_rules.h"
#include "core/router.h"
#include "log/log.h"
#include "telemetry/traffic_stats.h"

namespace boost::asio::ssl {
class context;
}

namespace ew {

namespace tls {
class CertificateStore;
}

namespace detail {
enum class ListenerKind : std::uint8_t;
}

// The TLS context a new handshake starts with, and what keeps it (and the certificates SNI may
// switch to) alive for as long as the connection lasts.
struct TlsHandshake {
  boost::asio::ssl::context* context = nullptr;
  std::shared_ptr<const void> owner;
};

// The HTTPS listener, and what the plain one does when there is one.
struct HttpsOptions {
  std::string host;  // empty: the plain listener's host
  // No value: no HTTPS listener. 0 asks for an ephemeral port (tests).
  std::optional<std::uint16_t> port;
  // Called for every new connection: the certificates in force now (reloads swap them).
  std::function<TlsHandshake()> handshake;
  std::string hsts;  // Strict-Transport-Security on every HTTPS answer; empty: none
  // The plain listener answers everything but `redirect_exempt` with a redirect to
  // https://<canonical_host><target>: 301 for GET and HEAD, 308 otherwise.
  bool redirect = false;
  std::string canonical_host;  // host[:port]; never taken from the request
  std::vector<std::string> redirect_exempt = {"/health", "/health/ready", "/metrics"};
};

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  int workers = 1;
  std::uint64_t max_header_size = std::uint64_t{16} * 1024;
  std::uint64_t max_body_size = std::uint64_t{1024} * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // whole request header
  std::chrono::milliseconds body_timeout{60'000};    // between two reads of a body
  std::chrono::milliseconds send_timeout{60'000};    // between two writes of a response
  std::chrono::milliseconds idle_timeout{75'000};    // keep-alive wait for the next request
  std::chrono::milliseconds drain_timeout{30'000};   // grace for requests in flight at stop
  std::uint64_t max_connections = 10'000;
  // Open connections from one peer address at most; 0 = no cap. Behind a load balancer every
  // connection comes from its address: raise this or set it to 0 there.
  std::uint64_t max_connections_per_address = 2'000;
  bool allow_trace = false;  // TRACE echoes requests (cookies included) back: 405 unless allowed
  EscapedSlashes escaped_slashes = EscapedSlashes::kKeep;
  CidrSet trusted_proxies;  // peers whose X-Forwarded-For names the client
  HttpsOptions https;
};

class Server {
 public:
  struct Hooks {
    std::vector<std::function<void()>> on_reload;  // SIGHUP
    std::vector<std::function<void()>> on_stop;    // before draining
  };

  // `traffic` receives the HTTP counters (requests by route and status, durations, connections)
  // that /metrics and the dashboard read.
  Server(ServerOptions options, std::shared_ptr<const Router> router,
         std::shared_ptr<telemetry::TrafficStats> traffic);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every worker's acceptor. Throws std::runtime_error naming the address on failure.
  void listen();
  // "127.0.0.1:43123" once listening; the real port when port 0 was asked for.
  std::string local_address() const;
  // The same for the HTTPS listener; "" without one.
  std::string tls_local_address() const;
  // Serves until SIGTERM or SIGINT (or stop()), drains, and returns. The hooks are the
  // modules', registered while they started (after listen(), so that no file is written by a
  // process that could not take its port).
  void run(Hooks hooks);
  // Begins a graceful stop from any thread.
  void stop();

 private:
  std::string bind_listener(const std::string& host, std::uint16_t port, detail::ListenerKind kind);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The [server] and [log] configuration sections and their translation into options.
void declare_server_settings(config::Schema& schema);
// The [tls] section (declared with [server]). Its cross-key rules and the certificates' own
// problems (unreadable, not PEM, key mismatch, expired...), for check-config and startup.
void declare_tls_settings(config::Schema& schema);
void validate_tls_settings(const config::Settings& settings, std::vector<std::string>& problems);
// Fills options.https from [tls] and, when there is an HTTPS listener, opens its certificates
// (watching their files when asked): null without one. Throws std::runtime_error naming the
// problem when the certificates cannot be served.
std::shared_ptr<tls::CertificateStore> open_https(const config::Settings& settings,
                                                  ServerOptions& options);
ServerOptions server_options(const config::Settings& settings);
log::Options log_options(const config::Settings& settings);

}  // namespace ew
