#include "tls/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/ascii.h"
#include "util/time.h"

namespace ew::tls {
namespace {

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// The file's bytes; nullopt with the reason when it cannot be read.
std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
  std::string text;
  char buf[16384];
  std::size_t n = 0;
  while (file && (n = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, n);
  if (!file || std::ferror(file.get())) {
    error = path + ": cannot be read (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  return text;
}

// OpenSSL's reason for the last failure, and an empty queue for the next operation.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  std::string reason = code == 0                       ? ""
                       : ERR_reason_error_string(code) ? ERR_reason_error_string(code)
                                                       : "";
  ERR_clear_error();
  return reason;
}

bool looks_like_pem(const std::string& text) {
  return text.find("-----BEGIN ") != std::string::npos;
}

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompts on the terminal for the passphrase of an encrypted key, which would hang a
// server started by systemd: such a key is refused.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

std::optional<std::string> read_pem(const std::string& path, std::string& error) {
  auto text = read_file(path, error);
  if (text && !looks_like_pem(*text)) {
    error = path + ": not a PEM file";
    return std::nullopt;
  }
  return text;
}

bool read_certificates(const std::string& path, LoadedCertificate& out, std::string& error) {
  auto text = read_pem(path, error);
  if (!text) return false;
  BioPtr bio = memory_bio(*text);
  out.leaf.reset(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  if (!out.leaf) {
    std::string reason = openssl_reason();
    error = path + ": no certificate in the file" + (reason.empty() ? "" : " (" + reason + ")");
    return false;
  }
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    out.chain.emplace_back(next);
  }
  ERR_clear_error();  // the end of the file reads as "no start line"
  return true;
}

bool read_key(const std::string& path, LoadedCertificate& out, std::string& error) {
  auto text = read_pem(path, error);
  if (!text) return false;
  BioPtr bio = memory_bio(*text);
  out.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!out.key) {
    std::string reason = openssl_reason();
    error = path + ": no usable private key in the file (" +
            (reason.empty() ? "unknown reason" : reason) + "; encrypted keys are not supported)";
    return false;
  }
  return true;
}

std::string iso_date(std::int64_t unix_seconds) {
  return format_iso8601(unix_seconds * 1000);
}

bool check_validity(const CertificateInfo& info, std::time_t now, std::string& error) {
  if (info.not_after < now) {
    error = info.file + ": expired on " + iso_date(info.not_after);
    return false;
  }
  if (info.not_before > now) {
    error = info.file + ": not valid before " + iso_date(info.not_before);
    return false;
  }
  return true;
}

std::int64_t unix_seconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string asn1_text(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return {};
  std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

std::string subject_text(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) names.push_back(ascii_lower(asn1_text(name->d.dNSName)));
  }
  GENERAL_NAMES_free(sans);
  if (!names.empty()) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    names.push_back(
        ascii_lower(asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)))));
  }
  return names;
}

}  // namespace

void X509Free::operator()(X509* x) const {
  X509_free(x);
}

void PkeyFree::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

CertificateInfo describe(X509* cert, const std::string& file) {
  CertificateInfo info;
  info.file = file;
  info.subject = subject_text(cert);
  info.names = dns_names(cert);
  info.not_before = unix_seconds(X509_get0_notBefore(cert));
  info.not_after = unix_seconds(X509_get0_notAfter(cert));
  return info;
}

std::optional<LoadedCertificate> load_certificate(const CertificateFiles& files, std::time_t now,
                                                  std::string& error) {
  LoadedCertificate loaded;
  if (!read_certificates(files.certificate, loaded, error)) return std::nullopt;
  if (!read_key(files.key, loaded, error)) return std::nullopt;
  if (X509_check_private_key(loaded.leaf.get(), loaded.key.get()) != 1) {
    ERR_clear_error();
    error = files.key + ": the key does not match the certificate in " + files.certificate;
    return std::nullopt;
  }
  loaded.info = describe(loaded.leaf.get(), files.certificate);
  if (!check_validity(loaded.info, now, error)) return std::nullopt;
  return loaded;
}

}  // namespace ew::tls
