// Upstream pools: which upstream serves the next request (round robin or least-request with two
// random choices), active health state, and passive outlier detection as a circuit breaker.
// Shared by every worker thread; all state is atomic, so picking costs no lock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ew::proxy {

using Clock = std::chrono::steady_clock;

// Fixed-bucket histogram of durations, lock-free to observe and cheap to read.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1,    2.5,   10};
  void observe(double seconds);
  std::array<std::uint64_t, kBounds.size() + 1> counts() const;  // last bucket = +Inf
  double sum() const { return static_cast<double>(sum_us_.load()) / 1e6; }
  std::uint64_t count() const { return count_.load(); }

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> count_{0};
};

// What the gateway counts per upstream, for the metrics endpoint.
struct UpstreamStats {
  std::array<std::atomic<std::uint64_t>, 5> responses_by_class{};  // 1xx..5xx
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failures{0};  // connect errors, resets, timeouts, 5xx
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> client_aborts{0};
  std::atomic<std::uint64_t> bytes_to_upstream{0};
  std::atomic<std::uint64_t> bytes_from_upstream{0};
  std::atomic<std::int64_t> open_streams{0};
  std::atomic<std::int64_t> open_websockets{0};
  Histogram time_to_first_byte;
  Histogram stream_duration;
};

enum class CircuitState : std::uint8_t { kClosed, kOpen, kHalfOpen };
const char* to_string(CircuitState state);

struct CircuitOptions {
  int consecutive_failures = 5;
  std::chrono::milliseconds base_ejection{10'000};
  std::chrono::milliseconds max_ejection{300'000};
};

class Upstream {
 public:
  Upstream(std::string url, std::string host, std::uint16_t port, std::string base_path,
           CircuitOptions circuit);

  const std::string& url() const { return url_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& base_path() const { return base_path_; }

  // Whether a new request may go here now. In half-open state one trial at a time passes.
  bool available(Clock::time_point now) const;
  CircuitState circuit(Clock::time_point now) const;
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  void set_healthy(bool healthy) { healthy_.store(healthy, std::memory_order_relaxed); }
  Clock::time_point ejected_until() const;

  // Request accounting for least-request balancing.
  void begin() { active_.fetch_add(1, std::memory_order_relaxed); }
  void end() { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t active() const { return active_.load(std::memory_order_relaxed); }

  // Passive outlier detection: a success closes the circuit; N consecutive failures open it
  // for a back-off that doubles with each ejection in a row, up to the maximum.
  void record_success();
  void record_failure(Clock::time_point now);
  // Claims the single trial slot of a half-open circuit; false when another trial runs.
  bool try_begin_trial(Clock::time_point now);

  UpstreamStats stats;

 private:
  std::string url_;
  std::string host_;
  std::uint16_t port_;
  std::string base_path_;
  CircuitOptions circuit_;
  std::atomic<bool> healthy_{true};
  std::atomic<std::int64_t> active_{0};
  std::atomic<int> consecutive_failures_{0};
  std::atomic<int> ejections_{0};
  std::atomic<std::int64_t> ejected_until_ns_{0};
  std::atomic<bool> trial_running_{false};
};

enum class Balancer : std::uint8_t { kRoundRobin, kLeastRequest };

class Pool {
 public:
  Pool(std::vector<std::unique_ptr<Upstream>> upstreams, Balancer balancer);

  // The upstream for the next attempt, skipping those in `tried`; null when none is available.
  Upstream* pick(Clock::time_point now, const std::vector<const Upstream*>& tried);
  // When every upstream is unavailable: how long until one may be again (for Retry-After).
  std::chrono::seconds retry_after(Clock::time_point now) const;

  const std::vector<std::unique_ptr<Upstream>>& upstreams() const { return upstreams_; }

 private:
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  Balancer balancer_;
  std::atomic<std::uint64_t> next_{0};
};

// Bounds retries to a share of the requests in flight, so retries cannot multiply an outage
// (Envoy's retry budget): a retry is allowed while retries in flight stay under
// max(min_concurrent, ratio * requests in flight).
class RetryBudget {
 public:
  RetryBudget(double ratio, int min_concurrent) : ratio_(ratio), min_(min_concurrent) {}
  void begin_request() { requests_.fetch_add(1, std::memory_order_relaxed); }
  void end_request() { requests_.fetch_sub(1, std::memory_order_relaxed); }
  bool try_begin_retry();
  void end_retry() { retries_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  double ratio_;
  int min_;
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> retries_{0};
};

}  // namespace ew::proxy
