// What the alert rules read from the monitoring backend (ingestion and storage). The ingest
// module provides it through the Hub; until it does, those rules stay quiet and say so at start.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ew::ops {

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

}  // namespace ew::ops
