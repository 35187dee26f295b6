#include "proxy/upstream.h"

#include <algorithm>
#include <functional>
#include <random>
#include <utility>

namespace ew::proxy {
namespace {

std::int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The circuit's state word: epoch << 32 | probes in flight << 16 | probe successes.
constexpr std::uint64_t kInFlightOne = 1ULL << 16;
std::uint32_t epoch_of(std::uint64_t word) {
  return static_cast<std::uint32_t>(word >> 32);
}
int in_flight_of(std::uint64_t word) {
  return static_cast<int>((word >> 16) & 0xffff);
}
int successes_of(std::uint64_t word) {
  return static_cast<int>(word & 0xffff);
}
std::uint64_t fresh_state(std::uint32_t epoch) {
  return static_cast<std::uint64_t>(epoch) << 32;
}

// A client's failures further apart than this are not one run.
constexpr std::int64_t kForgetAfterNs = 60'000'000'000;

std::uint64_t thread_random() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  return generator();
}

}  // namespace

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

std::uint64_t client_key(std::string_view address) {
  std::uint64_t key = std::hash<std::string_view>{}(address);
  return key == 0 ? 1 : key;
}

Admission& Admission::operator=(Admission&& other) noexcept {
  if (this == &other) return *this;
  release();
  upstream_ = std::exchange(other.upstream_, nullptr);
  pass_ = other.pass_;
  epoch_ = other.epoch_;
  at_ = other.at_;
  settled_ = std::exchange(other.settled_, true);
  return *this;
}

void Admission::release() {
  if (upstream_ && pass_ == Pass::kProbe && !settled_) upstream_->release_probe(epoch_);
  settled_ = true;
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
      return in_flight_of(state_.load(std::memory_order_relaxed)) < circuit_.half_open_requests;
  }
  return true;
}

Admission Upstream::try_admit(Clock::time_point now) {
  if (!healthy()) return {};
  // The epoch is read before the state: an ejection in between makes the ticket stale, never
  // a closed-state ticket of the new epoch.
  std::uint64_t word = state_.load();
  switch (circuit(now)) {
    case CircuitState::kClosed:
      return Admission(this, Pass::kClosed, epoch_of(word), now);
    case CircuitState::kOpen:
      return {};
    case CircuitState::kHalfOpen:
      break;
  }
  for (;;) {
    if (in_flight_of(word) >= circuit_.half_open_requests) return {};
    if (state_.compare_exchange_weak(word, word + kInFlightOne)) {
      return Admission(this, Pass::kProbe, epoch_of(word), now);
    }
  }
}

Admission Upstream::admit_in_panic(Clock::time_point now) {
  return Admission(this, Pass::kPanic, epoch_of(state_.load(std::memory_order_relaxed)), now);
}

void Upstream::release_probe(std::uint32_t epoch) {
  std::uint64_t word = state_.load();
  while (epoch_of(word) == epoch && in_flight_of(word) > 0) {
    if (state_.compare_exchange_weak(word, word - kInFlightOne)) return;
  }
}

void Upstream::record_success(Admission& admission) {
  admission.settle();
  switch (admission.pass()) {
    case Pass::kPanic:
      return;
    case Pass::kClosed:
      // Read first: on the hot path a success usually finds nothing to reset, and then writes
      // nothing to a line every worker shares.
      if (consecutive_failures_.load(std::memory_order_relaxed) != 0) reset_run();
      return;
    case Pass::kProbe:
      break;
  }
  std::uint64_t word = state_.load();
  while (epoch_of(word) == admission.epoch()) {
    std::uint64_t next = word - kInFlightOne + 1;
    if (successes_of(next) >= circuit_.half_open_requests) {
      close(admission.epoch());
      return;
    }
    if (state_.compare_exchange_weak(word, next)) return;
  }
}

void Upstream::record_failure(Admission& admission, Clock::time_point now, std::uint64_t client,
                              Fault fault) {
  admission.settle();
  stats.failures.fetch_add(1, std::memory_order_relaxed);
  if (admission.pass() == Pass::kPanic) return;
  // A request admitted before the circuit last changed state (30 slow requests that time out
  // after the first few ejected the upstream) is old news: it must not eject again.
  if (epoch_of(state_.load()) != admission.epoch()) return;
  if (admission.pass() == Pass::kProbe) release_probe(admission.epoch());
  if (fault == Fault::kUpstream) {
    run_has_upstream_fault_.store(true, std::memory_order_relaxed);
  } else {
    note_client(client);
  }
  int failures = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  int needed = admission.pass() == Pass::kProbe ? 1 : circuit_.consecutive_failures;
  bool from_enough_clients = run_has_upstream_fault_.load(std::memory_order_relaxed) ||
                             distinct_clients() >= circuit_.min_clients;
  if (failures >= needed && from_enough_clients) eject(admission.epoch(), now);
}

bool Upstream::clear_ejection(Clock::time_point probe_started) {
  if (ejections_.load() == 0) return false;
  // An ejection newer than the probe is not contradicted by it.
  if (ejected_at_ns_.load() > to_ns(probe_started)) return false;
  std::uint64_t word = state_.load();
  close(epoch_of(word));
  return ejections_.load() == 0;
}

void Upstream::note_client(std::uint64_t client) {
  for (auto& slot : run_clients_) {
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    if (seen == client) return;
    if (seen == 0 && slot.compare_exchange_strong(seen, client)) return;
    if (seen == client) return;
  }
  // Every slot holds another client: more than enough distinct ones to count.
}

int Upstream::distinct_clients() const {
  int n = 0;
  for (const auto& slot : run_clients_) n += slot.load(std::memory_order_relaxed) != 0 ? 1 : 0;
  return n;
}

void Upstream::reset_run() {
  consecutive_failures_.store(0, std::memory_order_relaxed);
  run_has_upstream_fault_.store(false, std::memory_order_relaxed);
  for (auto& slot : run_clients_) {
    if (slot.load(std::memory_order_relaxed) != 0) slot.store(0, std::memory_order_relaxed);
  }
}

void Upstream::eject(std::uint32_t epoch, Clock::time_point now) {
  // One ejection per epoch: of the failures that reach the threshold together, one ejects.
  std::uint64_t word = state_.load();
  do {
    if (epoch_of(word) != epoch) return;
  } while (!state_.compare_exchange_weak(word, fresh_state(epoch + 1)));
  // Longer each time in a row: base, 2x base, 4x base, ... up to the maximum.
  int ejections = ejections_.load() + 1;
  std::chrono::milliseconds backoff = circuit_.base_ejection * (1 << std::min(ejections - 1, 16));
  backoff = std::min(backoff, circuit_.max_ejection);
  ejected_at_ns_.store(to_ns(now));
  ejected_until_ns_.store(to_ns(now + backoff));
  ejections_.store(ejections);  // last: circuit() reads it first
  reset_run();
}

void Upstream::close(std::uint32_t epoch) {
  std::uint64_t word = state_.load();
  do {
    if (epoch_of(word) != epoch) return;
  } while (!state_.compare_exchange_weak(word, fresh_state(epoch + 1)));
  ejections_.store(0);
  ejected_until_ns_.store(0);
  reset_run();
}

ClientLedger::ClientLedger(ClientLimitOptions options)
    : options_(options), slots_(std::make_unique<Slot[]>(kSlots)) {}

const ClientLedger::Slot* ClientLedger::find(std::uint64_t client) const {
  for (std::size_t i = 0; i < kProbes; ++i) {
    const Slot& slot = slots_[(client + i) % kSlots];
    if (slot.key.load(std::memory_order_relaxed) == client) return &slot;
  }
  return nullptr;
}

ClientLedger::Slot* ClientLedger::claim(std::uint64_t client, std::int64_t now_ns) {
  if (const Slot* found = find(client)) return const_cast<Slot*>(found);
  std::int64_t forget_ns = std::max<std::int64_t>(
      kForgetAfterNs, 2 * std::chrono::nanoseconds(options_.penalty).count());
  for (std::size_t i = 0; i < kProbes; ++i) {
    Slot& slot = slots_[(client + i) % kSlots];
    std::uint64_t key = slot.key.load();
    // A free slot, or one whose client has neither failed nor been held back for a while.
    bool reusable = key == 0 || (slot.blocked_until_ns.load() <= now_ns &&
                                 now_ns - slot.last_failure_ns.load() > forget_ns);
    if (!reusable || !slot.key.compare_exchange_strong(key, client)) continue;
    slot.failures.store(0);
    slot.last_failure_ns.store(0);
    slot.blocked_until_ns.store(0);
    return &slot;
  }
  return nullptr;  // the neighbourhood is busy: this client goes untracked
}

std::chrono::milliseconds ClientLedger::blocked_for(std::uint64_t client,
                                                    Clock::time_point now) const {
  if (options_.failures <= 0) return std::chrono::milliseconds(0);
  const Slot* slot = find(client);
  if (!slot) return std::chrono::milliseconds(0);
  std::int64_t left = slot->blocked_until_ns.load(std::memory_order_relaxed) - to_ns(now);
  if (left <= 0) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::nanoseconds(left));
}

void ClientLedger::success(std::uint64_t client, Clock::time_point now) {
  if (options_.failures <= 0) return;
  std::int64_t ns = to_ns(now);
  // Written at most once a millisecond by the same client: successes are the hot path.
  if (last_success_client_.load(std::memory_order_relaxed) != client ||
      ns - last_success_ns_.load(std::memory_order_relaxed) >= 1'000'000) {
    last_success_client_.store(client, std::memory_order_relaxed);
    last_success_ns_.store(ns, std::memory_order_relaxed);
  }
  if (const Slot* found = find(client)) {
    auto* slot = const_cast<Slot*>(found);
    if (slot->failures.load(std::memory_order_relaxed) != 0) slot->failures.store(0);
    if (slot->last_failure_ns.load(std::memory_order_relaxed) != 0) slot->last_failure_ns.store(0);
  }
}

void ClientLedger::failure(std::uint64_t client, Clock::time_point started, Clock::time_point now) {
  if (options_.failures <= 0) return;
  std::int64_t ns = to_ns(now);
  Slot* slot = claim(client, ns);
  if (!slot) return;
  // Was anyone else served while this client kept failing: since its request began, or since
  // its previous failure of this run? If not, the route is failing for everyone (an outage),
  // and the client is not to blame.
  std::int64_t since = to_ns(started);
  std::int64_t previous = slot->last_failure_ns.exchange(ns);
  if (previous != 0 && ns - previous <= kForgetAfterNs) {
    since = std::min(since, previous);
  } else {
    slot->failures.store(0);
  }
  bool others_served = last_success_ns_.load() > since && last_success_client_.load() != client;
  if (!others_served) return;
  if (slot->failures.fetch_add(1) + 1 < options_.failures) return;
  slot->failures.store(0);
  slot->blocked_until_ns.store(
      ns + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.penalty).count());
}

Pool::Pool(std::vector<std::unique_ptr<Upstream>> upstreams, PoolOptions options)
    : upstreams_(std::move(upstreams)), options_(options), clients_(options.clients) {}

Upstream* Pool::choose(std::array<Upstream*, 64>& candidates, std::size_t n) {
  if (n == 1) return candidates[0];
  if (options_.balancer == Balancer::kRoundRobin) {
    return candidates[next_.fetch_add(1, std::memory_order_relaxed) % n];
  }
  // Least request with two random choices: nearly as good as a full scan, and it never herds
  // every worker onto the one upstream that looked idlest a moment ago.
  std::size_t a = thread_random() % n;
  std::size_t b = thread_random() % (n - 1);
  if (b >= a) ++b;
  return candidates[a]->active() <= candidates[b]->active() ? candidates[a] : candidates[b];
}

bool Pool::panicking(Clock::time_point now) const {
  if (options_.panic_threshold <= 0 || upstreams_.empty()) return false;
  std::size_t admitting = 0;
  for (const auto& u : upstreams_) admitting += u->available(now) ? 1 : 0;
  return static_cast<double>(admitting) <
         options_.panic_threshold * static_cast<double>(upstreams_.size());
}

Admission Pool::admit(Clock::time_point now, const std::vector<const Upstream*>& tried) {
  // Candidates on the stack: pools are small, and this runs per request.
  std::array<Upstream*, 64> candidates{};
  std::size_t n = 0;
  bool panic = panicking(now);
  for (const auto& u : upstreams_) {
    if (n == candidates.size()) break;
    if (!panic && !u->available(now)) continue;
    if (std::find(tried.begin(), tried.end(), u.get()) != tried.end()) continue;
    candidates[n++] = u.get();
  }
  while (n > 0) {
    Upstream* chosen = choose(candidates, n);
    if (Admission admission = chosen->try_admit(now)) return admission;
    // In panic the circuit's refusal is overruled; otherwise another took the last probe slot.
    if (panic) return chosen->admit_in_panic(now);
    *std::find(candidates.begin(), candidates.begin() + n, chosen) = candidates[n - 1];
    --n;
  }
  return {};
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

void Pool::record_success(Admission& admission, std::uint64_t client, Clock::time_point now) {
  if (!admission) return;
  admission.upstream()->record_success(admission);
  clients_.success(client, now);
}

void Pool::record_failure(Admission& admission, std::uint64_t client, Fault fault,
                          Clock::time_point now) {
  if (!admission) return;
  admission.upstream()->record_failure(admission, now, client, fault);
  if (fault == Fault::kRequest) clients_.failure(client, admission.at(), now);
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
