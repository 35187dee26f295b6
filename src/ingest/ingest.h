// The monitoring backend: the browser client's endpoints (errors, metrics, analytics, web
// vitals), Sentry-compatible ingestion, and the query API over the store, written through the
// storage module's group-commit writer. It publishes what the operations features read: its
// numbers for the alert rules (MonitoringSource) and the store's probe for readiness.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "auth/auth.h"
#include "core/module.h"
#include "core/published.h"
#include "storage/storage.h"
#include "telemetry/registry.h"

namespace ew::ingest {

// What the alert rules read from the monitoring backend.
struct MonitoringSnapshot {
  // Monotonic totals since the process started; the rules work on their differences.
  std::uint64_t error_events = 0;  // error events stored
  std::uint64_t new_issues = 0;    // issues created
  std::uint64_t regressions = 0;   // resolved issues that came back
  std::uint64_t rejected = 0;      // items or requests refused (4xx, 429, 503)
  std::uint64_t accepted = 0;      // items stored
  // For messages: the newest issue and the newest regression.
  std::string latest_new_issue;
  std::string latest_regression;
  std::string latest_regression_release;
  // p75 per web-vital metric ("LCP", "FCP", "CLS", "INP", "TTFB") over the recent window
  // (milliseconds; CLS unitless). Absent when there were no samples.
  std::map<std::string, double> vitals_p75;
};

class MonitoringSource {
 public:
  virtual ~MonitoringSource() = default;
  // Called from the alert evaluator's thread every evaluation interval; may take a few ms.
  virtual MonitoringSnapshot snapshot() = 0;
};

// What the ingest module reads and publishes; main() wires the same instances elsewhere.
struct IngestWiring {
  std::shared_ptr<auth::AdminGate> admin;  // the query API's gate
  std::shared_ptr<telemetry::MetricsRegistry> metrics;
  std::shared_ptr<Published<MonitoringSource>> monitoring;   // for the alert rules
  std::shared_ptr<Published<storage::Probe>> storage_probe;  // for readiness
};

ModulePtr make_ingest_module(IngestWiring wiring);

}  // namespace ew::ingest
