#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <array>
#include <cstring>
#include <mutex>

namespace ew::tls {
namespace {

using Clock = std::chrono::steady_clock;

struct TicketKey {
  std::array<unsigned char, 16> name{};  // sent in the clear in the ticket: which key sealed it
  std::array<unsigned char, 32> aes{};   // AES-256-CBC
  std::array<unsigned char, 32> hmac{};  // HMAC-SHA256

  ~TicketKey() { OPENSSL_cleanse(this, sizeof *this); }
};

bool random_key(TicketKey& key) {
  return RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) == 1 &&
         RAND_bytes(key.aes.data(), static_cast<int>(key.aes.size())) == 1 &&
         RAND_bytes(key.hmac.data(), static_cast<int>(key.hmac.size())) == 1;
}

// Rotation happens lazily, on the first ticket operation after the current key's lifetime: no
// thread, and an idle process does not churn keys. The lock is taken once per handshake.
class KeyRing {
 public:
  // The key to seal a new ticket with; false when no random bytes could be had.
  bool sealing_key(TicketKey& out) {
    std::lock_guard lock(mutex_);
    if (!rotate_when_due()) return false;
    out = current_;
    return true;
  }

  // The key that sealed a ticket named `name`: 1 the current one, 2 the previous one (the
  // ticket is then renewed under the current key), 0 none (a full handshake follows).
  int opening_key(const unsigned char* name, TicketKey& out) {
    std::lock_guard lock(mutex_);
    if (!rotate_when_due()) return 0;
    if (std::memcmp(name, current_.name.data(), current_.name.size()) == 0) {
      out = current_;
      return 1;
    }
    if (has_previous_ && std::memcmp(name, previous_.name.data(), previous_.name.size()) == 0) {
      out = previous_;
      return 2;
    }
    return 0;
  }

  void set_lifetime(std::chrono::seconds lifetime) {
    std::lock_guard lock(mutex_);
    lifetime_ = lifetime;
  }

  void rotate() {
    std::lock_guard lock(mutex_);
    rotate_now();
  }

 private:
  bool rotate_when_due() {
    if (has_current_ && Clock::now() - rotated_ < lifetime_) return true;
    return rotate_now();
  }

  bool rotate_now() {
    TicketKey fresh;
    if (!random_key(fresh)) return false;
    if (has_current_) {
      previous_ = current_;
      has_previous_ = true;
    }
    current_ = fresh;
    has_current_ = true;
    rotated_ = Clock::now();
    return true;
  }

  std::mutex mutex_;
  TicketKey current_;
  TicketKey previous_;
  bool has_current_ = false;
  bool has_previous_ = false;
  Clock::time_point rotated_{};
  std::chrono::seconds lifetime_{std::chrono::hours(12)};
};

KeyRing& ring() {
  static KeyRing keys;
  return keys;
}

// OpenSSL's contract: on encryption fill key_name and iv and set up both contexts; on
// decryption find the key by key_name. A negative return aborts the handshake.
int ticket_callback(SSL*, unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac, int encrypt) {
  TicketKey key;
  int result = 1;
  if (encrypt == 1) {
    int iv_length = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
    if (!ring().sealing_key(key) || RAND_bytes(iv, iv_length) != 1) return 0;  // no ticket
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) return -1;
  } else {
    result = ring().opening_key(key_name, key);
    if (result == 0) return 0;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) != 1) return -1;
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(mac, key.hmac.data(), key.hmac.size(), params) != 1) return -1;
  return result;
}

}  // namespace

bool use_ticket_keys(SSL_CTX* ctx, std::chrono::seconds key_lifetime) {
  ring().set_lifetime(key_lifetime);
  return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback) == 1;
}

void rotate_ticket_keys_for_test() {
  ring().rotate();
}

}  // namespace ew::tls
