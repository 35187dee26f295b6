#include "tls/server_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstring>
#include <ctime>

#include "tls/certificate.h"
#include "tls/ticket_keys.h"
#include "util/ascii.h"

namespace ew::tls {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 ciphers without the DHE ones: every modern client has ECDHE.
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";
// Sessions resumed from the cache must have been made by this server (OpenSSL refuses a
// cached session whose context id differs); the same on every context, so an SNI switch keeps it.
constexpr std::string_view kSessionContext = "edgewatch";

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> items;
  while (!list.empty()) {
    std::size_t end = list.find_first_of(":, ");
    if (end != 0) items.push_back(list.substr(0, end));
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return items;
}

// OpenSSL takes a list in which some names are unknown as long as one is known; an operator's
// typo would then pass unnoticed, so every name is tried alone first.
void check_cipher_names(SSL_CTX* ctx, const std::string& list, std::vector<std::string>& problems) {
  for (std::string_view name : split_list(list)) {
    if (std::string_view("!-+@").find(name.front()) != std::string_view::npos) continue;
    if (SSL_CTX_set_cipher_list(ctx, std::string(name).c_str()) != 1) {
      problems.push_back("ciphers: no TLS 1.2 cipher matches \"" + std::string(name) +
                         "\" (TLS 1.3 suites belong in ciphersuites)");
    }
  }
  ERR_clear_error();
}

void check_suite_names(SSL_CTX* ctx, const std::string& list, std::vector<std::string>& problems) {
  for (std::string_view name : split_list(list)) {
    if (SSL_CTX_set_ciphersuites(ctx, std::string(name).c_str()) != 1) {
      problems.push_back("ciphersuites: unknown TLS 1.3 suite \"" + std::string(name) + "\"");
    }
  }
  ERR_clear_error();
}

int min_version(const ServerSettings& settings) {
  return settings.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
}

// Versions, options, ciphers, groups and resumption: the same on every context. Problems are
// the settings' own, not a certificate's.
void apply_protocols(SSL_CTX* ctx, const ServerSettings& settings,
                     std::vector<std::string>& problems) {
  SSL_CTX_set_min_proto_version(ctx, min_version(settings));
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE |
                               (settings.session_tickets ? 0 : SSL_OP_NO_TICKET));
  const std::string& ciphers = settings.ciphers.empty() ? kIntermediateCiphers : settings.ciphers;
  check_cipher_names(ctx, ciphers, problems);
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    problems.push_back("ciphers: no TLS 1.2 cipher in \"" + ciphers + "\"");
  }
  if (!settings.ciphersuites.empty()) {
    check_suite_names(ctx, settings.ciphersuites, problems);
    if (SSL_CTX_set_ciphersuites(ctx, settings.ciphersuites.c_str()) != 1) {
      problems.push_back("ciphersuites: no TLS 1.3 suite in \"" + settings.ciphersuites + "\"");
    }
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) problems.push_back("groups unavailable");
  SSL_CTX_set_dh_auto(ctx, 1);  // only for DHE ciphers an operator adds
  SSL_CTX_set_session_id_context(ctx,
                                 reinterpret_cast<const unsigned char*>(kSessionContext.data()),
                                 static_cast<unsigned>(kSessionContext.size()));
  // The cache serves TLS 1.2 clients without tickets. It is bounded and evicts its oldest
  // entries when full, so OpenSSL's automatic clearing (a walk over the whole cache every 255
  // handshakes) is not needed.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
  SSL_CTX_sess_set_cache_size(ctx, 10'240);
  SSL_CTX_set_timeout(ctx, static_cast<long>(settings.ticket_key_lifetime.count()));
  if (settings.session_tickets && !use_ticket_keys(ctx, settings.ticket_key_lifetime)) {
    problems.push_back("session tickets: the key callback was refused");
  }
  ERR_clear_error();
}

void check_plain_settings(const ServerSettings& settings, std::vector<std::string>& problems) {
  if (settings.certificates.empty()) problems.push_back("no certificate configured");
  if (settings.min_version != "1.2" && settings.min_version != "1.3") {
    problems.push_back("min_version: must be \"1.2\" or \"1.3\", not \"" + settings.min_version +
                       "\"");
  }
  for (const std::string& protocol : settings.alpn) {
    if (protocol.empty() || protocol.size() > 255) {
      problems.push_back("alpn: \"" + protocol + "\" is not a protocol name (1 to 255 bytes)");
    }
  }
  if (settings.ticket_key_lifetime.count() <= 0) {
    problems.push_back("ticket_key_lifetime: must be positive");
  }
}

// The settings' own problems, found on a context that serves nothing.
void check_protocols(const ServerSettings& settings, std::vector<std::string>& problems) {
  std::unique_ptr<SSL_CTX, SslCtxFree> scratch(SSL_CTX_new(TLS_server_method()));
  if (!scratch) {
    problems.push_back("OpenSSL cannot make a TLS context");
    return;
  }
  apply_protocols(scratch.get(), settings, problems);
}

bool use_certificate(SSL_CTX* ctx, const LoadedCertificate& loaded, std::string& error) {
  bool ok = SSL_CTX_use_certificate(ctx, loaded.leaf.get()) == 1;
  for (const X509Ptr& cert : loaded.chain) ok = ok && SSL_CTX_add1_chain_cert(ctx, cert.get()) == 1;
  ok = ok && SSL_CTX_use_PrivateKey(ctx, loaded.key.get()) == 1 &&
       SSL_CTX_check_private_key(ctx) == 1;
  if (!ok) {
    unsigned long code = ERR_peek_last_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    error =
        loaded.info.file + ": refused by OpenSSL (" + (reason ? reason : "unknown reason") + ")";
  }
  ERR_clear_error();
  return ok;
}

std::string_view without_trailing_dot(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool name_covers(std::string_view name, std::string_view host) {
  host = without_trailing_dot(host);
  if (!name.starts_with("*.")) return equal_ignoring_case(name, host);
  std::string_view suffix = name.substr(1);  // ".example.com"
  if (host.size() <= suffix.size()) return false;
  std::string_view label = host.substr(0, host.size() - suffix.size());
  return label.find('.') == std::string_view::npos &&
         equal_ignoring_case(host.substr(label.size()), suffix);
}

struct ServerTls::Impl {
  std::vector<std::unique_ptr<ssl::context>> contexts;  // one per certificate, the first default
  std::vector<CertificateInfo> certificates;
  std::vector<std::string> alpn;

  // The certificate for `host`: an exact name first, then a wildcard, else the default.
  std::size_t select(std::string_view host) const {
    for (bool wildcard : {false, true}) {
      for (std::size_t i = 0; i < certificates.size(); ++i) {
        for (const std::string& name : certificates[i].names) {
          if (name.starts_with("*.") == wildcard && name_covers(name, host)) return i;
        }
      }
    }
    return 0;
  }

  std::size_t index_of(const SSL_CTX* ctx) const {
    for (std::size_t i = 0; i < contexts.size(); ++i) {
      if (contexts[i]->native_handle() == ctx) return i;
    }
    return 0;
  }
};

namespace {

int on_server_name(SSL* ssl, int*, void* arg) {
  const auto* impl = static_cast<const ServerTls::Impl*>(arg);
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (host == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  std::size_t chosen = impl->select(host);
  if (chosen != 0) SSL_set_SSL_CTX(ssl, impl->contexts[chosen]->native_handle());
  return SSL_TLSEXT_ERR_OK;
}

// The first of our protocols (in our order) that the client offers. A client offering none of
// them gets no ALPN extension, and the handshake goes on: HTTP/1.1 is what it gets.
int on_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
            unsigned int in_length, void* arg) {
  const auto* impl = static_cast<const ServerTls::Impl*>(arg);
  for (const std::string& ours : impl->alpn) {
    for (unsigned int i = 0; i < in_length; i += 1u + in[i]) {
      unsigned int length = in[i];
      if (i + 1 + length > in_length) break;  // malformed list
      if (length == ours.size() && std::memcmp(in + i + 1, ours.data(), length) == 0) {
        *out = in + i + 1;
        *out_length = static_cast<unsigned char>(length);
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::unique_ptr<ssl::context> make_context(const ServerSettings& settings,
                                           const LoadedCertificate& loaded, ServerTls::Impl& impl,
                                           std::string& error) {
  std::unique_ptr<ssl::context> context;
  try {
    context = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    error = std::string("OpenSSL cannot make a TLS context: ") + e.what();
    return nullptr;
  }
  SSL_CTX* ctx = context->native_handle();
  std::vector<std::string> checked_before;  // check_protocols reported these already
  apply_protocols(ctx, settings, checked_before);
  if (!use_certificate(ctx, loaded, error)) return nullptr;
  SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
  SSL_CTX_set_tlsext_servername_arg(ctx, &impl);
  if (!impl.alpn.empty()) SSL_CTX_set_alpn_select_cb(ctx, on_alpn, &impl);
  return context;
}

std::unique_ptr<ServerTls::Impl> make_impl(const ServerSettings& settings,
                                           std::vector<std::string>& problems) {
  check_plain_settings(settings, problems);
  check_protocols(settings, problems);
  auto impl = std::make_unique<ServerTls::Impl>();
  impl->alpn = settings.alpn;
  std::time_t now = std::time(nullptr);
  for (const CertificateFiles& files : settings.certificates) {
    std::string error;
    auto loaded = load_certificate(files, now, error);
    auto context = loaded ? make_context(settings, *loaded, *impl, error) : nullptr;
    if (!context) {
      problems.push_back(error);
      continue;
    }
    impl->contexts.push_back(std::move(context));
    impl->certificates.push_back(std::move(loaded->info));
  }
  return problems.empty() ? std::move(impl) : nullptr;
}

std::string join(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) text += (text.empty() ? "" : "; ") + problem;
  return text;
}

}  // namespace

ServerTls::ServerTls(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServerTls::~ServerTls() = default;

std::shared_ptr<const ServerTls> ServerTls::build(const ServerSettings& settings,
                                                  std::string& error) {
  std::vector<std::string> problems;
  auto impl = make_impl(settings, problems);
  if (!impl) {
    error = join(problems);
    return nullptr;
  }
  return std::shared_ptr<const ServerTls>(new ServerTls(std::move(impl)));
}

boost::asio::ssl::context& ServerTls::context() const {
  return *impl_->contexts.front();
}

const std::vector<CertificateInfo>& ServerTls::certificates() const {
  return impl_->certificates;
}

bool ServerTls::covers(SSL* ssl, std::string_view host) const {
  const CertificateInfo& chosen = impl_->certificates[impl_->index_of(SSL_get_SSL_CTX(ssl))];
  for (const std::string& name : chosen.names) {
    if (name_covers(name, host)) return true;
  }
  return false;
}

std::vector<std::string> check_server_settings(const ServerSettings& settings) {
  std::vector<std::string> problems;
  make_impl(settings, problems);
  return problems;
}

std::string_view negotiated_alpn(SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &data, &length);
  return data == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(data), length);
}

}  // namespace ew::tls
