#include "server/server.h"

#include <thread>

namespace ew {

void declare_server_settings(config::Schema& schema) {
  using config::Kind;
  auto& server = schema.section("server", "The HTTP listener and its limits");
  server.keys = {
      {"listen", Kind::kListen, "0.0.0.0:8080", "Address and port to listen on (HOST:PORT)"},
      {"workers",
       Kind::kInt,
       "0",
       "Worker threads, each with its own event loop; 0 = one per core",
       {},
       0,
       256},
      {"max_connections",
       Kind::kInt,
       "10000",
       "Open connections at most; at the limit the oldest idle keep-alive connections are "
       "closed to admit new ones, and accepting pauses only when none is idle",
       {},
       1,
       10'000'000},
      {"max_connections_per_address",
       Kind::kInt,
       "2000",
       "Open connections from one client address at most (more are refused with 503); 0 = no "
       "cap. Behind a load balancer, raise it or set 0",
       {},
       0,
       10'000'000},
      {"allow_trace", Kind::kBool, "false", "Answer TRACE requests (405 when false)"},
      {"trusted_proxies", Kind::kCidrList, "",
       "Load balancers or CDNs in front of edgewatch (CIDRs): from these peers the client is "
       "the rightmost untrusted address in X-Forwarded-For, for per-client limits, the "
       "breaker's fairness, X-Real-IP and the access log"},
      {"escaped_slashes",
       Kind::kEnum,
       "keep",
       "Paths with %2F, %5C or \\: keep (refused only beside a dot segment) or reject (400)",
       {"keep", "reject"}},
      {"max_header_size", Kind::kSize, "16KiB", "Largest request header; larger gets 431"},
      {"max_body_size", Kind::kSize, "1MiB",
       "Largest request body for routes without their own limit; larger gets 413"},
      {"header_timeout", Kind::kDuration, "10s",
       "Time to receive a whole request header (slowloris guard); the connection is then closed"},
      {"body_timeout", Kind::kDuration, "60s", "Longest silence while reading a request body"},
      {"send_timeout", Kind::kDuration, "60s", "Longest stall while writing a response"},
      {"idle_timeout", Kind::kDuration, "75s", "How long an idle keep-alive connection is kept"},
      {"drain_timeout", Kind::kDuration, "30s",
       "On SIGTERM, how long requests in flight may take to finish"},
  };
  declare_tls_settings(schema);
  auto& log = schema.section("log", "Access and error logs");
  log.keys = {
      {"access",
       Kind::kEnum,
       "json",
       "Access log on stdout: json, text or off",
       {"json", "text", "off"}},
      {"level",
       Kind::kEnum,
       "info",
       "Error log level",
       {"trace", "debug", "info", "warn", "error", "critical", "off"}},
      {"error_log", Kind::kPath, "", "Error log file; empty = stderr"},
  };
}

ServerOptions server_options(const config::Settings& settings) {
  const auto& s = settings.section("server");
  ServerOptions o;
  auto listen = config::parse_listen(s.get_string("listen"));
  if (listen) {
    o.host = listen->host;
    o.port = listen->port;
  }
  auto workers = s.get_int("workers");
  o.workers = workers > 0 ? static_cast<int>(workers)
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.max_connections = static_cast<std::uint64_t>(s.get_int("max_connections"));
  o.max_connections_per_address =
      static_cast<std::uint64_t>(s.get_int("max_connections_per_address"));
  o.allow_trace = s.get_bool("allow_trace");
  std::string bad;
  if (auto trusted = CidrSet::parse(s.get_list("trusted_proxies"), &bad)) {
    o.trusted_proxies = std::move(*trusted);
  }
  o.escaped_slashes =
      s.get_string("escaped_slashes") == "reject" ? EscapedSlashes::kReject : EscapedSlashes::kKeep;
  o.max_header_size = s.get_size("max_header_size");
  o.max_body_size = s.get_size("max_body_size");
  o.header_timeout = s.get_duration("header_timeout");
  o.body_timeout = s.get_duration("body_timeout");
  o.send_timeout = s.get_duration("send_timeout");
  o.idle_timeout = s.get_duration("idle_timeout");
  o.drain_timeout = s.get_duration("drain_timeout");
  return o;
}

log::Options log_options(const config::Settings& settings) {
  const auto& s = settings.section("log");
  log::Options o;
  const auto& access = s.get_string("access");
  o.access = access == "text"  ? log::AccessFormat::kText
             : access == "off" ? log::AccessFormat::kOff
                               : log::AccessFormat::kJson;
  o.level = s.get_string("level");
  o.error_log = s.get_string("error_log");
  return o;
}

}  // namespace ew
