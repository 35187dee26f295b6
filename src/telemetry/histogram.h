// A fixed-bucket histogram of durations: lock-free to observe (relaxed atomics), cheap to read.
// The gateway keeps two per upstream (time to first byte, stream length).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace ew::telemetry {

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

// The index of the first bucket whose upper bound is at least `value` (bounds.size() for +Inf):
// the bucket rule of every histogram here, Prometheus's "le".
template <class Bounds>
std::size_t bucket_index(const Bounds& bounds, double value) {
  std::size_t i = 0;
  while (i < bounds.size() && value > bounds[i]) ++i;
  return i;
}

}  // namespace ew::telemetry
