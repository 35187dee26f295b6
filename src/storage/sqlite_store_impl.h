// Internal to the SQLite backend: the Store implementation shared by sqlite_store.cpp (open,
// write, retention) and sqlite_read.cpp (queries).
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/sqlite_db.h"
#include "storage/sqlite_store.h"

namespace ew::storage::sqlite {

// 64-bit FNV-1a: session and user ids are kept per issue as integers, not strings.
std::int64_t hash64(std::string_view text);

// The writer connection's prepared statements.
struct WriteStatements {
  Stmt begin, commit, rollback;
  Stmt event_exists, issue_find, issue_insert, issue_update, issue_regress;
  Stmt release_insert, release_first_seen;
  Stmt session_insert, user_insert;
  Stmt issue_release, issue_environment, event_insert;
  Stmt vital_insert, summary_upsert, analytics_insert, status_update;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {}
  void open();  // throws std::runtime_error

  Status write(std::span<const WriteBatch* const> group,
               std::vector<WriteOutcome>& outcomes) override;
  Result<std::size_t> retention_step(const RetentionPolicy& policy, TimeMs now) override;

  Result<IssuePage> list_issues(const IssueQuery& query) override;
  Result<std::optional<Issue>> get_issue(std::int64_t id) override;
  Result<EventPage> list_events(const EventQuery& query) override;
  Result<std::vector<CountBucket>> issue_counts(std::int64_t issue_id, TimeRange range,
                                                TimeMs bucket) override;
  Result<VitalResult> vitals(const VitalQuery& query) override;
  Result<std::vector<MetricRow>> metrics(const MetricQuery& query) override;
  Result<std::vector<AnalyticsRow>> analytics(const AnalyticsQuery& query) override;
  Result<StoreCounts> counts() override;
  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> issues_per_project() override;

 private:
  // A read connection borrowed from the pool for one query.
  class Reader {
   public:
    Reader(SqliteStore& store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
    Reader(Reader&&) = default;
    ~Reader();
    Db* operator->() { return db_.get(); }
    Db& operator*() { return *db_; }
    bool ok() const { return db_ != nullptr; }

   private:
    SqliteStore& store_;
    std::unique_ptr<Db> db_;
  };
  Result<Reader> reader();

  bool write_batch(const WriteBatch& batch, WriteOutcome& outcome);
  bool write_error(const ErrorRecord& record, WriteOutcome& outcome);
  bool flush_deltas();
  bool apply_status(const IssueStatusChange& change, WriteOutcome& outcome);
  Result<std::size_t> delete_batch(std::string_view sql, TimeMs cutoff, std::size_t limit);
  Result<std::size_t> expire_issues(TimeMs cutoff, std::size_t limit);
  bool fill_issue_lists(Db& db, Issue& issue);

  // Writer-side caches, so a burst of one error costs no lookups: the issue behind each
  // (project, fingerprint) and the releases already recorded. Cleared on rollback, on status
  // changes and when retention deletes issues; bounded by clearing when large.
  struct IssueState {
    std::int64_t id = 0;
    int status = 0;
    TimeMs resolved_at = 0;
  };
  void forget_cached();
  // What the events of the current group add to each issue and its release and environment
  // rows; written once per issue before COMMIT.
  struct Span {
    std::int64_t count = 0;
    TimeMs first = 0;
    TimeMs last = 0;
    void add(TimeMs t) {
      first = count == 0 ? t : std::min(first, t);
      last = count == 0 ? t : std::max(last, t);
      ++count;
    }
  };
  struct IssueDelta {
    Span events;
    std::int64_t sessions = 0;
    std::int64_t users = 0;
    std::string title, culprit, level, first_release, last_release;
    std::map<std::string, Span> releases;
    std::map<std::string, Span> environments;
  };
  std::unordered_map<std::int64_t, IssueDelta> deltas_;
  std::unordered_map<std::string, IssueState> issue_cache_;
  std::unordered_set<std::string> release_cache_;

  SqliteOptions options_;
  Db writer_;
  std::unique_ptr<WriteStatements> w_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Db>> readers_;
};

}  // namespace ew::storage::sqlite
