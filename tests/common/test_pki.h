// A certificate authority made at test time, and the server certificates it signs: ECDSA P-256
// keys, SHA-256 signatures, written as PEM files into a directory the test owns. No key is
// committed to the repository; every run makes new ones.
//
//   ew::test::TestPki pki(dir);
//   auto files = pki.leaf("site", {.dns = {"example.com", "*.example.com"}});
//   // files.certificate = dir/site.pem, files.key = dir/site.key, pki.ca_file() = dir/ca.pem
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ew::test {

// Every member has a default, so that a test names only what it cares about:
// `{.dns = {"example.com"}}`.
struct LeafOptions {
  std::vector<std::string> dns = {};  // subjectAltName DNS names; the first is also the CN
  std::vector<std::string> ips = {};  // subjectAltName IP addresses
  // The validity window, relative to now: valid from an hour ago for 30 days unless a test wants
  // an expired (both negative) or a not-yet-valid (both positive) certificate.
  std::chrono::seconds not_before = -std::chrono::hours(1);
  std::chrono::seconds not_after = std::chrono::hours(24 * 30);
};

struct LeafFiles {
  std::string certificate;  // <name>.pem: the leaf alone
  std::string key;          // <name>.key: its private key, PKCS#8, unencrypted
};

class TestPki {
 public:
  // Makes the CA (CA:TRUE, keyCertSign and cRLSign) and writes <directory>/ca.pem.
  explicit TestPki(std::string directory);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_file() const { return ca_file_; }

  // A server certificate (serverAuth, a CRL distribution point at http://127.0.0.1/ca.crl)
  // signed by the CA, written to <name>.pem and <name>.key. Files already there are replaced.
  LeafFiles leaf(const std::string& name, const LeafOptions& options) const;
  // A new key that matches no certificate, written to <name>.key.
  std::string mismatched_key(const std::string& name) const;
  // <name> holding `content`: a file that is not what its name says.
  std::string garbage(const std::string& name,
                      const std::string& content = "this is not a certificate\n") const;

 private:
  struct Keys;
  std::string directory_;
  std::string ca_file_;
  std::unique_ptr<Keys> ca_;
};

}  // namespace ew::test
