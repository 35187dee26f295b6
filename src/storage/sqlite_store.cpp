// Opening the database, the write path (one transaction per group of batches) and retention.
#include <stdexcept>

#include "storage/sqlite_schema.h"
#include "storage/sqlite_store_impl.h"
#include "storage/vitals_math.h"

namespace ew::storage {

std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options) {
  auto store = std::make_unique<sqlite::SqliteStore>(options);
  store->open();
  return store;
}

namespace sqlite {

std::int64_t hash64(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h);
}

void SqliteStore::open() {
  const std::string where = "storage.path \"" + options_.path + "\": ";
  if (!writer_.open(options_.path, /*create=*/true, /*read_only=*/false)) {
    throw std::runtime_error(where + "cannot open the database: " + writer_.error());
  }
  // journal_mode answers with a row; exec() ignores it. Check that WAL took effect.
  {
    Stmt wal(writer_, "PRAGMA journal_mode=WAL");
    if (!wal.ok() || !wal.step() || wal.text_view(0) != "wal") {
      throw std::runtime_error(where + "cannot switch to WAL mode: " + writer_.error());
    }
  }
  const std::string pragmas = std::string("PRAGMA synchronous=") +
                              (options_.synchronous_full ? "FULL" : "NORMAL") +
                              "; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;"
                              // Checkpoint every ~16 MiB of log rather than 4: pages written
                              // again and again (issues, index pages) are copied back once.
                              " PRAGMA wal_autocheckpoint=4000;"
                              " PRAGMA journal_size_limit=67108864;"
                              " PRAGMA cache_size=-" +
                              std::to_string(options_.cache_kib) + ";";
  if (!writer_.exec(pragmas)) {
    throw std::runtime_error(where + "cannot configure the database: " + writer_.error());
  }
  std::string error;
  if (!migrate(writer_, error)) throw std::runtime_error(where + error);

  w_ = std::make_unique<WriteStatements>();
  WriteStatements& s = *w_;
  auto prepare = [&](Stmt& stmt, std::string_view sql) {
    stmt = Stmt(writer_, sql);
    if (!stmt.ok()) {
      throw std::runtime_error(where + "cannot prepare \"" + std::string(sql) +
                               "\": " + writer_.error());
    }
  };
  prepare(s.begin, "BEGIN IMMEDIATE");
  prepare(s.commit, "COMMIT");
  prepare(s.rollback, "ROLLBACK");
  prepare(s.event_exists, "SELECT 1 FROM error_events WHERE project = ? AND event_id = ?");
  prepare(s.issue_find,
          "SELECT id, status, resolved_at FROM issues WHERE project = ? AND fingerprint = ?");
  // New issues start at count 0; every event, the first included, is added by the flush at the
  // end of the group (sqlite_errors.cpp), one UPDATE per issue however many events it had.
  prepare(s.issue_insert,
          "INSERT INTO issues (project, fingerprint, title, culprit, type, level, count,"
          " first_seen, last_seen, first_release, last_release) VALUES (?, ?, ?, ?, ?, ?, 0, ?,"
          " ?, '', '')");
  prepare(s.issue_update,
          "UPDATE issues SET count = count + ?1, sessions = sessions + ?2, users = users + ?3,"
          " last_seen = MAX(last_seen, ?4), first_seen = MIN(first_seen, ?5), title = ?6,"
          " culprit = ?7, level = ?8,"
          " last_release = CASE WHEN ?9 <> '' THEN ?9 ELSE last_release END,"
          " first_release = CASE WHEN first_release = '' THEN ?10 ELSE first_release END"
          " WHERE id = ?11");
  prepare(s.issue_regress,
          "UPDATE issues SET status = 0, regressed = 1, regressed_at = ?, regressions ="
          " regressions + 1 WHERE id = ?");
  prepare(s.release_insert,
          "INSERT OR IGNORE INTO releases (project, version, first_seen) VALUES (?, ?, ?)");
  prepare(s.release_first_seen,
          "SELECT first_seen FROM releases WHERE project = ? AND version = ?");
  prepare(s.session_insert,
          "INSERT OR IGNORE INTO issue_sessions (issue_id, session) VALUES (?, ?)");
  prepare(s.user_insert, "INSERT OR IGNORE INTO issue_users (issue_id, user) VALUES (?, ?)");
  prepare(s.issue_release,
          "INSERT INTO issue_releases (issue_id, release, count, first_seen, last_seen)"
          " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (issue_id, release) DO UPDATE SET"
          " count = count + ?3, first_seen = MIN(first_seen, ?4), last_seen = MAX(last_seen, ?5)");
  prepare(s.issue_environment,
          "INSERT INTO issue_environments (issue_id, environment, count, first_seen, last_seen)"
          " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (issue_id, environment) DO UPDATE SET"
          " count = count + ?3, first_seen = MIN(first_seen, ?4), last_seen = MAX(last_seen, ?5)");
  prepare(s.event_insert,
          "INSERT INTO error_events (project, event_id, issue_id, ts, received, title, message,"
          " level, session, user, release, environment, page, browser, os, device, detail)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  prepare(s.vital_insert,
          "INSERT INTO vitals (ts, metric, value, page, release, environment, navigation,"
          " device, browser, os) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  prepare(s.summary_upsert,
          "INSERT INTO metric_summaries (bucket, name, tags, release, environment, unit, count,"
          " sum, min, max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?7)"
          " ON CONFLICT (bucket, name, tags, release, environment) DO UPDATE SET"
          " count = count + 1, sum = sum + ?7, min = MIN(min, ?7), max = MAX(max, ?7)");
  prepare(s.analytics_insert,
          "INSERT INTO analytics_events (ts, name, properties, session, user, release,"
          " environment, page, browser, os, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  prepare(s.status_update,
          "UPDATE issues SET status = ?1,"
          " resolved_at = CASE WHEN ?1 = 1 THEN ?2 ELSE resolved_at END,"
          " regressed = CASE WHEN ?1 = 0 THEN regressed ELSE 0 END WHERE id = ?3");
}

Status SqliteStore::write(std::span<const WriteBatch* const> group,
                          std::vector<WriteOutcome>& outcomes) {
  outcomes.assign(group.size(), WriteOutcome{});
  WriteStatements& s = *w_;
  if (!s.begin.run()) return Error{"BEGIN failed: " + writer_.error()};
  deltas_.clear();
  for (std::size_t i = 0; i <= group.size(); ++i) {
    const bool ok = i < group.size() ? write_batch(*group[i], outcomes[i]) : flush_deltas();
    if (!ok) {
      std::string message = writer_.error();
      s.rollback.run();
      forget_cached();
      outcomes.assign(group.size(), WriteOutcome{});
      return Error{"write failed: " + message};
    }
  }
  if (!s.commit.run()) {
    std::string message = writer_.error();
    s.rollback.run();
    forget_cached();
    outcomes.assign(group.size(), WriteOutcome{});
    return Error{"COMMIT failed: " + message};
  }
  return Ok{};
}

bool SqliteStore::write_batch(const WriteBatch& batch, WriteOutcome& outcome) {
  WriteStatements& s = *w_;
  for (const ErrorRecord& record : batch.errors) {
    if (!write_error(record, outcome)) return false;
  }
  for (const VitalRecord& v : batch.vitals) {
    s.vital_insert.bind(1, v.timestamp).bind(2, v.metric).bind(3, v.value).bind(4, v.client.page);
    s.vital_insert.bind(5, v.client.release).bind(6, v.client.environment).bind(7, v.navigation);
    s.vital_insert.bind(8, v.client.device).bind(9, v.client.browser).bind(10, v.client.os);
    if (!s.vital_insert.run()) return false;
    ++outcome.stored;
  }
  for (const MetricRecord& m : batch.metrics) {
    // Summaries only: the bucket start is the record's time floored to the minute.
    const TimeMs bucket = m.timestamp - (m.timestamp % 60'000);
    s.summary_upsert.bind(1, bucket).bind(2, m.name).bind(3, m.tags).bind(4, m.release);
    s.summary_upsert.bind(5, m.environment).bind(6, m.unit).bind(7, m.value);
    if (!s.summary_upsert.run()) return false;
    ++outcome.stored;
  }
  for (const AnalyticsRecord& a : batch.analytics) {
    Stmt& q = s.analytics_insert;
    q.bind(1, a.timestamp).bind(2, a.name).bind(3, a.properties_json).bind(4, a.session);
    q.bind(5, a.user).bind(6, a.client.release).bind(7, a.client.environment);
    q.bind(8, a.client.page).bind(9, a.client.browser).bind(10, a.client.os);
    q.bind(11, a.client.device);
    if (!q.run()) return false;
    ++outcome.stored;
  }
  for (const IssueStatusChange& change : batch.status_changes) {
    if (!apply_status(change, outcome)) return false;
  }
  return true;
}

void SqliteStore::forget_cached() {
  issue_cache_.clear();
  release_cache_.clear();
  deltas_.clear();
}

bool SqliteStore::apply_status(const IssueStatusChange& change, WriteOutcome& outcome) {
  issue_cache_.clear();  // status changes are rare; the cache refills from the table
  Stmt& q = w_->status_update;
  q.bind(1, static_cast<int>(change.status)).bind(2, change.at).bind(3, change.issue_id);
  if (!q.run()) return false;
  outcome.status_changes += static_cast<std::size_t>(writer_.changes());
  return true;
}

Result<std::size_t> SqliteStore::delete_batch(std::string_view sql, TimeMs cutoff,
                                              std::size_t limit) {
  Stmt q(writer_, sql);
  if (!q.ok()) return Error{"retention: " + writer_.error()};
  q.bind(1, cutoff).bind(2, static_cast<std::int64_t>(limit));
  if (!q.run()) return Error{"retention: " + writer_.error()};
  return static_cast<std::size_t>(writer_.changes());
}

Result<std::size_t> SqliteStore::expire_issues(TimeMs cutoff, std::size_t limit) {
  std::vector<std::int64_t> ids;
  {
    Stmt q(writer_, "SELECT id FROM issues WHERE last_seen < ? ORDER BY last_seen LIMIT ?");
    q.bind(1, cutoff).bind(2, static_cast<std::int64_t>(limit));
    while (q.step()) ids.push_back(q.int64(0));
    if (q.failed()) return Error{"retention: " + writer_.error()};
  }
  for (std::int64_t id : ids) {
    for (const char* sql :
         {"DELETE FROM issue_releases WHERE issue_id = ?",
          "DELETE FROM issue_environments WHERE issue_id = ?",
          "DELETE FROM issue_sessions WHERE issue_id = ?",
          "DELETE FROM issue_users WHERE issue_id = ?",
          "DELETE FROM error_events WHERE issue_id = ?", "DELETE FROM issues WHERE id = ?"}) {
      Stmt q(writer_, sql);
      if (!q.ok() || !q.bind(1, id).run()) return Error{"retention: " + writer_.error()};
    }
  }
  return ids.size();
}

Result<std::size_t> SqliteStore::retention_step(const RetentionPolicy& policy, TimeMs now) {
  const std::size_t n = policy.batch_rows;
  const TimeMs raw_cutoff = now - policy.raw_events;
  if (!w_->begin.run()) return Error{"retention: BEGIN failed: " + writer_.error()};
  std::size_t deleted = 0;
  std::string failure;
  auto step = [&](Result<std::size_t> r) {
    if (!r.ok())
      failure = r.error();
    else
      deleted += r.value();
    return failure.empty() && deleted == 0;  // continue with the next kind
  };
  bool more = step(delete_batch(
      "DELETE FROM error_events WHERE id IN (SELECT id FROM error_events WHERE ts < ?1 LIMIT ?2)",
      raw_cutoff, n));
  for (std::string_view metric : known_vitals()) {
    if (!more) break;
    more =
        step(delete_batch("DELETE FROM vitals WHERE id IN (SELECT id FROM vitals WHERE metric = '" +
                              std::string(metric) + "' AND ts < ?1 LIMIT ?2)",
                          raw_cutoff, n));
  }
  if (more) {
    more =
        step(delete_batch("DELETE FROM analytics_events WHERE id IN"
                          " (SELECT id FROM analytics_events WHERE ts < ?1 LIMIT ?2)",
                          raw_cutoff, n));
  }
  if (more) {
    // Summaries have no rowid: one minute bucket (a bounded number of rows) per step.
    more =
        step(delete_batch("DELETE FROM metric_summaries WHERE ?2 > 0 AND bucket ="
                          " (SELECT MIN(bucket) FROM metric_summaries WHERE bucket < ?1)",
                          now - policy.summaries, n));
  }
  if (more) {
    const std::size_t before = deleted;
    step(expire_issues(now - policy.issues, std::max<std::size_t>(1, n / 100)));
    if (deleted > before) issue_cache_.clear();
  }
  if (!failure.empty()) {
    w_->rollback.run();
    forget_cached();
    return Error{failure};
  }
  if (!w_->commit.run()) {
    std::string message = writer_.error();
    w_->rollback.run();
    forget_cached();
    return Error{"retention: COMMIT failed: " + message};
  }
  return deleted;
}

}  // namespace sqlite
}  // namespace ew::storage
