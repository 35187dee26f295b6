// Polls the store for what the alert rules and /metrics want from the monitoring backend, on a
// thread of its own so that neither a scrape nor an evaluation queries the database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ingest/ingest.h"
#include "storage/storage.h"
#include "telemetry/prometheus.h"

namespace ew::ingest {

// Totals the ingest module counts itself.
struct IngestCounters {
  std::uint64_t accepted = 0;  // records stored
  std::uint64_t rejected = 0;  // items and requests refused
  // Error events stored; when left at 0 the store's event count is used instead.
  std::uint64_t error_events = 0;
};

// Polls the store on its own thread (never on a worker): open issues, new issues and
// regressions since the last poll, web-vital p75 over a recent window. Serves as the
// MonitoringSource and writes the ingestion and storage families to /metrics.
class StoreObserver final : public MonitoringSource {
 public:
  struct Options {
    std::chrono::milliseconds refresh{10'000};
    std::chrono::milliseconds vitals_window{15 * 60'000};
  };
  StoreObserver(storage::Store& store, std::function<IngestCounters()> counters, Options options);
  StoreObserver(storage::Store& store, std::function<IngestCounters()> counters)
      : StoreObserver(store, std::move(counters), Options{}) {}
  ~StoreObserver() override;

  void start();
  void stop();
  // One poll now (the thread calls this every `refresh`).
  void poll();

  MonitoringSnapshot snapshot() override;
  // edgewatch_ingest_accepted_total, _rejected_total, _queue_depth, _commits_total,
  // _commit_seconds (last and max), edgewatch_open_issues, edgewatch_web_vitals_p75{metric}.
  void write_metrics(telemetry::MetricWriter& w, const storage::WriterStats& writer);

 private:
  storage::Store& store_;
  std::function<IngestCounters()> counters_;
  Options options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  bool primed_ = false;
  storage::TimeMs new_issue_mark_ = 0;   // first_seen of the newest issue counted
  storage::TimeMs regression_mark_ = 0;  // regressed_at of the newest regression counted
  MonitoringSnapshot totals_;            // guarded by mutex_
  std::int64_t open_issues_ = -1;        // -1: not read yet
  std::int64_t stored_events_ = 0;
};

}  // namespace ew::ingest
