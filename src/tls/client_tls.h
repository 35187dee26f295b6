// TLS for edgewatch's own outgoing connections (the gateway's https:// upstreams, webhooks,
// readiness probes): TLS 1.2 or newer, and the peer verified against the system's trust store
// or a given CA file, for the host name (or IP address) the caller meant to reach.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

namespace ew::tls {

struct ClientSettings {
  std::string ca_file;  // PEM; empty = the system's trust store
  bool verify = true;   // false: any certificate is accepted (test upstreams only)
};

// Null with `error` when the CA file cannot be loaded. One context serves any number of
// connections, from any thread.
std::shared_ptr<boost::asio::ssl::context> client_context(const ClientSettings& settings,
                                                          std::string& error);

// Prepares a new connection to `host` (a name or an IP address, IPv6 with or without brackets):
// SNI for a name (never for an address, RFC 6066), and, when `verify`, the name or address the
// certificate must carry. False when that could not be set: the caller must not connect then.
bool prepare_client(SSL* ssl, std::string_view host, bool verify);

}  // namespace ew::tls
