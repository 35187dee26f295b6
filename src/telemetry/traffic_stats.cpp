#include "telemetry/traffic_stats.h"

#include "telemetry/histogram.h"

#include <algorithm>
#include <functional>

namespace ew::telemetry {
namespace {

// Counters are spread over a few cache-line-aligned shards, one picked per thread, so workers
// on different cores rarely write the same line.
constexpr std::size_t kShards = 8;

std::size_t shard_index() {
  static std::atomic<std::size_t> next{0};
  thread_local std::size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return index;
}

std::size_t status_class(int status) {
  if (status < 100) return 4;  // not a real status: count with server errors
  return static_cast<std::size_t>(std::min(status / 100, 5) - 1);
}

}  // namespace

struct TrafficStats::Entry {
  Entry(std::string_view n, bool ops) : name(n), operations(ops) {}

  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, 5> by_class{};
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  const std::string name;
  const bool operations;
  std::array<Shard, kShards> shards;
};

TrafficStats::TrafficStats() : overflow_(std::make_unique<Entry>(kOverflowRoute, false)) {}

TrafficStats::~TrafficStats() {
  for (auto& slot : slots_) delete slot.load(std::memory_order_acquire);
}

void TrafficStats::connection_opened() {
  open_.fetch_add(1, std::memory_order_relaxed);
  accepted_.fetch_add(1, std::memory_order_relaxed);
}

void TrafficStats::connection_closed() {
  open_.fetch_sub(1, std::memory_order_relaxed);
}

void TrafficStats::request_started() {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
}

void TrafficStats::request_finished() {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
}

TrafficStats::Entry* TrafficStats::find_or_add(std::string_view route, bool operations) {
  std::size_t start = std::hash<std::string_view>{}(route) % kSlots;
  for (std::size_t probe = 0; probe < kSlots; ++probe) {
    auto& slot = slots_[(start + probe) % kSlots];
    Entry* entry = slot.load(std::memory_order_acquire);
    if (entry == nullptr) {
      if (entries_.load(std::memory_order_relaxed) >= kMaxRoutes) return overflow_.get();
      auto fresh = std::make_unique<Entry>(route, operations);
      if (slot.compare_exchange_strong(entry, fresh.get(), std::memory_order_acq_rel)) {
        entries_.fetch_add(1, std::memory_order_relaxed);
        return fresh.release();
      }
      // Another thread filled this slot first; `entry` now holds its value.
    }
    if (entry->name == route) return entry;
  }
  return overflow_.get();
}

void TrafficStats::record(std::string_view route, bool operations, int status,
                          std::chrono::nanoseconds duration) {
  Entry* entry = find_or_add(route, operations);
  auto& shard = entry->shards[shard_index()];
  shard.by_class[status_class(status)].fetch_add(1, std::memory_order_relaxed);
  double seconds = std::chrono::duration<double>(duration).count();
  shard.buckets[bucket_index(kBounds, seconds)].fetch_add(1, std::memory_order_relaxed);
  auto ns = duration.count() > 0 ? static_cast<std::uint64_t>(duration.count()) : 0;
  shard.sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

std::vector<TrafficStats::Route> TrafficStats::routes() const {
  std::vector<const Entry*> entries;
  for (const auto& slot : slots_) {
    if (const Entry* e = slot.load(std::memory_order_acquire)) entries.push_back(e);
  }
  entries.push_back(overflow_.get());
  std::vector<Route> out;
  for (const Entry* e : entries) {
    Route r;
    r.name = e->name;
    r.operations = e->operations;
    std::uint64_t sum_ns = 0;
    for (const auto& shard : e->shards) {
      for (std::size_t i = 0; i < r.by_class.size(); ++i) {
        r.by_class[i] += shard.by_class[i].load(std::memory_order_relaxed);
      }
      for (std::size_t i = 0; i < r.buckets.size(); ++i) {
        r.buckets[i] += shard.buckets[i].load(std::memory_order_relaxed);
      }
      sum_ns += shard.sum_ns.load(std::memory_order_relaxed);
    }
    for (std::size_t i = 1; i < r.buckets.size(); ++i) r.buckets[i] += r.buckets[i - 1];
    // The count is the +Inf bucket, so the exposition is self-consistent even while workers
    // keep writing between the loads above.
    r.count = r.buckets.back();
    r.sum_seconds = static_cast<double>(sum_ns) / 1e9;
    if (e == overflow_.get() && r.count == 0) continue;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const Route& a, const Route& b) { return a.name < b.name; });
  return out;
}

std::uint64_t TrafficStats::open_connections() const {
  return open_.load(std::memory_order_relaxed);
}

std::uint64_t TrafficStats::connections_total() const {
  return accepted_.load(std::memory_order_relaxed);
}

std::int64_t TrafficStats::in_flight() const {
  return in_flight_.load(std::memory_order_relaxed);
}

}  // namespace ew::telemetry
