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
#include <string_view>
#include <vector>

#include "telemetry/histogram.h"

namespace boost::asio::ssl {
class context;
}

namespace ew::proxy {

using Clock = std::chrono::steady_clock;

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
  telemetry::Histogram time_to_first_byte;
  telemetry::Histogram stream_duration;
};

enum class CircuitState : std::uint8_t { kClosed, kOpen, kHalfOpen };
const char* to_string(CircuitState state);

struct CircuitOptions {
  int consecutive_failures = 5;
  std::chrono::milliseconds base_ejection{10'000};
  std::chrono::milliseconds max_ejection{30'000};
  // Distinct clients that must be among the failures before they eject the upstream, so that
  // one client's slow or failing requests cannot take it away from everyone. Connect failures
  // are the upstream's own and satisfy this alone. 1: any client's failures count.
  int min_clients = 2;
  // Real requests let through at once while half-open; that many successes close the circuit.
  int half_open_requests = 3;
};

// A key for a client address (Request::client_address); never 0.
std::uint64_t client_key(std::string_view address);

// What the circuit let a request through as. Only kClosed and kProbe results count: a request
// sent in panic, or one whose circuit changed state while it ran, says nothing new.
enum class Pass : std::uint8_t { kClosed, kProbe, kPanic };

// Whether a failure can be the request's own doing (a slow path, an answer of 500 to what the
// client sent) or only the upstream's (a refused connection).
enum class Fault : std::uint8_t { kRequest, kUpstream };

class Upstream;

// One attempt's ticket: which upstream, as what, and in which epoch of its circuit. A probe's
// slot is given back when the ticket is dropped unsettled (a client that left, an attempt
// abandoned for the retry budget). Move-only.
class Admission {
 public:
  Admission() = default;
  Admission(Upstream* upstream, Pass pass, std::uint32_t epoch, Clock::time_point at)
      : upstream_(upstream), pass_(pass), epoch_(epoch), at_(at) {}
  Admission(Admission&& other) noexcept { *this = std::move(other); }
  Admission& operator=(Admission&& other) noexcept;
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
  ~Admission() { release(); }

  explicit operator bool() const { return upstream_ != nullptr; }
  Upstream* upstream() const { return upstream_; }
  Pass pass() const { return pass_; }
  std::uint32_t epoch() const { return epoch_; }
  Clock::time_point at() const { return at_; }  // when it was admitted
  // Called once the outcome is recorded: nothing is left to give back.
  void settle() { settled_ = true; }

 private:
  void release();
  Upstream* upstream_ = nullptr;
  Pass pass_ = Pass::kClosed;
  std::uint32_t epoch_ = 0;
  Clock::time_point at_{};
  bool settled_ = false;
};

// How the gateway speaks TLS to an https:// upstream.
struct UpstreamTls {
  bool enabled = false;
  bool verify = true;  // off only for self-signed test upstreams, by explicit choice
  std::shared_ptr<boost::asio::ssl::context> context;
};

class Upstream {
 public:
  Upstream(std::string url, std::string host, std::uint16_t port, std::string base_path,
           CircuitOptions circuit);

  const std::string& url() const { return url_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& base_path() const { return base_path_; }
  const CircuitOptions& circuit_options() const { return circuit_; }
  const UpstreamTls& tls() const { return tls_; }
  void set_tls(UpstreamTls tls) { tls_ = std::move(tls); }

  // Whether a new request may go here now: healthy, and closed or half-open with a free slot.
  bool available(Clock::time_point now) const;
  CircuitState circuit(Clock::time_point now) const;
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  void set_healthy(bool healthy) { healthy_.store(healthy, std::memory_order_relaxed); }
  Clock::time_point ejected_until() const;

  // Request accounting for least-request balancing.
  void begin() { active_.fetch_add(1, std::memory_order_relaxed); }
  void end() { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t active() const { return active_.load(std::memory_order_relaxed); }

  // Lets a request through if the circuit admits it now (closed; or half-open with one of its
  // probe slots free); otherwise returns an empty ticket.
  Admission try_admit(Clock::time_point now);
  // A request sent although the circuit does not admit it (the pool is in panic).
  Admission admit_in_panic(Clock::time_point now);

  // Passive outlier detection. Failures in a row, from at least min_clients clients (or one
  // connect failure's worth of evidence), eject the upstream for a back-off that doubles with
  // each ejection in a row, up to the maximum; probes decide when it ends.
  void record_success(Admission& admission);
  void record_failure(Admission& admission, Clock::time_point now, std::uint64_t client,
                      Fault fault);
  // An active health check that began at `probe_started` passed: an ejection older than that is
  // lifted at once. True when one was.
  bool clear_ejection(Clock::time_point probe_started);
  // Gives back a probe slot that was taken and not used.
  void release_probe(std::uint32_t epoch);

  UpstreamStats stats;

 private:
  void reset_run();
  void note_client(std::uint64_t client);
  int distinct_clients() const;
  void eject(std::uint32_t epoch, Clock::time_point now);
  void close(std::uint32_t epoch);

  std::string url_;
  UpstreamTls tls_;
  std::string host_;
  std::uint16_t port_;
  std::string base_path_;
  CircuitOptions circuit_;
  std::atomic<bool> healthy_{true};
  std::atomic<std::int64_t> active_{0};
  // The circuit's epoch (bumped by every ejection and every close, so that a result from a
  // request admitted before is recognised as stale) with the half-open probes in flight and
  // the probes that succeeded, in one word so that each changes with one compare-and-swap:
  // epoch << 32 | in_flight << 16 | successes.
  std::atomic<std::uint64_t> state_{0};
  // The current run of failures and the distinct clients among them.
  std::atomic<int> consecutive_failures_{0};
  std::atomic<bool> run_has_upstream_fault_{false};
  static constexpr std::size_t kClientSlots = 8;
  std::array<std::atomic<std::uint64_t>, kClientSlots> run_clients_{};
  std::atomic<int> ejections_{0};  // in a row; 0 = closed
  std::atomic<std::int64_t> ejected_at_ns_{0};
  std::atomic<std::int64_t> ejected_until_ns_{0};
};

enum class Balancer : std::uint8_t { kRoundRobin, kLeastRequest };

struct ClientLimitOptions {
  int failures = 5;  // counted failures in a row that hold a client back; 0 disables
  std::chrono::milliseconds penalty{10'000};
};

// Per-client fairness: a client whose requests keep failing while the route serves others is
// held back for a while (the handler answers it 429), instead of the upstream being ejected for
// everyone. A failure counts only when another client got a good answer since this client's
// request began or since its previous failure, whichever is earlier; in an outage nobody is
// served, so nobody is held back. A fixed open-addressed table of atomics: no lock, no
// allocation per client; a client that finds no slot is simply not tracked.
class ClientLedger {
 public:
  explicit ClientLedger(ClientLimitOptions options);
  // How long the client is still held back; zero when it is not.
  std::chrono::milliseconds blocked_for(std::uint64_t client, Clock::time_point now) const;
  void success(std::uint64_t client, Clock::time_point now);
  void failure(std::uint64_t client, Clock::time_point started, Clock::time_point now);

 private:
  struct Slot {
    std::atomic<std::uint64_t> key{0};
    std::atomic<int> failures{0};
    std::atomic<std::int64_t> last_failure_ns{0};
    std::atomic<std::int64_t> blocked_until_ns{0};
  };
  static constexpr std::size_t kSlots = 1024;
  static constexpr std::size_t kProbes = 8;
  const Slot* find(std::uint64_t client) const;
  Slot* claim(std::uint64_t client, std::int64_t now_ns);

  ClientLimitOptions options_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<std::int64_t> last_success_ns_{0};
  std::atomic<std::uint64_t> last_success_client_{0};
};

struct PoolOptions {
  Balancer balancer = Balancer::kLeastRequest;
  // When fewer than this share of the upstreams admit requests (healthy and not ejected),
  // requests go to every upstream anyway (Envoy's panic threshold): better a chance for each
  // request than a 503 for all. 0 disables; 1 panics as soon as any upstream is out.
  double panic_threshold = 0.5;
  ClientLimitOptions clients;
};

class Pool {
 public:
  Pool(std::vector<std::unique_ptr<Upstream>> upstreams, PoolOptions options);
  Pool(std::vector<std::unique_ptr<Upstream>> upstreams, Balancer balancer)
      : Pool(std::move(upstreams), PoolOptions{balancer, PoolOptions{}.panic_threshold, {}}) {}

  // The ticket for the next attempt, skipping upstreams in `tried`; empty when none can take it.
  Admission admit(Clock::time_point now, const std::vector<const Upstream*>& tried);
  // True when too few upstreams admit requests, so every one gets them.
  bool panicking(Clock::time_point now) const;
  // When every upstream is unavailable: how long until one may be again (for Retry-After).
  std::chrono::seconds retry_after(Clock::time_point now) const;

  // The outcome of an attempt, for the circuit and for the client's own ledger.
  void record_success(Admission& admission, std::uint64_t client, Clock::time_point now);
  void record_failure(Admission& admission, std::uint64_t client, Fault fault,
                      Clock::time_point now);

  ClientLedger& clients() { return clients_; }
  const std::vector<std::unique_ptr<Upstream>>& upstreams() const { return upstreams_; }

 private:
  Upstream* choose(std::array<Upstream*, 64>& candidates, std::size_t n);

  std::vector<std::unique_ptr<Upstream>> upstreams_;
  PoolOptions options_;
  ClientLedger clients_;
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
