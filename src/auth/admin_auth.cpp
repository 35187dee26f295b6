#include "auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "util/ascii.h"
#include "util/hex.h"
#include "util/time.h"

namespace ew::auth {
namespace {

std::string digest(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), size);
}

bool same_digest(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "http://host:port" or "https://host" names the request's own Host.
bool origin_matches_host(std::string_view origin, std::string_view host) {
  const std::size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  return !host.empty() && iequals(origin.substr(scheme + 3), host);
}

}  // namespace

bool token_matches(std::string_view given, std::string_view token) {
  const bool same = same_digest(digest(given), digest(token));
  return same && !token.empty();
}

std::string_view cookie_value(const Request& request, std::string_view name) {
  for (const HeaderField& field : request.headers()) {
    if (!iequals(field.name, "Cookie")) continue;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      std::string_view pair = trim_space(rest.substr(0, semi));
      const std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos && trim_space(pair.substr(0, eq)) == name) {
        std::string_view value = trim_space(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        return value;
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string SessionStore::open(std::string_view token, std::int64_t now_ms) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string id = to_hex(raw, sizeof raw);
  const auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(kLifetime).count();
  std::string key = digest(id);
  std::lock_guard lock(mutex_);
  purge(now_ms);
  while (sessions_.size() >= kMaxSessions && !order_.empty()) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
  sessions_[key] = Session{digest(token), now_ms + lifetime};
  order_.push_back(std::move(key));
  return id;
}

bool SessionStore::valid(std::string_view id, std::string_view token, std::int64_t now_ms) {
  if (id.size() != 64 || token.empty()) return false;
  const std::string key = digest(id);
  const std::string token_digest = digest(token);
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return false;
  if (it->second.expires_ms <= now_ms) {
    sessions_.erase(it);
    return false;
  }
  return same_digest(it->second.token_digest, token_digest);
}

void SessionStore::close(std::string_view id) {
  const std::string key = digest(id);
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
  // Its entry in order_ goes when it reaches the front; compact when many are stale.
  if (order_.size() > 2 * sessions_.size() + 64) {
    std::deque<std::string> live;
    for (std::string& k : order_) {
      if (sessions_.count(k)) live.push_back(std::move(k));
    }
    order_.swap(live);
  }
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionStore::purge(std::int64_t now_ms) {
  // Sessions expire in the order they were opened, so the front is the oldest.
  while (!order_.empty()) {
    auto it = sessions_.find(order_.front());
    if (it != sessions_.end() && it->second.expires_ms > now_ms) break;
    if (it != sessions_.end()) sessions_.erase(it);
    order_.pop_front();
  }
}

SessionStore& sessions() {
  static SessionStore store;
  return store;
}

int GuessThrottle::retry_after_s(std::string_view address, std::int64_t now_ms) {
  const int limit = limit_.load();
  if (limit <= 0) return 0;
  std::lock_guard lock(mutex_);
  auto it = failures_.find(std::string(address));
  if (it == failures_.end()) return 0;
  const std::int64_t left = it->second.window_start + kWindowMs - now_ms;
  if (left <= 0) {
    failures_.erase(it);
    return 0;
  }
  if (it->second.count < limit) return 0;
  return static_cast<int>((left + 999) / 1000);
}

void GuessThrottle::failed(std::string_view address, std::int64_t now_ms) {
  if (limit_.load() <= 0) return;
  std::lock_guard lock(mutex_);
  if (failures_.size() > 10'000) {
    std::erase_if(failures_, [now_ms](const auto& kv) {
      return now_ms - kv.second.window_start >= kWindowMs;
    });
    // Many addresses failing at once: fail open rather than grow without bound.
    if (failures_.size() > 100'000) failures_.clear();
  }
  Entry& entry = failures_[std::string(address)];
  if (entry.count == 0 || now_ms - entry.window_start >= kWindowMs) entry = {now_ms, 0};
  ++entry.count;
}

void GuessThrottle::succeeded(std::string_view address) {
  std::lock_guard lock(mutex_);
  failures_.erase(std::string(address));
}

Access AdminGate::access(const Request& request) {
  if (token_.empty()) return Access::kDenied;  // the API is closed: there is nothing to guess
  std::string_view auth = trim_space(request.header("Authorization"));
  if (auth.size() >= 7 && iequals(auth.substr(0, 7), "Bearer ")) {
    const std::int64_t now = now_ms();
    if (guesses_.retry_after_s(request.client_address, now) > 0) return Access::kThrottled;
    // A success does not clear the address's failures (the sign-in form's does): scripts that
    // hold the token would otherwise reset a guesser's count behind the same NAT on every call.
    if (token_matches(trim_space(auth.substr(7)), token_)) return Access::kGranted;
    guesses_.failed(request.client_address, now);
    return Access::kDenied;
  }
  std::string_view id = cookie_value(request, kSessionCookie);
  if (id.empty() || !sessions_.valid(id, token_, now_ms())) return Access::kDenied;
  if (request.method != Method::kGet && request.method != Method::kHead &&
      request.has_header("Origin") &&
      !origin_matches_host(request.header("Origin"), request.header("Host"))) {
    return Access::kDenied;
  }
  return Access::kGranted;
}

bool AdminGate::allows(const Request& request) {
  return access(request) == Access::kGranted;
}

Response unauthorized(std::string_view request_id) {
  Response r =
      error_response(401, "unauthorized",
                     "a valid bearer token is required (Authorization: Bearer ...)", request_id);
  r.add_header("WWW-Authenticate", "Bearer realm=\"edgewatch\"");
  return r;
}

std::optional<Response> AdminGate::refusal(const Request& request) {
  switch (access(request)) {
    case Access::kGranted:
      return std::nullopt;
    case Access::kDenied:
      return unauthorized(request.request_id);
    case Access::kThrottled:
      break;
  }
  const int retry = std::max(1, guesses_.retry_after_s(request.client_address, now_ms()));
  Response r = error_response(
      429, "too_many_attempts",
      "too many wrong admin tokens from this address; try again in " + std::to_string(retry) + " s",
      request.request_id);
  r.add_header("Retry-After", std::to_string(retry));
  return r;
}

Handler admin_only(std::shared_ptr<AdminGate> gate, Handler inner) {
  return
      [gate = std::move(gate), inner = std::move(inner)](Request& request, Responder& responder) {
        if (auto refused = gate->refusal(request)) {
          responder.send(std::move(*refused));
          return;
        }
        inner(request, responder);
      };
}

}  // namespace ew::auth
