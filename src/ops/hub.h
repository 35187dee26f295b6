// The meeting point of the operations features and the modules they observe. main() creates
// one Hub and hands it to the metrics, readiness, alerts and deployments modules; any other
// module (ingestion, storage, static files) reaches the same instance through shared_hub() and
// plugs in what it knows in its start():
//   - metrics collectors (metrics_registry.h),
//   - a storage probe for readiness: a write and a read round trip,
//   - a MonitoringSource for the issue, regression, web-vital and ingestion alert rules,
//   - a DeploymentStore, to keep deployments in the monitoring database.
// Everything is looked up when used, never cached at start, so module order does not matter.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ops/deployments.h"
#include "ops/health_report.h"
#include "ops/metrics_registry.h"
#include "ops/monitoring.h"

namespace ew::ops {

struct ProbeResult {
  bool ok = false;
  std::string details;  // what failed, or a note
};
using StorageProbe = std::function<ProbeResult()>;

class Hub {
 public:
  MetricsRegistry& metrics() { return metrics_; }

  void set_storage_probe(StorageProbe probe);
  StorageProbe storage_probe() const;

  void set_monitoring(std::shared_ptr<MonitoringSource> source);
  std::shared_ptr<MonitoringSource> monitoring() const;

  void set_deployments(std::shared_ptr<DeploymentStore> store);
  std::shared_ptr<DeploymentStore> deployments() const;

  // The latest readiness report, published by the readiness checks after each round.
  void publish_health(std::shared_ptr<const HealthReport> report);
  std::shared_ptr<const HealthReport> health() const;

 private:
  MetricsRegistry metrics_;
  mutable std::mutex mutex_;
  StorageProbe storage_probe_;
  std::shared_ptr<MonitoringSource> monitoring_;
  std::shared_ptr<DeploymentStore> deployments_;
  std::shared_ptr<const HealthReport> health_;
};

// The process's hub.
std::shared_ptr<Hub> shared_hub();

}  // namespace ew::ops
