// The narrow storage interface ingestion and the query API are written against. The SQLite
// backend (sqlite_store.h) implements it; a PostgreSQL backend can implement it without changes
// to either side.
//
// Threading contract:
//   - write() and retention_step() are called by one thread only (the Writer, writer.h).
//   - every query method may be called concurrently from any thread, alongside writes.
// No method throws on the data path; failures come back as Result errors.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "storage/records.h"
#include "storage/result.h"

namespace ew::storage {

// Keyset pagination position: the sort key and id of the last row of the previous page.
struct Cursor {
  std::int64_t key = 0;
  std::int64_t id = 0;
};

struct TimeRange {
  TimeMs from = 0;
  TimeMs to = std::numeric_limits<TimeMs>::max();
};

enum class IssueSort : std::uint8_t { kLastSeen, kFirstSeen, kCount };

struct IssueQuery {
  std::optional<std::int64_t> project;
  std::optional<IssueStatus> status;
  std::string release;      // seen in this release
  std::string environment;  // seen in this environment
  TimeRange seen;           // issues with events in the range (first_seen <= to, last_seen >= from)
  IssueSort sort = IssueSort::kLastSeen;  // always descending
  std::size_t limit = 50;
  std::optional<Cursor> after;
};

struct Issue {
  std::int64_t id = 0;
  std::int64_t project = 0;
  std::string fingerprint;
  std::string title;
  std::string culprit;
  std::string type;
  std::string level;
  IssueStatus status = IssueStatus::kUnresolved;
  std::int64_t count = 0;
  std::int64_t sessions = 0;
  std::int64_t users = 0;
  TimeMs first_seen = 0;
  TimeMs last_seen = 0;
  TimeMs resolved_at = 0;   // 0 when never resolved
  TimeMs regressed_at = 0;  // 0 when never regressed
  std::int64_t regressions = 0;
  bool regressed = false;  // regressed since it was last resolved
  std::string first_release;
  std::string last_release;
  std::vector<std::string> releases;
  std::vector<std::string> environments;
};

struct IssuePage {
  std::vector<Issue> items;
  std::optional<Cursor> next;
};

struct ErrorEvent {
  std::int64_t id = 0;
  std::int64_t issue_id = 0;
  std::string event_id;
  TimeMs timestamp = 0;
  TimeMs received = 0;
  std::string title;
  std::string message;
  std::string level;
  std::string session;
  std::string user;
  ClientInfo client;
  std::string detail_json;
};

struct EventQuery {
  std::int64_t issue_id = 0;
  std::string release;
  TimeRange range;
  std::size_t limit = 50;
  std::optional<Cursor> after;  // key = timestamp; newest first
};

struct EventPage {
  std::vector<ErrorEvent> items;
  std::optional<Cursor> next;
};

struct CountBucket {
  TimeMs start = 0;
  std::int64_t count = 0;
};

// Web vitals: p75 and rating shares per group. Grouping by page, release and device can be
// switched off to get coarser rows; metric is always a group key.
struct VitalQuery {
  std::string metric;
  std::string page;
  std::string release;
  std::string device;
  std::string environment;
  TimeRange range;
  TimeMs bucket = 0;  // 0 = one bucket for the whole range
  bool by_page = true;
  bool by_release = true;
  bool by_device = true;
  std::size_t max_samples = 2'000'000;  // scanned at most; rows say when this cut the scan
};

struct VitalRow {
  std::string metric;
  std::string page;  // "" when not grouped by page
  std::string release;
  std::string device;
  TimeMs bucket_start = 0;
  std::size_t count = 0;
  double p75 = 0;
  std::size_t good = 0;
  std::size_t needs_improvement = 0;
  std::size_t poor = 0;
};

struct VitalResult {
  std::vector<VitalRow> rows;
  bool truncated = false;
};

struct MetricQuery {
  std::string name;    // exact
  std::string prefix;  // name starts with
  TimeRange range;
  TimeMs bucket = 0;  // 0 = one bucket for the range
  std::size_t limit = 500;
};

struct MetricRow {
  std::string name;
  std::string tags;
  std::string unit;
  TimeMs bucket_start = 0;
  std::int64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
};

struct AnalyticsQuery {
  std::string name;
  std::string release;
  TimeRange range;
  TimeMs bucket = 0;  // 0 = one bucket for the range
  std::size_t limit = 500;
};

struct AnalyticsRow {
  std::string name;
  TimeMs bucket_start = 0;
  std::int64_t count = 0;
  std::int64_t sessions = 0;  // distinct session ids
};

struct RetentionPolicy {
  TimeMs raw_events = 30LL * 86'400'000;  // error events, vitals, analytics events
  TimeMs issues = 90LL * 86'400'000;      // issues not seen for this long
  TimeMs summaries = 90LL * 86'400'000;   // metric summaries
  std::size_t batch_rows = 1000;          // rows deleted per step (one short transaction)
};

struct StoreCounts {
  std::int64_t issues = 0;
  std::int64_t open_issues = 0;
  std::int64_t error_events = 0;
  std::int64_t vitals = 0;
  std::int64_t metric_rows = 0;
  std::int64_t analytics_events = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Writer side. Stores every batch of the group in one transaction; on success fills one
  // outcome per batch. On failure nothing of the group is stored.
  virtual Status write(std::span<const WriteBatch* const> group,
                       std::vector<WriteOutcome>& outcomes) = 0;
  // Deletes at most policy.batch_rows expired rows of one kind; returns how many (0: done).
  virtual Result<std::size_t> retention_step(const RetentionPolicy& policy, TimeMs now) = 0;

  // Read side.
  virtual Result<IssuePage> list_issues(const IssueQuery& query) = 0;
  virtual Result<std::optional<Issue>> get_issue(std::int64_t id) = 0;
  virtual Result<EventPage> list_events(const EventQuery& query) = 0;
  virtual Result<std::vector<CountBucket>> issue_counts(std::int64_t issue_id, TimeRange range,
                                                        TimeMs bucket) = 0;
  virtual Result<VitalResult> vitals(const VitalQuery& query) = 0;
  virtual Result<std::vector<MetricRow>> metrics(const MetricQuery& query) = 0;
  virtual Result<std::vector<AnalyticsRow>> analytics(const AnalyticsQuery& query) = 0;
  virtual Result<StoreCounts> counts() = 0;
  // Stored issues per project, (project, issues), for the ingestion quotas. Stores that cannot
  // count cheaply report none.
  virtual Result<std::vector<std::pair<std::int64_t, std::int64_t>>> issues_per_project() {
    return std::vector<std::pair<std::int64_t, std::int64_t>>{};
  }
};

}  // namespace ew::storage
