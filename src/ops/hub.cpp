#include "ops/hub.h"

namespace ew::ops {

void Hub::set_storage_probe(StorageProbe probe) {
  std::lock_guard lock(mutex_);
  storage_probe_ = std::move(probe);
}

StorageProbe Hub::storage_probe() const {
  std::lock_guard lock(mutex_);
  return storage_probe_;
}

void Hub::set_monitoring(std::shared_ptr<MonitoringSource> source) {
  std::lock_guard lock(mutex_);
  monitoring_ = std::move(source);
}

std::shared_ptr<MonitoringSource> Hub::monitoring() const {
  std::lock_guard lock(mutex_);
  return monitoring_;
}

void Hub::set_deployments(std::shared_ptr<DeploymentStore> store) {
  std::lock_guard lock(mutex_);
  deployments_ = std::move(store);
}

std::shared_ptr<DeploymentStore> Hub::deployments() const {
  std::lock_guard lock(mutex_);
  return deployments_;
}

void Hub::publish_health(std::shared_ptr<const HealthReport> report) {
  std::lock_guard lock(mutex_);
  health_ = std::move(report);
}

std::shared_ptr<const HealthReport> Hub::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

std::shared_ptr<Hub> shared_hub() {
  static auto* hub = new std::shared_ptr<Hub>(std::make_shared<Hub>());  // never destroyed
  return *hub;
}

}  // namespace ew::ops
