// The [tls] section: the HTTPS listener, its certificates, the TLS profile, HSTS and the
// redirect from plain HTTP.
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

#include "server/server.h"
#include "tls/certificate_store.h"

namespace ew {
namespace {

constexpr std::string_view kDefaultHsts = "max-age=63072000; includeSubDomains";

tls::ServerSettings tls_server_settings(const config::Table& s) {
  tls::ServerSettings out;
  const auto certificates = s.get_list("certificates");
  const auto keys = s.get_list("keys");
  for (std::size_t i = 0; i < certificates.size() && i < keys.size(); ++i) {
    out.certificates.push_back({certificates[i], keys[i]});
  }
  out.min_version = s.get_string("min_version");
  out.ciphers = s.get_string("ciphers");
  out.session_tickets = s.get_bool("session_tickets");
  out.ticket_key_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(s.get_duration("ticket_key_rotation"));
  return out;
}

bool https_enabled(const config::Table& s) {
  return !s.get_string("listen").empty();
}

}  // namespace

void declare_tls_settings(config::Schema& schema) {
  using config::Kind;
  auto& tls =
      schema.section("tls", "HTTPS: the TLS listener, its certificates, HSTS and redirects");
  tls.keys = {
      {"listen", Kind::kListen, "",
       "Address and port of the HTTPS listener (HOST:PORT); empty = no HTTPS"},
      {"certificates", Kind::kStringList, "",
       "PEM files, each a certificate followed by its chain; chosen by SNI (exact name, then "
       "wildcard), the first being the default"},
      {"keys", Kind::kStringList, "", "PEM private keys, one per certificate, in the same order"},
      {"min_version", Kind::kEnum, "1.2", "Oldest TLS version accepted", {"1.2", "1.3"}},
      {"ciphers", Kind::kString, "",
       "TLS 1.2 cipher list (OpenSSL syntax); empty = Mozilla's intermediate profile"},
      {"session_tickets", Kind::kBool, "true",
       "Resume sessions with tickets (keys rotated in memory, never written to disk)"},
      {"ticket_key_rotation", Kind::kDuration, "12h", "How long one ticket key encrypts tickets"},
      {"watch", Kind::kBool, "true",
       "Reload the certificates when their files change (as well as on SIGHUP)"},
      {"hsts", Kind::kString, std::string(kDefaultHsts),
       "Strict-Transport-Security on every HTTPS answer; empty = none"},
      {"redirect_http", Kind::kBool, "false",
       "The plain listener redirects to https:// (301 for GET and HEAD, 308 otherwise), except "
       "/health, /health/ready and /metrics"},
      {"canonical_host", Kind::kString, "",
       "host[:port] the redirect points to; never taken from the request"},
  };
}

void validate_tls_settings(const config::Settings& settings, std::vector<std::string>& problems) {
  const auto& s = settings.section("tls");
  std::size_t certificates = s.get_list("certificates").size();
  std::size_t keys = s.get_list("keys").size();
  if (certificates != keys) {
    problems.push_back("tls.keys: " + std::to_string(keys) + " key(s) for " +
                       std::to_string(certificates) +
                       " certificate(s); give one key per certificate, in the same order");
  }
  if (!https_enabled(s)) {
    if (certificates > 0 && s.get_bool("redirect_http")) {
      problems.push_back(
          "tls.redirect_http: redirects to https need an HTTPS listener; set tls.listen");
    }
    return;
  }
  if (certificates == 0) {
    problems.push_back(
        "tls.certificates: the HTTPS listener (tls.listen) needs at least one certificate and "
        "its key (tls.keys)");
  }
  if (s.get_bool("redirect_http") && s.get_string("canonical_host").empty()) {
    problems.push_back(
        "tls.canonical_host: redirects to https need the host to point to (say "
        "\"example.com\"); it is never taken from the request");
  }
  if (certificates == 0 || certificates != keys) return;
  for (const std::string& problem : tls::check_server_settings(tls_server_settings(s))) {
    problems.push_back("tls.certificates: " + problem);
  }
}

std::shared_ptr<tls::CertificateStore> open_https(const config::Settings& settings,
                                                  ServerOptions& options) {
  const auto& s = settings.section("tls");
  options.https.hsts = s.get_string("hsts");
  options.https.redirect = s.get_bool("redirect_http");
  options.https.canonical_host = s.get_string("canonical_host");
  if (!https_enabled(s)) return nullptr;
  auto listen = config::parse_listen(s.get_string("listen"));
  if (!listen) throw std::runtime_error("tls.listen: not HOST:PORT");
  options.https.host = listen->host;
  options.https.port = listen->port;
  std::string error;
  std::shared_ptr<tls::CertificateStore> store =
      tls::CertificateStore::open(tls_server_settings(s), error);
  if (!store) throw std::runtime_error("tls.certificates: " + error);
  options.https.handshake = [store] {
    std::shared_ptr<const tls::ServerTls> current = store->current();
    return TlsHandshake{&current->context(), current};
  };
  if (s.get_bool("watch")) {
    if (!store->watch(error)) {
      throw std::runtime_error("tls.watch: cannot watch the certificate files: " + error +
                               "; set tls.watch = false and reload with SIGHUP");
    }
  }
  return store;
}

}  // namespace ew
