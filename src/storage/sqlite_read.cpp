// The read side: every query runs on a pooled read-only connection. In WAL mode readers see the
// last committed state and never block, nor are blocked by, the writer.
#include <map>
#include <tuple>

#include "storage/sqlite_store_impl.h"
#include "storage/vitals_math.h"

namespace ew::storage::sqlite {
namespace {

constexpr const char* kIssueColumns =
    "id, project, fingerprint, title, culprit, type, level, status, count, sessions, users,"
    " first_seen, last_seen, resolved_at, regressed_at, regressions, regressed, first_release,"
    " last_release";

Issue read_issue(const Stmt& q) {
  Issue i;
  i.id = q.int64(0);
  i.project = q.int64(1);
  i.fingerprint = q.text(2);
  i.title = q.text(3);
  i.culprit = q.text(4);
  i.type = q.text(5);
  i.level = q.text(6);
  i.status = static_cast<IssueStatus>(q.int64(7));
  i.count = q.int64(8);
  i.sessions = q.int64(9);
  i.users = q.int64(10);
  i.first_seen = q.int64(11);
  i.last_seen = q.int64(12);
  i.resolved_at = q.int64(13);
  i.regressed_at = q.int64(14);
  i.regressions = q.int64(15);
  i.regressed = q.int64(16) != 0;
  i.first_release = q.text(17);
  i.last_release = q.text(18);
  return i;
}

const char* sort_column(IssueSort sort) {
  switch (sort) {
    case IssueSort::kFirstSeen:
      return "first_seen";
    case IssueSort::kCount:
      return "count";
    case IssueSort::kLastSeen:
      break;
  }
  return "last_seen";
}

std::int64_t sort_key(const Issue& issue, IssueSort sort) {
  switch (sort) {
    case IssueSort::kFirstSeen:
      return issue.first_seen;
    case IssueSort::kCount:
      return issue.count;
    case IssueSort::kLastSeen:
      break;
  }
  return issue.last_seen;
}

// Floors t to the bucket grid (buckets are aligned to the epoch); the range start for bucket 0.
TimeMs bucket_of(TimeMs t, TimeMs bucket, TimeMs range_from) {
  if (bucket <= 0) return range_from;
  TimeMs b = t - (t % bucket);
  if (t < 0 && t % bucket != 0) b -= bucket;
  return b;
}

Error query_error(Db& db) {
  return Error{"query failed: " + db.error()};
}

}  // namespace

SqliteStore::Reader::~Reader() {
  if (!db_) return;
  std::lock_guard lock(store_.readers_mutex_);
  store_.readers_.push_back(std::move(db_));
}

Result<SqliteStore::Reader> SqliteStore::reader() {
  {
    std::lock_guard lock(readers_mutex_);
    if (!readers_.empty()) {
      auto db = std::move(readers_.back());
      readers_.pop_back();
      return Reader(*this, std::move(db));
    }
  }
  auto db = std::make_unique<Db>();
  if (!db->open(options_.path, /*create=*/false, /*read_only=*/true)) {
    return Error{"cannot open a read connection: " + db->error()};
  }
  db->exec("PRAGMA cache_size=-" + std::to_string(options_.read_cache_kib));
  return Reader(*this, std::move(db));
}

bool SqliteStore::fill_issue_lists(Db& db, Issue& issue) {
  Stmt r(db, "SELECT release FROM issue_releases WHERE issue_id = ? ORDER BY first_seen LIMIT 100");
  Stmt e(db,
         "SELECT environment FROM issue_environments WHERE issue_id = ? ORDER BY first_seen"
         " LIMIT 100");
  if (!r.ok() || !e.ok()) return false;
  r.bind(1, issue.id);
  while (r.step()) issue.releases.push_back(r.text(0));
  e.bind(1, issue.id);
  while (e.step()) issue.environments.push_back(e.text(0));
  return !r.failed() && !e.failed();
}

Result<IssuePage> SqliteStore::list_issues(const IssueQuery& query) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  const std::string col = sort_column(query.sort);
  std::string sql = std::string("SELECT ") + kIssueColumns + " FROM issues WHERE 1";
  if (query.project) sql += " AND project = :project";
  if (query.status) sql += " AND status = :status";
  sql += " AND last_seen >= :from AND first_seen <= :to";
  if (!query.release.empty()) {
    sql +=
        " AND EXISTS (SELECT 1 FROM issue_releases r WHERE r.issue_id = issues.id"
        " AND r.release = :release)";
  }
  if (!query.environment.empty()) {
    sql +=
        " AND EXISTS (SELECT 1 FROM issue_environments e WHERE e.issue_id = issues.id"
        " AND e.environment = :environment)";
  }
  if (query.after) sql += " AND (" + col + " < :key OR (" + col + " = :key AND id < :id))";
  sql += " ORDER BY " + col + " DESC, id DESC LIMIT :limit";
  Stmt q(db, sql);
  if (!q.ok()) return query_error(db);
  int i = 1;  // named parameters are numbered in order of first appearance
  if (query.project) q.bind(i++, *query.project);
  if (query.status) q.bind(i++, static_cast<int>(*query.status));
  q.bind(i++, query.seen.from);
  q.bind(i++, query.seen.to);
  if (!query.release.empty()) q.bind(i++, query.release);
  if (!query.environment.empty()) q.bind(i++, query.environment);
  if (query.after) {
    q.bind(i++, query.after->key);
    q.bind(i++, query.after->id);
  }
  q.bind(i++, static_cast<std::int64_t>(query.limit + 1));
  IssuePage page;
  while (q.step()) page.items.push_back(read_issue(q));
  if (q.failed()) return query_error(db);
  if (page.items.size() > query.limit) {
    page.items.pop_back();
    const Issue& last = page.items.back();
    page.next = Cursor{sort_key(last, query.sort), last.id};
  }
  for (Issue& issue : page.items) {
    if (!fill_issue_lists(db, issue)) return query_error(db);
  }
  return page;
}

Result<std::optional<Issue>> SqliteStore::get_issue(std::int64_t id) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  Stmt q(db, std::string("SELECT ") + kIssueColumns + " FROM issues WHERE id = ?");
  if (!q.ok()) return query_error(db);
  q.bind(1, id);
  if (!q.step()) {
    if (q.failed()) return query_error(db);
    return std::optional<Issue>();
  }
  Issue issue = read_issue(q);
  if (!fill_issue_lists(db, issue)) return query_error(db);
  return std::optional<Issue>(std::move(issue));
}

Result<EventPage> SqliteStore::list_events(const EventQuery& query) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  std::string sql =
      "SELECT id, issue_id, event_id, ts, received, title, message, level, session, user,"
      " release, environment, page, browser, os, device, detail FROM error_events"
      " WHERE issue_id = :issue AND ts >= :from AND ts <= :to";
  if (!query.release.empty()) sql += " AND release = :release";
  if (query.after) sql += " AND (ts < :key OR (ts = :key AND id < :id))";
  sql += " ORDER BY ts DESC, id DESC LIMIT :limit";
  Stmt q(db, sql);
  if (!q.ok()) return query_error(db);
  int i = 1;
  q.bind(i++, query.issue_id);
  q.bind(i++, query.range.from);
  q.bind(i++, query.range.to);
  if (!query.release.empty()) q.bind(i++, query.release);
  if (query.after) {
    q.bind(i++, query.after->key);
    q.bind(i++, query.after->id);
  }
  q.bind(i++, static_cast<std::int64_t>(query.limit + 1));
  EventPage page;
  while (q.step()) {
    ErrorEvent e;
    e.id = q.int64(0);
    e.issue_id = q.int64(1);
    e.event_id = q.text(2);
    e.timestamp = q.int64(3);
    e.received = q.int64(4);
    e.title = q.text(5);
    e.message = q.text(6);
    e.level = q.text(7);
    e.session = q.text(8);
    e.user = q.text(9);
    e.client.release = q.text(10);
    e.client.environment = q.text(11);
    e.client.page = q.text(12);
    e.client.browser = q.text(13);
    e.client.os = q.text(14);
    e.client.device = q.text(15);
    e.detail_json = q.text(16);
    page.items.push_back(std::move(e));
  }
  if (q.failed()) return query_error(db);
  if (page.items.size() > query.limit) {
    page.items.pop_back();
    page.next = Cursor{page.items.back().timestamp, page.items.back().id};
  }
  return page;
}

Result<std::vector<CountBucket>> SqliteStore::issue_counts(std::int64_t issue_id, TimeRange range,
                                                           TimeMs bucket) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  Stmt q(db,
         "SELECT CASE WHEN ?4 > 0 THEN ts - (ts % ?4) ELSE ?2 END AS b, COUNT(*)"
         " FROM error_events WHERE issue_id = ?1 AND ts >= ?2 AND ts <= ?3 GROUP BY b ORDER BY b");
  if (!q.ok()) return query_error(db);
  q.bind(1, issue_id).bind(2, range.from).bind(3, range.to).bind(4, bucket);
  std::vector<CountBucket> out;
  while (q.step()) out.push_back({q.int64(0), q.int64(1)});
  if (q.failed()) return query_error(db);
  return out;
}

Result<VitalResult> SqliteStore::vitals(const VitalQuery& query) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  std::string sql = "SELECT metric, page, release, device, ts, value FROM vitals WHERE ";
  // Always constrain metric so the (metric, ts) index serves every query.
  sql += query.metric.empty() ? "metric IN ('LCP','INP','CLS','FCP','TTFB','FID')"
                              : "metric = :metric";
  sql += " AND ts >= :from AND ts <= :to";
  if (!query.page.empty()) sql += " AND page = :page";
  if (!query.release.empty()) sql += " AND release = :release";
  if (!query.device.empty()) sql += " AND device = :device";
  if (!query.environment.empty()) sql += " AND environment = :environment";
  sql += " LIMIT :limit";
  Stmt q(db, sql);
  if (!q.ok()) return query_error(db);
  int i = 1;
  if (!query.metric.empty()) q.bind(i++, query.metric);
  q.bind(i++, query.range.from);
  q.bind(i++, query.range.to);
  if (!query.page.empty()) q.bind(i++, query.page);
  if (!query.release.empty()) q.bind(i++, query.release);
  if (!query.device.empty()) q.bind(i++, query.device);
  if (!query.environment.empty()) q.bind(i++, query.environment);
  q.bind(i++, static_cast<std::int64_t>(query.max_samples + 1));

  using Key = std::tuple<std::string, std::string, std::string, std::string, TimeMs>;
  std::map<Key, std::vector<double>> groups;
  std::size_t scanned = 0;
  VitalResult result;
  while (q.step()) {
    if (++scanned > query.max_samples) {
      result.truncated = true;
      break;
    }
    Key key{q.text(0), query.by_page ? q.text(1) : std::string(),
            query.by_release ? q.text(2) : std::string(),
            query.by_device ? q.text(3) : std::string(),
            bucket_of(q.int64(4), query.bucket, query.range.from)};
    groups[std::move(key)].push_back(q.real(5));
  }
  if (q.failed()) return query_error(db);
  for (auto& [key, values] : groups) {
    VitalRow row;
    std::tie(row.metric, row.page, row.release, row.device, row.bucket_start) = key;
    row.count = values.size();
    if (auto t = vital_thresholds(row.metric)) {
      for (double v : values) {
        switch (rate(*t, v)) {
          case Rating::kGood:
            ++row.good;
            break;
          case Rating::kNeedsImprovement:
            ++row.needs_improvement;
            break;
          case Rating::kPoor:
            ++row.poor;
            break;
        }
      }
    }
    row.p75 = percentile(values, 75);
    result.rows.push_back(std::move(row));
  }
  return result;
}

Result<std::vector<MetricRow>> SqliteStore::metrics(const MetricQuery& query) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  std::string sql =
      "SELECT name, tags, unit, bucket, count, sum, min, max FROM metric_summaries"
      " WHERE bucket >= :from AND bucket <= :to";
  if (!query.name.empty()) sql += " AND name = :name";
  if (!query.prefix.empty()) sql += " AND substr(name, 1, length(:prefix)) = :prefix";
  Stmt q(db, sql);
  if (!q.ok()) return query_error(db);
  int i = 1;
  q.bind(i++, query.range.from);
  q.bind(i++, query.range.to);
  if (!query.name.empty()) q.bind(i++, query.name);
  if (!query.prefix.empty()) q.bind(i++, query.prefix);
  using Key = std::tuple<std::string, std::string, std::string, TimeMs>;
  std::map<Key, MetricRow> rows;
  while (q.step()) {
    Key key{q.text(0), q.text(1), q.text(2), bucket_of(q.int64(3), query.bucket, query.range.from)};
    auto [it, inserted] = rows.try_emplace(key);
    MetricRow& row = it->second;
    const double min = q.real(6);
    const double max = q.real(7);
    if (inserted) {
      std::tie(row.name, row.tags, row.unit, row.bucket_start) = key;
      row.min = min;
      row.max = max;
    }
    row.count += q.int64(4);
    row.sum += q.real(5);
    row.min = std::min(row.min, min);
    row.max = std::max(row.max, max);
  }
  if (q.failed()) return query_error(db);
  std::vector<MetricRow> out;
  for (auto& [key, row] : rows) {
    if (out.size() >= query.limit) break;
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<AnalyticsRow>> SqliteStore::analytics(const AnalyticsQuery& query) {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  std::string sql =
      "SELECT name, CASE WHEN :bucket > 0 THEN ts - (ts % :bucket) ELSE :from END AS b,"
      " COUNT(*), COUNT(DISTINCT NULLIF(session, '')) FROM analytics_events"
      " WHERE ts >= :from AND ts <= :to";
  if (!query.name.empty()) sql += " AND name = :name";
  if (!query.release.empty()) sql += " AND release = :release";
  sql += " GROUP BY name, b ORDER BY b, name LIMIT :limit";
  Stmt q(db, sql);
  if (!q.ok()) return query_error(db);
  int i = 1;
  q.bind(i++, query.bucket);
  q.bind(i++, query.range.from);
  q.bind(i++, query.range.to);
  if (!query.name.empty()) q.bind(i++, query.name);
  if (!query.release.empty()) q.bind(i++, query.release);
  q.bind(i++, static_cast<std::int64_t>(query.limit));
  std::vector<AnalyticsRow> out;
  while (q.step()) out.push_back({q.text(0), q.int64(1), q.int64(2), q.int64(3)});
  if (q.failed()) return query_error(db);
  return out;
}

Result<StoreCounts> SqliteStore::counts() {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  StoreCounts c;
  Stmt q(db,
         "SELECT (SELECT COUNT(*) FROM issues), (SELECT COUNT(*) FROM issues WHERE status = 0),"
         " (SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM error_events),"
         " (SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM vitals),"
         " (SELECT COUNT(*) FROM metric_summaries),"
         " (SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM analytics_events)");
  if (!q.ok() || !q.step()) return query_error(db);
  c.issues = q.int64(0);
  c.open_issues = q.int64(1);
  c.error_events = q.int64(2);
  c.vitals = q.int64(3);
  c.metric_rows = q.int64(4);
  c.analytics_events = q.int64(5);
  return c;
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> SqliteStore::issues_per_project() {
  auto conn = reader();
  if (!conn) return Error{conn.error()};
  Db& db = **conn;
  // Walks the (project, fingerprint) unique index; no table rows are read.
  Stmt q(db, "SELECT project, COUNT(*) FROM issues GROUP BY project");
  if (!q.ok()) return query_error(db);
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  while (q.step()) out.emplace_back(q.int64(0), q.int64(1));
  if (q.failed()) return query_error(db);
  return out;
}

}  // namespace ew::storage::sqlite
