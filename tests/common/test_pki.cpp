#include "test_pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

namespace ew::test {
namespace {

struct PkeyDelete {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDelete {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyDelete>;
using Cert = std::unique_ptr<X509, CertDelete>;

// Test set-up that cannot go on: a thrown exception fails the test with the reason.
void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  require(key != nullptr, "EC key generation failed");
  return key;
}

Cert new_certificate(const std::string& common_name, std::chrono::seconds not_before,
                     std::chrono::seconds not_after, EVP_PKEY* key) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("edgewatch tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_pubkey(cert.get(), key);
  return cert;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  require(extension != nullptr, "bad certificate extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

std::string subject_alt_names(const LeafOptions& options) {
  std::string names;
  for (const std::string& dns : options.dns) names += (names.empty() ? "" : ",") + ("DNS:" + dns);
  for (const std::string& ip : options.ips) names += (names.empty() ? "" : ",") + ("IP:" + ip);
  return names;
}

std::string pem(int (*write)(BIO*, void*), void* object) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  require(write(bio.get(), object) == 1, "PEM encoding failed");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string certificate_pem(X509* cert) {
  return pem([](BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }, cert);
}

std::string key_pem(EVP_PKEY* key) {
  return pem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      key);
}

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  require(static_cast<bool>(out), "cannot write a file");
  return path;
}

}  // namespace

struct TestPki::Keys {
  Key key;
  Cert cert;
};

TestPki::TestPki(std::string directory)
    : directory_(std::move(directory)), ca_(std::make_unique<Keys>()) {
  ca_->key = new_key();
  ca_->cert = new_certificate("edgewatch test CA", -std::chrono::hours(24),
                              std::chrono::hours(24 * 365), ca_->key.get());
  X509* cert = ca_->cert.get();
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  require(X509_sign(cert, ca_->key.get(), EVP_sha256()) > 0, "signing the CA failed");
  ca_file_ = write_file(directory_ + "/ca.pem", certificate_pem(cert));
}

TestPki::~TestPki() = default;

LeafFiles TestPki::leaf(const std::string& name, const LeafOptions& options) const {
  Key key = new_key();
  std::string common_name = options.dns.empty() ? name : options.dns.front();
  Cert cert = new_certificate(common_name, options.not_before, options.not_after, key.get());
  X509* issuer = ca_->cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  add_extension(cert.get(), issuer, NID_crl_distribution_points, "URI:http://127.0.0.1/ca.crl");
  std::string names = subject_alt_names(options);
  if (!names.empty()) add_extension(cert.get(), issuer, NID_subject_alt_name, names);
  require(X509_sign(cert.get(), ca_->key.get(), EVP_sha256()) > 0, "signing a leaf failed");
  LeafFiles files;
  files.certificate = write_file(directory_ + "/" + name + ".pem", certificate_pem(cert.get()));
  files.key = write_file(directory_ + "/" + name + ".key", key_pem(key.get()));
  return files;
}

std::string TestPki::mismatched_key(const std::string& name) const {
  Key key = new_key();
  return write_file(directory_ + "/" + name + ".key", key_pem(key.get()));
}

std::string TestPki::garbage(const std::string& name, const std::string& content) const {
  return write_file(directory_ + "/" + name, content);
}

}  // namespace ew::test
