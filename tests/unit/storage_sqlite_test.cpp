// The SQLite backend against a real database file: issues, duplicates, regressions, pagination,
// web-vital p75 and shares checked against values computed here, retention and migrations.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "storage/sqlite_store.h"
#include "storage/vitals_math.h"

namespace ew::storage {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ew-storage-XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.path = dir_ + "/test.db";
    store_ = open_sqlite_store(options_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  WriteOutcome write(WriteBatch batch) {
    std::vector<WriteOutcome> outcomes;
    const WriteBatch* group[] = {&batch};
    Status s = store_->write(group, outcomes);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
    return outcomes.empty() ? WriteOutcome{} : outcomes[0];
  }

  static ErrorRecord error(std::string id, std::string fingerprint, TimeMs ts,
                           std::string release = "", std::string session = "",
                           std::string user = "") {
    ErrorRecord r;
    r.project = 7;
    r.event_id = std::move(id);
    r.fingerprint = std::move(fingerprint);
    r.title = "TypeError: x";
    r.culprit = "f(app)";
    r.type = "TypeError";
    r.level = "error";
    r.timestamp = ts;
    r.received = ts;
    r.client.release = std::move(release);
    r.client.environment = "production";
    r.session = std::move(session);
    r.user = std::move(user);
    r.detail_json = "{}";
    return r;
  }

  std::string dir_;
  SqliteOptions options_;
  std::unique_ptr<Store> store_;
};

constexpr TimeMs kT0 = 1'750'000'000'000;

TEST_F(SqliteStoreTest, EventsWithOneFingerprintMakeOneIssue) {
  WriteBatch b;
  b.errors.push_back(error("e1", "fp-a", kT0, "1.0", "s1", "u1"));
  b.errors.push_back(error("e2", "fp-a", kT0 + 1000, "1.1", "s1", ""));
  b.errors.push_back(error("e3", "fp-a", kT0 - 1000, "1.1", "s2", "u1"));
  b.errors.push_back(error("e4", "fp-b", kT0, "1.0"));
  WriteOutcome o = write(std::move(b));
  EXPECT_EQ(o.stored, 4u);
  EXPECT_EQ(o.new_issues, 2u);
  ASSERT_EQ(o.issue_ids.size(), 4u);
  EXPECT_EQ(o.issue_ids[0], o.issue_ids[1]);
  EXPECT_NE(o.issue_ids[0], o.issue_ids[3]);
  auto issue = store_->get_issue(o.issue_ids[0]);
  ASSERT_TRUE(issue.ok() && issue.value());
  const Issue& i = **issue;
  EXPECT_EQ(i.count, 3);
  EXPECT_EQ(i.sessions, 2);
  EXPECT_EQ(i.users, 1);
  EXPECT_EQ(i.first_seen, kT0 - 1000);
  EXPECT_EQ(i.last_seen, kT0 + 1000);
  EXPECT_EQ(i.releases, (std::vector<std::string>{"1.1", "1.0"}));  // by first seen
  EXPECT_EQ(i.environments, (std::vector<std::string>{"production"}));
  EXPECT_EQ(i.status, IssueStatus::kUnresolved);
}

TEST_F(SqliteStoreTest, DuplicateEventIdsAreDropped) {
  WriteBatch b;
  b.errors.push_back(error("same", "fp", kT0));
  b.errors.push_back(error("same", "fp", kT0));
  WriteOutcome o = write(std::move(b));
  EXPECT_EQ(o.stored, 1u);
  EXPECT_EQ(o.duplicates, 1u);
  WriteBatch again;
  again.errors.push_back(error("same", "fp", kT0));
  EXPECT_EQ(write(std::move(again)).duplicates, 1u);
  auto page = store_->list_issues({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].count, 1);
}

TEST_F(SqliteStoreTest, ResolvedIssueSeenInALaterReleaseRegresses) {
  WriteBatch b;
  b.errors.push_back(error("e1", "fp", kT0, "1.0"));
  const std::int64_t id = write(std::move(b)).issue_ids[0];
  WriteBatch resolve;
  resolve.status_changes.push_back({id, IssueStatus::kResolved, kT0 + 10});
  EXPECT_EQ(write(std::move(resolve)).status_changes, 1u);
  // Old clients still on 1.0: counted, but the issue stays resolved.
  WriteBatch old;
  old.errors.push_back(error("e2", "fp", kT0 + 20, "1.0"));
  EXPECT_EQ(write(std::move(old)).regressions, 0u);
  EXPECT_EQ((*store_->get_issue(id))->status, IssueStatus::kResolved);
  // 1.1 appears after the resolution: a regression.
  WriteBatch later;
  later.errors.push_back(error("e3", "fp", kT0 + 30, "1.1"));
  EXPECT_EQ(write(std::move(later)).regressions, 1u);
  Issue i = **store_->get_issue(id);
  EXPECT_EQ(i.status, IssueStatus::kUnresolved);
  EXPECT_TRUE(i.regressed);
  EXPECT_EQ(i.regressions, 1);
  EXPECT_EQ(i.count, 3);
  // Status changes of unknown issues change nothing.
  WriteBatch missing;
  missing.status_changes.push_back({id + 100, IssueStatus::kIgnored, kT0});
  EXPECT_EQ(write(std::move(missing)).status_changes, 0u);
}

TEST_F(SqliteStoreTest, IssuePagesFollowCursorsAndFilters) {
  WriteBatch b;
  for (int k = 0; k < 5; ++k) {
    for (int n = 0; n <= k; ++n) {
      b.errors.push_back(error("e" + std::to_string(k) + "-" + std::to_string(n),
                               "fp" + std::to_string(k), kT0 + k * 1000, k % 2 ? "odd" : "even"));
    }
  }
  write(std::move(b));
  IssueQuery q;
  q.limit = 2;
  q.sort = IssueSort::kCount;
  std::vector<std::int64_t> counts;
  for (int page = 0; page < 5; ++page) {
    auto r = store_->list_issues(q);
    ASSERT_TRUE(r.ok());
    for (const Issue& i : r->items) counts.push_back(i.count);
    if (!r->next) break;
    q.after = r->next;
  }
  EXPECT_EQ(counts, (std::vector<std::int64_t>{5, 4, 3, 2, 1}));
  IssueQuery odd;
  odd.release = "odd";
  EXPECT_EQ(store_->list_issues(odd)->items.size(), 2u);
  IssueQuery range;
  range.seen = {kT0 + 2500, kT0 + 3500};
  auto in_range = store_->list_issues(range);
  ASSERT_EQ(in_range->items.size(), 1u);
  EXPECT_EQ(in_range->items[0].count, 4);
  IssueQuery status;
  status.status = IssueStatus::kResolved;
  EXPECT_TRUE(store_->list_issues(status)->items.empty());

  EventQuery events;
  events.issue_id = in_range->items[0].id;
  events.limit = 3;
  auto first = store_->list_events(events);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 3u);
  ASSERT_TRUE(first->next.has_value());
  events.after = first->next;
  EXPECT_EQ(store_->list_events(events)->items.size(), 1u);
  auto buckets = store_->issue_counts(in_range->items[0].id, {0, kT0 * 2}, 3'600'000);
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 1u);
  EXPECT_EQ((*buckets)[0].count, 4);
}

TEST_F(SqliteStoreTest, VitalsP75AndSharesMatchAnIndependentComputation) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lcp(500, 6000);
  std::uniform_real_distribution<double> cls(0, 0.5);
  WriteBatch b;
  std::vector<double> mobile_lcp, desktop_cls;
  for (int k = 0; k < 997; ++k) {
    VitalRecord v;
    v.timestamp = kT0 + k;
    v.client.page = "/cart";
    v.client.release = "1.0";
    const bool mobile = k % 3 == 0;
    v.client.device = mobile ? "mobile" : "desktop";
    v.metric = k % 2 ? "LCP" : "CLS";
    v.value = v.metric == "LCP" ? std::round(lcp(rng)) : cls(rng);
    if (k == 9) v.value = 2500;  // a mobile LCP exactly on the threshold: good
    if (v.metric == "LCP" && mobile) mobile_lcp.push_back(v.value);
    if (v.metric == "CLS" && !mobile) desktop_cls.push_back(v.value);
    b.vitals.push_back(v);
  }
  write(std::move(b));
  auto result = store_->vitals({});
  ASSERT_TRUE(result.ok());
  // Computed here from scratch: nearest rank, and the published thresholds.
  auto expect = [](std::vector<double> values, double good, double poor) {
    std::sort(values.begin(), values.end());
    const std::size_t rank = static_cast<std::size_t>(std::ceil(0.75 * values.size()));
    std::size_t g = 0, n = 0, p = 0;
    for (double v : values) (v <= good ? g : v <= poor ? n : p)++;
    return std::make_tuple(values[rank - 1], g, n, p, values.size());
  };
  int checked = 0;
  for (const VitalRow& row : result->rows) {
    EXPECT_EQ(row.page, "/cart");
    if (row.metric == "LCP" && row.device == "mobile") {
      auto [p75, g, n, p, count] = expect(mobile_lcp, 2500, 4000);
      EXPECT_DOUBLE_EQ(row.p75, p75);
      EXPECT_EQ(row.good, g);
      EXPECT_EQ(row.needs_improvement, n);
      EXPECT_EQ(row.poor, p);
      EXPECT_EQ(row.count, count);
      ++checked;
    }
    if (row.metric == "CLS" && row.device == "desktop") {
      auto [p75, g, n, p, count] = expect(desktop_cls, 0.1, 0.25);
      EXPECT_DOUBLE_EQ(row.p75, p75);
      EXPECT_EQ(row.good, g);
      EXPECT_EQ(row.needs_improvement, n);
      EXPECT_EQ(row.poor, p);
      EXPECT_EQ(row.count, count);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
  EXPECT_EQ(result->rows.size(), 4u);  // 2 metrics x 2 devices
  VitalQuery coarse;
  coarse.metric = "LCP";
  coarse.by_device = false;
  auto one = store_->vitals(coarse);
  ASSERT_EQ(one->rows.size(), 1u);
  EXPECT_EQ(one->rows[0].count, 498u);
  VitalQuery capped;
  capped.max_samples = 10;
  EXPECT_TRUE(store_->vitals(capped)->truncated);
}

TEST(VitalsMath, ThresholdsAndPercentile) {
  EXPECT_EQ(rate(*vital_thresholds("INP"), 200), Rating::kGood);
  EXPECT_EQ(rate(*vital_thresholds("INP"), 200.5), Rating::kNeedsImprovement);
  EXPECT_EQ(rate(*vital_thresholds("INP"), 500.5), Rating::kPoor);
  EXPECT_EQ(rate(*vital_thresholds("CLS"), 0.1), Rating::kGood);
  EXPECT_EQ(rate(*vital_thresholds("CLS"), 0.25), Rating::kNeedsImprovement);
  EXPECT_EQ(rate(*vital_thresholds("TTFB"), 1800.1), Rating::kPoor);
  EXPECT_EQ(rate(*vital_thresholds("FCP"), 1800), Rating::kGood);
  EXPECT_FALSE(vital_thresholds("XYZ").has_value());
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_EQ(percentile(v, 75), 3);
  std::vector<double> one = {7};
  EXPECT_EQ(percentile(one, 75), 7);
  std::vector<double> none;
  EXPECT_EQ(percentile(none, 75), 0);
}

TEST_F(SqliteStoreTest, MetricSummariesAndAnalyticsCounts) {
  WriteBatch b;
  for (int k = 0; k < 10; ++k) {
    MetricRecord m;
    m.timestamp = kT0 + k * 1000;
    m.name = "react.render.duration";
    m.tags = "component=App";
    m.unit = "ms";
    m.value = k;
    b.metrics.push_back(m);
    AnalyticsRecord a;
    a.timestamp = kT0 + k;
    a.name = k < 6 ? "click" : "view";
    a.properties_json = "{}";
    a.session = "s" + std::to_string(k % 3);
    b.analytics.push_back(a);
  }
  write(std::move(b));
  auto metrics = store_->metrics({});
  ASSERT_TRUE(metrics.ok());
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].count, 10);
  EXPECT_DOUBLE_EQ((*metrics)[0].sum, 45);
  EXPECT_DOUBLE_EQ((*metrics)[0].min, 0);
  EXPECT_DOUBLE_EQ((*metrics)[0].max, 9);
  auto events = store_->analytics({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].name, "click");
  EXPECT_EQ((*events)[0].count, 6);
  EXPECT_EQ((*events)[0].sessions, 3);
  EXPECT_EQ((*events)[1].count, 4);
}

TEST_F(SqliteStoreTest, RetentionDeletesExpiredRowsInSmallBatches) {
  const TimeMs now = kT0;
  const TimeMs old = now - 40LL * 86'400'000;
  WriteBatch b;
  for (int k = 0; k < 25; ++k) {
    b.errors.push_back(error("old" + std::to_string(k), "fp-old", old));
    VitalRecord v;
    v.timestamp = old;
    v.metric = "LCP";
    b.vitals.push_back(v);
    AnalyticsRecord a;
    a.timestamp = old;
    a.name = "x";
    b.analytics.push_back(a);
  }
  b.errors.push_back(error("new", "fp-new", now));
  write(std::move(b));
  RetentionPolicy policy;
  policy.batch_rows = 10;
  policy.issues = 35LL * 86'400'000;
  std::size_t steps = 0, total = 0;
  for (;;) {
    auto deleted = store_->retention_step(policy, now);
    ASSERT_TRUE(deleted.ok());
    if (deleted.value() == 0) break;
    EXPECT_LE(deleted.value(), 10u);
    total += deleted.value();
    ++steps;
  }
  EXPECT_EQ(total, 25u * 3 + 1);  // events, vitals, analytics, and the stale issue
  EXPECT_GE(steps, 9u);
  auto page = store_->list_issues({});
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].fingerprint, "fp-new");
}

TEST_F(SqliteStoreTest, MigrationsAreVersionedAndNewerFilesRefused) {
  store_.reset();
  store_ = open_sqlite_store(options_);  // reopening is a no-op migration
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT MAX(version), COUNT(*) FROM schema_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  EXPECT_EQ(sqlite3_column_int(st, 1), 1);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  store_.reset();
  sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 0)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    open_sqlite_store(options_);
    FAIL() << "a newer schema must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos);
  }
  SqliteOptions bad;
  bad.path = dir_ + "/missing-dir/x.db";
  EXPECT_THROW(open_sqlite_store(bad), std::runtime_error);
}

}  // namespace
}  // namespace ew::storage
