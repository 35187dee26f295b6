// The session-ticket keys of the whole process: a current key that seals new tickets and the
// previous one that still opens tickets sealed before the last rotation. Every SSL_CTX the
// server builds uses this one ring, so a ticket survives a certificate reload and an SNI switch,
// and a stolen key stops opening tickets after two rotations. Keys come from RAND_bytes and never
// leave memory. TLS 1.2 and TLS 1.3 tickets alike are sealed through the callback below.
#pragma once

#include <openssl/types.h>

#include <chrono>

namespace ew::tls {

// Installs the ring's callback on `ctx` and sets how long a key seals new tickets before the
// next takes over (the last call wins: one lifetime for the process).
bool use_ticket_keys(SSL_CTX* ctx, std::chrono::seconds key_lifetime);

// Makes a new current key now, as if its lifetime had passed; for tests.
void rotate_ticket_keys_for_test();

}  // namespace ew::tls
