// The alerting background thread: every interval it gathers the signals (upstream states, the
// readiness report, the monitoring snapshot), steps the evaluator and hands the notices to the
// notifier. Also writes the alerting metrics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/alerts.h"
#include "alerts/evaluator.h"
#include "alerts/notifier.h"
#include "alerts/rules.h"
#include "telemetry/prometheus.h"

namespace ew::alerts {

class Engine {
 public:
  Engine(AlertOptions options, AlertsWiring wiring);
  ~Engine();

  void start();
  void stop();
  // One evaluation now (the thread calls this each interval).
  void evaluate_once();
  void write_metrics(telemetry::MetricWriter& w) const;

 private:
  Signals gather() const;
  void loop();

  AlertOptions options_;
  AlertsWiring wiring_;
  Notifier notifier_;

  mutable std::mutex mutex_;  // guards evaluator_, the counters and the thread state
  Evaluator evaluator_;
  std::vector<std::uint64_t> firing_notices_;
  std::vector<std::uint64_t> resolved_notices_;
  std::vector<bool> firing_;
  std::uint64_t evaluations_ = 0;  // rounds completed: a negative check waits for some to pass
  bool warned_missing_ = false;
  std::int64_t started_ms_ = 0;  // missing data is only reported once start-up had its time
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ew::alerts
