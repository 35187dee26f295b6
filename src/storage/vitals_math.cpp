#include "storage/vitals_math.h"

#include <algorithm>
#include <cmath>

namespace ew::storage {

std::optional<Thresholds> vital_thresholds(std::string_view metric) {
  if (metric == "LCP") return Thresholds{2500, 4000};
  if (metric == "INP") return Thresholds{200, 500};
  if (metric == "CLS") return Thresholds{0.1, 0.25};
  if (metric == "FCP") return Thresholds{1800, 3000};
  if (metric == "TTFB") return Thresholds{800, 1800};
  if (metric == "FID") return Thresholds{100, 300};
  return std::nullopt;
}

std::span<const std::string_view> known_vitals() {
  static constexpr std::string_view kNames[] = {"LCP", "INP", "CLS", "FCP", "TTFB", "FID"};
  return kNames;
}

Rating rate(const Thresholds& t, double value) {
  if (value <= t.good) return Rating::kGood;
  if (value <= t.poor) return Rating::kNeedsImprovement;
  return Rating::kPoor;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size()));
  if (rank == 0) rank = 1;
  if (rank > values.size()) rank = values.size();
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

}  // namespace ew::storage
