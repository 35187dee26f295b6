// Who may use the admin endpoints (/_edgewatch/api/..., the dashboard): a request carrying the
// admin token as "Authorization: Bearer <token>", or the cookie of a session opened with that
// token through POST /_edgewatch/login. The query API (src/ingest) and the operations endpoints
// (src/ops) both ask admin_ok(); the dashboard module opens and closes sessions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/http.h"

namespace ew::auth {

inline constexpr std::string_view kSessionCookie = "edgewatch_session";

// Constant-time comparison of `given` with the configured `token` (SHA-256 digests are compared,
// so neither content nor length leaks through timing). An empty configured token never matches.
bool token_matches(std::string_view given, std::string_view token);

// The value of the named cookie in the request's Cookie header(s), or empty.
std::string_view cookie_value(const Request& request, std::string_view name);

// In-memory sessions: ids are 32 random bytes in hex, kept as their SHA-256 digest with an
// expiry and the digest of the token they were opened with, so that changing the admin token
// ends every session. Thread-safe.
class SessionStore {
 public:
  static constexpr std::chrono::hours kLifetime{12};
  static constexpr std::size_t kMaxSessions = 10'000;

  // Opens a session for `token` (assumed already checked) and returns its id.
  std::string open(std::string_view token, std::int64_t now_ms);
  // True when `id` names a live session opened with `token`.
  bool valid(std::string_view id, std::string_view token, std::int64_t now_ms);
  void close(std::string_view id);
  std::size_t size() const;

 private:
  struct Session {
    std::string token_digest;
    std::int64_t expires_ms = 0;
  };
  void purge(std::int64_t now_ms);  // with mutex_ held

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;  // key: digest of the id
  std::deque<std::string> order_;                      // digests, oldest first
};

// The process's sessions.
SessionStore& sessions();

// True when the request may use the admin endpoints: the bearer token matches, or its
// edgewatch_session cookie names a live session. A cookie alone does not authorize a
// state-changing request (not GET or HEAD) that carries an Origin header naming another host
// (SameSite=Strict already keeps cross-site requests from carrying the cookie).
bool admin_ok(const Request& request, const std::string& token);

std::int64_t now_ms();

}  // namespace ew::auth
