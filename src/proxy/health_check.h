// Active health checks: a background thread asks each upstream's health path on an interval
// and marks it up after `healthy_threshold` successes in a row, down after
// `unhealthy_threshold` failures in a row. Workers only read the resulting flag. A passing
// check of an upstream marked up also lifts a circuit-breaker ejection older than the check.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "proxy/upstream.h"

namespace ew::proxy {

struct HealthCheckOptions {
  std::string path = "/health";  // empty disables checking
  std::chrono::milliseconds interval{5'000};
  std::chrono::milliseconds timeout{2'000};
  int healthy_threshold = 2;
  int unhealthy_threshold = 3;
};

class HealthChecker {
 public:
  HealthChecker();
  ~HealthChecker();
  void add(std::shared_ptr<Pool> pool, HealthCheckOptions options);
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ew::proxy
