// Web-vitals ratings with the official thresholds (web-vitals src/on*.ts) and the percentile used
// for p75. Shared by every storage backend and by the tests.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ew::storage {

enum class Rating : unsigned char { kGood, kNeedsImprovement, kPoor };

struct Thresholds {
  double good;  // value <= good is good
  double poor;  // value > poor is poor; in between needs improvement
};

// LCP 2500/4000 ms, INP 200/500 ms, CLS 0.1/0.25, FCP 1800/3000 ms, TTFB 800/1800 ms, and the
// retired FID 100/300 ms. nullopt for any other name.
std::optional<Thresholds> vital_thresholds(std::string_view metric);
// The metric names vital_thresholds() knows, in a fixed order.
std::span<const std::string_view> known_vitals();
Rating rate(const Thresholds& t, double value);

// The p-th percentile by the nearest-rank method: the smallest sample such that at least p% of
// the samples are <= it (sorted[ceil(p/100 * n) - 1]). Sorts `values` in place; 0 when empty.
double percentile(std::vector<double>& values, double p);

}  // namespace ew::storage
