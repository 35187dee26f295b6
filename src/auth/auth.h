// Who may use the admin endpoints (/_edgewatch/api/..., the dashboard): a request carrying the
// admin token as "Authorization: Bearer <token>", or the cookie of a session opened with that
// token through POST /_edgewatch/login. Every module with admin endpoints asks the one AdminGate;
// the dashboard module opens and closes sessions. Wrong tokens,
// through the sign-in form or the bearer header alike, are throttled per client address.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "core/handler.h"
#include "core/http.h"
#include "core/module.h"

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

// Failed guesses of the admin token per client address, in fixed one-minute windows that start
// at the first failure. The sign-in form and the bearer header count against one allowance, so
// alternating between them buys a guesser nothing. Thread-safe; memory bounded (expired windows
// are forgotten once 10000 addresses are tracked; past 100000 tracking restarts).
class GuessThrottle {
 public:
  static constexpr int kDefaultLimit = 10;
  static constexpr std::int64_t kWindowMs = 60'000;

  // Failures allowed per address and minute; 0 turns the throttle off.
  void set_limit(int failures_per_minute) { limit_.store(failures_per_minute); }
  int limit() const { return limit_.load(); }
  // Whole seconds until `address` may try again; 0 when it may try now.
  int retry_after_s(std::string_view address, std::int64_t now_ms);
  void failed(std::string_view address, std::int64_t now_ms);
  void succeeded(std::string_view address);

 private:
  struct Entry {
    std::int64_t window_start = 0;
    int count = 0;
  };
  std::atomic<int> limit_{kDefaultLimit};
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> failures_;
};

enum class Access : std::uint8_t { kGranted, kDenied, kThrottled };

// The admin token with its sessions and throttle: one instance, made by main() and handed to
// the auth module (which sets the token from [admin] at start) and to every module with admin
// endpoints. Thread-safe once started.
class AdminGate {
 public:
  // Called by the auth module at start, before any request is served.
  void configure(std::string token, int failures_per_minute) {
    token_ = std::move(token);
    guesses_.set_limit(failures_per_minute);
  }
  const std::string& token() const { return token_; }
  SessionStore& sessions() { return sessions_; }
  GuessThrottle& guesses() { return guesses_; }

  // Whether the request may use the admin endpoints. A bearer token from an address over its
  // allowance is kThrottled before it is compared (so a correct guess is not confirmed either); a
  // wrong one counts as a failed guess. Cookies are not counted: a session id is 256 random bits,
  // and a browser with an expired one would otherwise lock its own address out. A cookie alone
  // does not authorize a state-changing request (not GET or HEAD) that carries an Origin header
  // naming another host (SameSite=Strict already keeps cross-site requests from carrying it).
  Access access(const Request& request);
  bool allows(const Request& request);
  // nullopt when access() grants the request; otherwise the answer to send: 401 with
  // WWW-Authenticate, or 429 with Retry-After when its address is over its allowance.
  std::optional<Response> refusal(const Request& request);

 private:
  std::string token_;  // empty: every admin endpoint answers 401
  SessionStore sessions_;
  GuessThrottle guesses_;
};

// `inner`, behind the gate: a refused request gets refusal()'s answer and never reaches it.
Handler admin_only(std::shared_ptr<AdminGate> gate, Handler inner);

// The 401 of the admin endpoints.
Response unauthorized(std::string_view request_id);

// [admin] token, for modules that say at start whether their API is open.
std::string admin_token(const config::Settings& settings);

// Declares [admin]; at start, configures `gate` from it.
ModulePtr make_auth_module(std::shared_ptr<AdminGate> gate);

}  // namespace ew::auth
