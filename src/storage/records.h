// Plain records that ingestion hands to storage and queries read back. No database types here:
// the same structs serve the SQLite backend and any later one (PostgreSQL).
//
// Times are milliseconds since the Unix epoch, UTC. Strings are valid UTF-8, already capped by
// ingestion. An empty string means "not given".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew::storage {

using TimeMs = std::int64_t;

// Project 0 is the seed client's own endpoints; Sentry projects use their configured ids.
constexpr std::int64_t kSeedProject = 0;

enum class IssueStatus : std::uint8_t { kUnresolved = 0, kResolved = 1, kIgnored = 2 };
std::string_view to_string(IssueStatus status);
std::optional<IssueStatus> parse_issue_status(std::string_view text);

// Who sent a record, reduced to low-cardinality families. No IP address is ever kept.
struct ClientInfo {
  std::string release;
  std::string environment;
  std::string page;     // normalized path: "/users/:id"
  std::string browser;  // "Chrome", "Firefox", ...
  std::string os;       // "Android", "Windows", ...
  std::string device;   // "mobile" or "desktop"
};

struct ErrorRecord {
  std::int64_t project = kSeedProject;
  std::string event_id;  // 32 lowercase hex; unique per project, duplicates are dropped
  TimeMs timestamp = 0;
  TimeMs received = 0;
  std::string fingerprint;  // hex MD5 of the grouping values: the issue key
  std::string title;        // "TypeError: x is undefined"
  std::string culprit;      // "handleClick(src/cart)"
  std::string type;         // exception type, or "" for a message
  std::string message;
  std::string level;  // fatal, error, warning, info, debug
  std::string session;
  std::string user;
  ClientInfo client;
  std::string detail_json;  // stack frames, breadcrumbs, tags, extra, grouping: for display
};

struct VitalRecord {
  TimeMs timestamp = 0;
  std::string metric;      // LCP, INP, CLS, FCP, TTFB, FID
  double value = 0;        // milliseconds, CLS unitless
  std::string navigation;  // navigate, reload, back-forward, ...; "" when unknown
  std::string session;
  ClientInfo client;
};

struct MetricRecord {
  TimeMs timestamp = 0;
  std::string name;  // normalized: no URLs with ids or hashes
  std::string tags;  // canonical "k=v,k=v", low-cardinality keys only
  std::string unit;
  std::string release;
  std::string environment;
  double value = 0;
};

struct AnalyticsRecord {
  TimeMs timestamp = 0;
  std::string name;
  std::string properties_json;  // an object, size-capped
  std::string session;
  std::string user;
  ClientInfo client;
};

struct IssueStatusChange {
  std::int64_t issue_id = 0;
  IssueStatus status = IssueStatus::kUnresolved;
  TimeMs at = 0;
};

// Everything one request wants stored. Committed atomically, possibly together with others.
struct WriteBatch {
  std::vector<ErrorRecord> errors;
  std::vector<VitalRecord> vitals;
  std::vector<MetricRecord> metrics;
  std::vector<AnalyticsRecord> analytics;
  std::vector<IssueStatusChange> status_changes;
  std::size_t size() const {
    return errors.size() + vitals.size() + metrics.size() + analytics.size() +
           status_changes.size();
  }
};

// What the commit did with one batch.
struct WriteOutcome {
  std::size_t stored = 0;      // records written (duplicates excluded)
  std::size_t duplicates = 0;  // error events whose event_id was already stored
  std::size_t new_issues = 0;
  std::size_t regressions = 0;
  std::vector<std::int64_t> issue_ids;  // per error record; 0 for a duplicate
  std::size_t status_changes = 0;       // issues whose status was changed (missing ids skipped)
};

}  // namespace ew::storage
