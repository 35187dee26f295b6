#include "telemetry/histogram.h"

namespace ew::telemetry {

void Histogram::observe(double seconds) {
  buckets_[bucket_index(kBounds, seconds)].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<std::uint64_t, Histogram::kBounds.size() + 1> Histogram::counts() const {
  std::array<std::uint64_t, kBounds.size() + 1> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load();
  return out;
}

}  // namespace ew::telemetry
