// Where modules plug their numbers into GET /metrics. A collector is a callback that appends
// Prometheus families to a MetricWriter; it runs on the scraping request's thread, once per
// scrape, so it must be quick (read atomics or a cached value, never query a database).
//
// Typical use, in a module's start():
//   hub->metrics().add("ingest", [service](telemetry::MetricWriter& w) {
//     w.counter("edgewatch_ingest_accepted_total", "Records stored");
//     w.sample({}, service->stats().accepted.load());
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/prometheus.h"

namespace ew::telemetry {

using Collector = std::function<void(MetricWriter&)>;

class MetricsRegistry {
 public:
  // Adds a collector, or replaces the one registered under the same name.
  void add(std::string name, Collector collector);
  void remove(std::string_view name);
  std::vector<std::string> names() const;

  // Runs every collector in registration order and returns the exposition. A collector that
  // throws is skipped and counted in edgewatch_metrics_collector_errors_total.
  std::string scrape() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Collector>> collectors_;
  mutable std::uint64_t errors_ = 0;  // guarded by mutex_
};

}  // namespace ew::telemetry
