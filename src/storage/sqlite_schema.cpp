#include "storage/sqlite_schema.h"

#include "util/time.h"

#include <chrono>
#include <string_view>

#include "storage/sqlite_db.h"

namespace ew::storage::sqlite {
namespace {

// Append-only: never edit a migration that has shipped; add the next one.
constexpr std::string_view kMigrations[] = {
    // 1: issues, error events, web vitals, metric summaries, analytics events.
    R"sql(
CREATE TABLE releases (
  project INTEGER NOT NULL,
  version TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (project, version)
) WITHOUT ROWID;

CREATE TABLE issues (
  id INTEGER PRIMARY KEY,
  project INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  title TEXT NOT NULL,
  culprit TEXT NOT NULL,
  type TEXT NOT NULL,
  level TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  count INTEGER NOT NULL DEFAULT 0,
  sessions INTEGER NOT NULL DEFAULT 0,
  users INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  first_release TEXT NOT NULL DEFAULT '',
  last_release TEXT NOT NULL DEFAULT '',
  resolved_at INTEGER NOT NULL DEFAULT 0,
  regressed_at INTEGER NOT NULL DEFAULT 0,
  regressions INTEGER NOT NULL DEFAULT 0,
  regressed INTEGER NOT NULL DEFAULT 0,
  UNIQUE (project, fingerprint)
);
CREATE INDEX issues_last_seen ON issues (last_seen, id);

CREATE TABLE issue_releases (
  issue_id INTEGER NOT NULL,
  release TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (issue_id, release)
) WITHOUT ROWID;

CREATE TABLE issue_environments (
  issue_id INTEGER NOT NULL,
  environment TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (issue_id, environment)
) WITHOUT ROWID;

CREATE TABLE issue_sessions (
  issue_id INTEGER NOT NULL,
  session INTEGER NOT NULL,
  PRIMARY KEY (issue_id, session)
) WITHOUT ROWID;

CREATE TABLE issue_users (
  issue_id INTEGER NOT NULL,
  user INTEGER NOT NULL,
  PRIMARY KEY (issue_id, user)
) WITHOUT ROWID;

CREATE TABLE error_events (
  id INTEGER PRIMARY KEY,
  project INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  issue_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  received INTEGER NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  level TEXT NOT NULL,
  session TEXT NOT NULL,
  user TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  page TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL,
  device TEXT NOT NULL,
  detail TEXT NOT NULL,
  UNIQUE (project, event_id)
);
CREATE INDEX error_events_issue ON error_events (issue_id, ts, id);
CREATE INDEX error_events_ts ON error_events (ts);

CREATE TABLE vitals (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  page TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  navigation TEXT NOT NULL,
  device TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL
);
CREATE INDEX vitals_metric_ts ON vitals (metric, ts);

CREATE TABLE metric_summaries (
  bucket INTEGER NOT NULL,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  unit TEXT NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (bucket, name, tags, release, environment)
) WITHOUT ROWID;

CREATE TABLE analytics_events (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  name TEXT NOT NULL,
  properties TEXT NOT NULL,
  session TEXT NOT NULL,
  user TEXT NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  page TEXT NOT NULL,
  browser TEXT NOT NULL,
  os TEXT NOT NULL,
  device TEXT NOT NULL
);
CREATE INDEX analytics_name_ts ON analytics_events (name, ts);
CREATE INDEX analytics_ts ON analytics_events (ts);
)sql",
};

constexpr int kLatest = static_cast<int>(std::size(kMigrations));

}  // namespace

int latest_schema_version() {
  return kLatest;
}

bool migrate(Db& db, std::string& error) {
  if (!db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
               "version INTEGER NOT NULL, applied_at INTEGER NOT NULL)")) {
    error = "cannot create schema_version: " + db.error();
    return false;
  }
  for (;;) {
    // IMMEDIATE takes the write lock first, so two processes starting together cannot both
    // apply the same migration.
    if (!db.exec("BEGIN IMMEDIATE")) {
      error = "cannot begin a migration: " + db.error();
      return false;
    }
    int version = 0;
    {
      Stmt current(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (current.ok() && current.step()) version = static_cast<int>(current.int64(0));
    }
    if (version > kLatest) {
      db.exec("ROLLBACK");
      error = "the database is at schema version " + std::to_string(version) +
              ", newer than this edgewatch knows (" + std::to_string(kLatest) +
              "); use a newer edgewatch or another storage.path";
      return false;
    }
    if (version == kLatest) return db.exec("COMMIT");
    const std::string_view sql = kMigrations[version];
    bool ok = db.exec(sql);
    if (ok) {
      Stmt record(db, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
      ok = record.ok() && record.bind(1, version + 1).bind(2, now_ms()).run();
    }
    if (!ok || !db.exec("COMMIT")) {
      error =
          "migration to schema version " + std::to_string(version + 1) + " failed: " + db.error();
      db.exec("ROLLBACK");
      return false;
    }
  }
}

}  // namespace ew::storage::sqlite
