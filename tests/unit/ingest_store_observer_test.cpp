// The storage probe and the store observer that the ingest module publishes, against a real
// SQLite store and writer.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "ingest/store_observer.h"
#include "storage/sqlite_store.h"
#include "util/time.h"

namespace ew::ingest {
namespace {

class StoreObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ew-bridge-XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::SqliteOptions options;
    options.path = dir_ + "/test.db";
    options.synchronous_full = false;
    store_ = storage::open_sqlite_store(options);
    writer_ = std::make_unique<storage::Writer>(*store_, storage::WriterOptions{});
  }
  void TearDown() override {
    writer_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  storage::WriteOutcome write(storage::WriteBatch batch) {
    std::promise<storage::WriteOutcome> done;
    writer_->submit(std::move(batch),
                    [&done](const storage::WriteOutcome* outcome, const std::string*) {
                      done.set_value(outcome ? *outcome : storage::WriteOutcome{});
                    });
    return done.get_future().get();
  }

  static storage::ErrorRecord error(std::string id, std::string fingerprint, std::string title,
                                    std::string release, storage::TimeMs ts) {
    storage::ErrorRecord r;
    r.event_id = std::move(id);
    r.fingerprint = std::move(fingerprint);
    r.title = std::move(title);
    r.level = "error";
    r.timestamp = ts;
    r.received = ts;
    r.client.release = std::move(release);
    r.detail_json = "{}";
    return r;
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::Writer> writer_;
};

TEST_F(StoreObserverTest, ProbeCommitsThroughTheWriterAndReads) {
  storage::Probe probe = storage::make_probe(*writer_, *store_);
  storage::ProbeResult ok = probe();
  EXPECT_TRUE(ok.ok) << ok.details;
  writer_->stop();
  storage::ProbeResult stopped = probe();
  EXPECT_FALSE(stopped.ok);
  EXPECT_EQ(stopped.details, "the writer has stopped");
}

TEST_F(StoreObserverTest, ObserverCountsNewIssuesAndRegressionsAfterItsFirstPoll) {
  std::int64_t now = now_ms();
  storage::WriteBatch old;
  old.errors.push_back(error("e0", "fp-old", "Old: known before", "1.0", now - 60'000));
  write(std::move(old));

  std::uint64_t accepted = 41;
  StoreObserver observer(*store_, [&] { return IngestCounters{accepted, 3, 0}; });
  observer.poll();  // what exists now is not news
  MonitoringSnapshot first = observer.snapshot();
  EXPECT_EQ(first.new_issues, 0u);
  EXPECT_EQ(first.accepted, 41u);
  EXPECT_EQ(first.rejected, 3u);
  EXPECT_EQ(first.error_events, 1u);  // from the store when the counters give none

  storage::WriteBatch fresh;
  fresh.errors.push_back(error("e1", "fp-a", "TypeError: a", "1.0", now));
  fresh.errors.push_back(error("e2", "fp-b", "TypeError: b", "1.0", now + 1));
  auto outcome = write(std::move(fresh));
  ASSERT_EQ(outcome.new_issues, 2u);
  observer.poll();
  MonitoringSnapshot second = observer.snapshot();
  EXPECT_EQ(second.new_issues, 2u);
  EXPECT_EQ(second.latest_new_issue, "TypeError: b");

  storage::WriteBatch resolve;
  resolve.status_changes.push_back({outcome.issue_ids[0], storage::IssueStatus::kResolved, now});
  write(std::move(resolve));
  storage::WriteBatch back;
  back.errors.push_back(error("e3", "fp-a", "TypeError: a", "1.1", now + 10));
  ASSERT_EQ(write(std::move(back)).regressions, 1u);
  observer.poll();
  MonitoringSnapshot third = observer.snapshot();
  EXPECT_EQ(third.new_issues, 2u);
  EXPECT_EQ(third.regressions, 1u);
  EXPECT_EQ(third.latest_regression, "TypeError: a");
  EXPECT_EQ(third.latest_regression_release, "1.1");
  observer.poll();
  EXPECT_EQ(observer.snapshot().regressions, 1u);  // counted once
}

TEST_F(StoreObserverTest, ObserverReportsVitalsAndWritesMetrics) {
  std::int64_t now = now_ms();
  storage::WriteBatch vitals;
  for (int i = 1; i <= 4; ++i) {
    storage::VitalRecord v;
    v.timestamp = now - i * 1000;
    v.metric = "LCP";
    v.value = i * 1000;
    vitals.vitals.push_back(v);
  }
  storage::VitalRecord stale;
  stale.timestamp = now - 3'600'000;  // outside the window
  stale.metric = "CLS";
  stale.value = 0.9;
  vitals.vitals.push_back(stale);
  write(std::move(vitals));

  StoreObserver observer(*store_, nullptr);
  observer.poll();
  MonitoringSnapshot s = observer.snapshot();
  ASSERT_EQ(s.vitals_p75.count("LCP"), 1u);
  EXPECT_GE(s.vitals_p75["LCP"], 3000);
  EXPECT_LE(s.vitals_p75["LCP"], 4000);
  EXPECT_EQ(s.vitals_p75.count("CLS"), 0u);

  telemetry::MetricWriter w;
  observer.write_metrics(w, writer_->stats());
  std::string text = w.text();
  EXPECT_TRUE(w.errors().empty());
  for (const char* family :
       {"edgewatch_ingest_accepted_total", "edgewatch_ingest_rejected_total",
        "edgewatch_ingest_queue_depth", "edgewatch_ingest_commit_latency_seconds",
        "edgewatch_open_issues 0", "edgewatch_web_vitals_p75{metric=\"LCP\"}"}) {
    EXPECT_NE(text.find(family), std::string::npos) << family << "\n" << text;
  }
}

TEST_F(StoreObserverTest, ObserverThreadStartsAndStops) {
  StoreObserver::Options o;
  o.refresh = std::chrono::milliseconds(20);
  StoreObserver observer(*store_, nullptr, o);
  observer.start();
  // Lets the thread run a few 20 ms rounds; what is checked is that start and stop are safe
  // around a running thread, and the observer exposes no round count to await.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  observer.stop();
  observer.stop();  // idempotent
  telemetry::MetricWriter w;
  observer.write_metrics(w, writer_->stats());
  EXPECT_NE(w.text().find("edgewatch_open_issues 0"), std::string::npos);
}

}  // namespace
}  // namespace ew::ingest
