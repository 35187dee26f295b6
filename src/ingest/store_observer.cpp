#include "ingest/store_observer.h"
#include "util/time.h"

#include <future>

#include <spdlog/spdlog.h>

namespace ew::ingest {
namespace {

constexpr std::size_t kIssueScan = 200;  // newest issues looked at per poll

}  // namespace

StoreObserver::StoreObserver(storage::Store& store, std::function<IngestCounters()> counters,
                             Options options)
    : store_(store), counters_(std::move(counters)), options_(options) {}

StoreObserver::~StoreObserver() {
  stop();
}

void StoreObserver::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      poll();
      lock.lock();
      wake_.wait_for(lock, options_.refresh, [this] { return stopping_; });
    }
  });
}

void StoreObserver::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreObserver::poll() {
  auto counts = store_.counts();
  storage::IssueQuery newest;
  newest.sort = storage::IssueSort::kFirstSeen;
  newest.limit = kIssueScan;
  auto by_first_seen = store_.list_issues(newest);
  storage::IssueQuery recent;
  recent.sort = storage::IssueSort::kLastSeen;
  recent.limit = kIssueScan;
  auto by_last_seen = store_.list_issues(recent);
  storage::VitalQuery vq;
  vq.range.from = now_ms() - options_.vitals_window.count();
  vq.by_page = vq.by_release = vq.by_device = false;
  auto vitals = store_.vitals(vq);

  std::lock_guard lock(mutex_);
  if (counts.ok()) {
    open_issues_ = counts->open_issues;
    stored_events_ = counts->error_events;
  } else {
    spdlog::warn("monitoring: cannot count issues: {}", counts.error());
  }
  if (by_first_seen.ok()) {
    storage::TimeMs mark = new_issue_mark_;
    for (const auto& issue : by_first_seen->items) {
      if (issue.first_seen <= new_issue_mark_) continue;
      if (primed_) {
        ++totals_.new_issues;
        if (issue.first_seen >= mark) totals_.latest_new_issue = issue.title;
      }
      mark = std::max(mark, issue.first_seen);
    }
    new_issue_mark_ = mark;
  }
  if (by_last_seen.ok()) {
    storage::TimeMs mark = regression_mark_;
    for (const auto& issue : by_last_seen->items) {
      if (issue.regressed_at <= regression_mark_) continue;
      if (primed_) {
        ++totals_.regressions;
        if (issue.regressed_at >= mark) {
          totals_.latest_regression = issue.title;
          totals_.latest_regression_release = issue.last_release;
        }
      }
      mark = std::max(mark, issue.regressed_at);
    }
    regression_mark_ = mark;
  }
  if (vitals.ok()) {
    totals_.vitals_p75.clear();
    for (const auto& row : vitals->rows) {
      if (row.count > 0) totals_.vitals_p75[row.metric] = row.p75;
    }
  }
  primed_ = true;  // what existed before the first poll is not news
}

MonitoringSnapshot StoreObserver::snapshot() {
  IngestCounters c = counters_ ? counters_() : IngestCounters{};
  std::lock_guard lock(mutex_);
  MonitoringSnapshot s = totals_;
  s.accepted = c.accepted;
  s.rejected = c.rejected;
  s.error_events = c.error_events > 0
                       ? c.error_events
                       : static_cast<std::uint64_t>(std::max<std::int64_t>(0, stored_events_));
  return s;
}

void StoreObserver::write_metrics(telemetry::MetricWriter& w, const storage::WriterStats& writer) {
  IngestCounters c = counters_ ? counters_() : IngestCounters{};
  w.counter("edgewatch_ingest_accepted_total", "Monitoring records stored");
  w.sample({}, static_cast<double>(c.accepted));
  w.counter("edgewatch_ingest_rejected_total", "Monitoring items and requests refused");
  w.sample({}, static_cast<double>(c.rejected));
  w.gauge("edgewatch_ingest_queue_depth", "Records waiting for the storage writer");
  w.sample({}, static_cast<double>(writer.queued_records));
  w.counter("edgewatch_ingest_commits_total", "Storage transactions committed");
  w.sample({}, static_cast<double>(writer.commits));
  w.counter("edgewatch_ingest_commit_failures_total", "Storage transactions that failed");
  w.sample({}, static_cast<double>(writer.failed_commits));
  w.gauge("edgewatch_ingest_commit_latency_seconds",
          "Duration of storage commits: the last one and the longest since start");
  w.sample({{"stat", "last"}}, writer.last_commit_ms / 1000);
  w.sample({{"stat", "max"}}, writer.max_commit_ms / 1000);

  std::lock_guard lock(mutex_);
  if (open_issues_ >= 0) {
    w.gauge("edgewatch_open_issues", "Issues not resolved or ignored");
    w.sample({}, static_cast<double>(open_issues_));
  }
  w.gauge("edgewatch_web_vitals_p75",
          "75th percentile of each web vital over the recent window (ms; CLS unitless)");
  for (const auto& [metric, p75] : totals_.vitals_p75) w.sample({{"metric", metric}}, p75);
}

}  // namespace ew::ingest
