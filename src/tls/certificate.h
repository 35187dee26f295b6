// Reading one certificate and its key from PEM files, with every check a server must pass
// before it offers them: both readable and PEM, the key matching the leaf, the leaf valid now.
#pragma once

#include <openssl/types.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls/server_tls.h"

namespace ew::tls {

struct X509Free {
  void operator()(X509* x) const;
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const;
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct LoadedCertificate {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;  // what followed the leaf in the file
  PkeyPtr key;
  CertificateInfo info;
};

// nullopt with `error` ("<file>: <reason>") when the pair cannot be served at `now`.
std::optional<LoadedCertificate> load_certificate(const CertificateFiles& files, std::time_t now,
                                                  std::string& error);

// The subject, names and validity of `cert`; `file` is copied into the result.
CertificateInfo describe(X509* cert, const std::string& file);

}  // namespace ew::tls
