#include "proxy/upstream.h"

#include <algorithm>
#include <random>

namespace ew::proxy {
namespace {

std::int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::uint64_t thread_random() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  return generator();
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<std::uint64_t, Histogram::kBounds.size() + 1> Histogram::counts() const {
  std::array<std::uint64_t, kBounds.size() + 1> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load();
  return out;
}

const char* to_string(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

Upstream::Upstream(std::string url, std::string host, std::uint16_t port, std::string base_path,
                   CircuitOptions circuit)
    : url_(std::move(url)),
      host_(std::move(host)),
      port_(port),
      base_path_(std::move(base_path)),
      circuit_(circuit) {}

CircuitState Upstream::circuit(Clock::time_point now) const {
  if (ejections_.load(std::memory_order_relaxed) == 0) return CircuitState::kClosed;
  return to_ns(now) < ejected_until_ns_.load(std::memory_order_relaxed) ? CircuitState::kOpen
                                                                        : CircuitState::kHalfOpen;
}

Clock::time_point Upstream::ejected_until() const {
  return Clock::time_point(std::chrono::nanoseconds(ejected_until_ns_.load()));
}

bool Upstream::available(Clock::time_point now) const {
  if (!healthy()) return false;
  switch (circuit(now)) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kOpen:
      return false;
    case CircuitState::kHalfOpen:
      return !trial_running_.load(std::memory_order_relaxed);
  }
  return true;
}

bool Upstream::try_begin_trial(Clock::time_point now) {
  if (circuit(now) != CircuitState::kHalfOpen) return true;
  bool expected = false;
  return trial_running_.compare_exchange_strong(expected, true);
}

void Upstream::record_success() {
  consecutive_failures_.store(0, std::memory_order_relaxed);
  if (ejections_.load(std::memory_order_relaxed) != 0) {
    ejections_.store(0, std::memory_order_relaxed);
    ejected_until_ns_.store(0, std::memory_order_relaxed);
  }
  trial_running_.store(false, std::memory_order_relaxed);
}

void Upstream::record_failure(Clock::time_point now) {
  stats.failures.fetch_add(1, std::memory_order_relaxed);
  bool was_trial = trial_running_.exchange(false);
  int failures = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (!was_trial && failures < circuit_.consecutive_failures) return;
  // Eject, for longer each time in a row: base, 2x base, 4x base, ... up to the maximum.
  int ejections = ejections_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::chrono::milliseconds backoff = circuit_.base_ejection * (1 << std::min(ejections - 1, 16));
  backoff = std::min(backoff, circuit_.max_ejection);
  ejected_until_ns_.store(to_ns(now + backoff), std::memory_order_relaxed);
  consecutive_failures_.store(0, std::memory_order_relaxed);
}

Pool::Pool(std::vector<std::unique_ptr<Upstream>> upstreams, Balancer balancer)
    : upstreams_(std::move(upstreams)), balancer_(balancer) {}

Upstream* Pool::pick(Clock::time_point now, const std::vector<const Upstream*>& tried) {
  // Candidates on the stack: pools are small, and this runs per request.
  std::array<Upstream*, 64> candidates{};
  std::size_t n = 0;
  for (const auto& u : upstreams_) {
    if (n == candidates.size()) break;
    if (!u->available(now)) continue;
    if (std::find(tried.begin(), tried.end(), u.get()) != tried.end()) continue;
    candidates[n++] = u.get();
  }
  if (n == 0) return nullptr;
  if (n == 1) return candidates[0];
  if (balancer_ == Balancer::kRoundRobin) {
    return candidates[next_.fetch_add(1, std::memory_order_relaxed) % n];
  }
  // Least request with two random choices: nearly as good as a full scan, and it never herds
  // every worker onto the one upstream that looked idlest a moment ago.
  std::size_t a = thread_random() % n;
  std::size_t b = thread_random() % (n - 1);
  if (b >= a) ++b;
  return candidates[a]->active() <= candidates[b]->active() ? candidates[a] : candidates[b];
}

std::chrono::seconds Pool::retry_after(Clock::time_point now) const {
  auto soonest = Clock::time_point::max();
  for (const auto& u : upstreams_) {
    if (u->healthy() && u->circuit(now) == CircuitState::kOpen) {
      soonest = std::min(soonest, u->ejected_until());
    }
  }
  if (soonest == Clock::time_point::max()) return std::chrono::seconds(5);
  auto wait = std::chrono::ceil<std::chrono::seconds>(soonest - now);
  return std::max(wait, std::chrono::seconds(1));
}

bool RetryBudget::try_begin_retry() {
  auto requests = requests_.load(std::memory_order_relaxed);
  auto allowed = std::max<std::int64_t>(min_, static_cast<std::int64_t>(ratio_ * requests));
  if (retries_.fetch_add(1, std::memory_order_relaxed) + 1 > allowed) {
    retries_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

}  // namespace ew::proxy
