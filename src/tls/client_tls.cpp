#include "tls/client_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>

namespace ew::tls {
namespace {

std::string_view without_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

bool load_trust(SSL_CTX* ctx, const ClientSettings& settings, std::string& error) {
  bool ok = settings.ca_file.empty()
                ? SSL_CTX_set_default_verify_paths(ctx) == 1
                : SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) == 1;
  if (!ok) {
    unsigned long code = ERR_peek_last_error();
    const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    std::string source = settings.ca_file.empty() ? "the system trust store" : settings.ca_file;
    error = source + ": cannot load CA certificates (" + (reason ? reason : "unknown reason") + ")";
  }
  ERR_clear_error();
  return ok;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> client_context(const ClientSettings& settings,
                                                          std::string& error) {
  std::shared_ptr<boost::asio::ssl::context> context;
  try {
    context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  } catch (const std::exception& e) {
    error = std::string("OpenSSL cannot make a TLS context: ") + e.what();
    return nullptr;
  }
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (settings.verify) {
    if (!load_trust(ctx, settings, error)) return nullptr;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return context;
}

bool prepare_client(SSL* ssl, std::string_view host, bool verify) {
  std::string name(without_brackets(host));
  bool address = is_ip_literal(name);
  if (!address && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return false;
  if (!verify) return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  // A wildcard stands for a whole label only ("*.example.com", never "w*.example.com"); an
  // address is matched against the certificate's IP entries.
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  bool ok = address ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1
                    : SSL_set1_host(ssl, name.c_str()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace ew::tls
