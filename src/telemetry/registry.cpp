#include "telemetry/registry.h"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace ew::telemetry {

void MetricsRegistry::add(std::string name, Collector collector) {
  std::lock_guard lock(mutex_);
  for (auto& [existing, fn] : collectors_) {
    if (existing == name) {
      fn = std::move(collector);
      return;
    }
  }
  collectors_.emplace_back(std::move(name), std::move(collector));
}

void MetricsRegistry::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  std::erase_if(collectors_, [&](const auto& entry) { return entry.first == name; });
}

std::vector<std::string> MetricsRegistry::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& entry : collectors_) out.push_back(entry.first);
  return out;
}

std::string MetricsRegistry::scrape() const {
  // Scrapes are rare (seconds apart); serializing them keeps collectors simple.
  std::lock_guard lock(mutex_);
  MetricWriter writer;
  for (const auto& [name, collector] : collectors_) {
    try {
      collector(writer);
    } catch (const std::exception& e) {
      ++errors_;
      spdlog::error("metrics: collector {} failed: {}", name, e.what());
    }
  }
  for (const auto& problem : writer.errors()) {
    ++errors_;
    spdlog::error("metrics: {}", problem);
  }
  writer.counter("edgewatch_metrics_collector_errors_total",
                 "Collectors that failed or wrote malformed families during a scrape");
  writer.sample({}, static_cast<double>(errors_));
  return writer.text();
}

}  // namespace ew::telemetry
