// The group-commit writer: callbacks only after the commit, many batches per transaction, a
// bounded queue that refuses instead of growing, a drain that answers everything on stop, and
// failures reported to every batch of the group. The store here is a stand-in that records what
// the writer asks of it; the writer is the thing under test.
#include "storage/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "../common/wait.h"

namespace ew::storage {
namespace {

class RecordingStore final : public Store {
 public:
  Status write(std::span<const WriteBatch* const> group,
               std::vector<WriteOutcome>& outcomes) override {
    std::unique_lock lock(mutex);
    gate_cv.wait(lock, [&] { return open; });
    ++transactions;
    largest_group = std::max(largest_group, group.size());
    outcomes.assign(group.size(), WriteOutcome{});
    if (fail) return Error{"disk full"};
    for (std::size_t i = 0; i < group.size(); ++i) {
      outcomes[i].stored = group[i]->size();
      committed += group[i]->size();
    }
    return Ok{};
  }
  Result<std::size_t> retention_step(const RetentionPolicy&, TimeMs) override {
    std::lock_guard lock(mutex);
    if (retention_rows == 0) return std::size_t{0};
    ++retention_steps;
    const std::size_t n = std::min<std::size_t>(retention_rows, 3);
    retention_rows -= n;
    return n;
  }
  Result<IssuePage> list_issues(const IssueQuery&) override { return IssuePage{}; }
  Result<std::optional<Issue>> get_issue(std::int64_t) override { return std::optional<Issue>(); }
  Result<EventPage> list_events(const EventQuery&) override { return EventPage{}; }
  Result<std::vector<CountBucket>> issue_counts(std::int64_t, TimeRange, TimeMs) override {
    return std::vector<CountBucket>{};
  }
  Result<VitalResult> vitals(const VitalQuery&) override { return VitalResult{}; }
  Result<std::vector<MetricRow>> metrics(const MetricQuery&) override {
    return std::vector<MetricRow>{};
  }
  Result<std::vector<AnalyticsRow>> analytics(const AnalyticsQuery&) override {
    return std::vector<AnalyticsRow>{};
  }
  Result<StoreCounts> counts() override { return StoreCounts{}; }

  void set_open(bool value) {
    {
      std::lock_guard lock(mutex);
      open = value;
    }
    gate_cv.notify_all();
  }

  std::mutex mutex;
  std::condition_variable gate_cv;
  bool open = true;
  bool fail = false;
  std::size_t transactions = 0;
  std::size_t largest_group = 0;
  std::size_t committed = 0;
  std::size_t retention_rows = 0;
  std::size_t retention_steps = 0;
};

WriteBatch batch_of(std::size_t vitals) {
  WriteBatch b;
  b.vitals.resize(vitals);
  return b;
}

TEST(StorageWriter, ManyBatchesShareATransactionAndAreAnsweredAfterCommit) {
  RecordingStore store;
  store.set_open(false);  // hold the first commit so that the rest pile up
  WriterOptions options;
  Writer writer(store, options);
  std::atomic<int> answered{0};
  std::atomic<std::size_t> stored{0};
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(writer.submit(batch_of(20),
                            [&](const WriteOutcome* o, const std::string* error) {
                              ASSERT_NE(o, nullptr);
                              EXPECT_EQ(error, nullptr);
                              stored += o->stored;
                              ++answered;
                            }),
              Writer::Submit::kQueued);
  }
  EXPECT_EQ(answered.load(), 0);  // nothing answered before its commit
  store.set_open(true);
  writer.stop();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(stored.load(), 4000u);
  // Whatever the first commit took, the rest shared one or two transactions.
  EXPECT_LE(store.transactions, 3u);
  EXPECT_GE(store.largest_group, 100u);
  WriterStats stats = writer.stats();
  EXPECT_EQ(stats.committed_records, 4000u);
  EXPECT_EQ(stats.queued_records, 0u);
}

TEST(StorageWriter, AFullQueueRefusesInsteadOfGrowing) {
  RecordingStore store;
  store.set_open(false);
  WriterOptions options;
  options.queue_records = 100;
  Writer writer(store, options);
  std::atomic<int> answered{0};
  auto done = [&](const WriteOutcome*, const std::string*) { ++answered; };
  int queued = 0;
  Writer::Submit last = Writer::Submit::kQueued;
  for (int i = 0; i < 20 && last == Writer::Submit::kQueued; ++i) {
    last = writer.submit(batch_of(20), done);
    if (last == Writer::Submit::kQueued) ++queued;
  }
  EXPECT_EQ(last, Writer::Submit::kFull);
  // The first batch may already be inside the held commit; at most 100 records wait besides it.
  EXPECT_LE(queued, 6);
  EXPECT_GE(writer.stats().rejected_full, 1u);
  store.set_open(true);
  writer.stop();
  EXPECT_EQ(answered.load(), queued);
  EXPECT_EQ(writer.submit(batch_of(1), done), Writer::Submit::kStopped);
}

TEST(StorageWriter, AFailedCommitIsReportedToEveryBatch) {
  RecordingStore store;
  store.fail = true;
  Writer writer(store, {});
  std::atomic<int> failures{0};
  for (int i = 0; i < 10; ++i) {
    writer.submit(batch_of(1), [&](const WriteOutcome* o, const std::string* error) {
      EXPECT_EQ(o, nullptr);
      ASSERT_NE(error, nullptr);
      EXPECT_EQ(*error, "disk full");
      ++failures;
    });
  }
  writer.stop();
  EXPECT_EQ(failures.load(), 10);
  EXPECT_GE(writer.stats().failed_commits, 1u);
}

TEST(StorageWriter, RetentionRunsInSmallStepsUntilDone) {
  RecordingStore store;
  store.retention_rows = 10;
  WriterOptions options;
  options.retention_interval = std::chrono::hours(1);
  Writer writer(store, options);
  writer.request_retention();
  EXPECT_TRUE(test::wait_until([&] { return writer.stats().retention_deleted >= 10; },
                               std::chrono::seconds(5), "ten rows deleted"));
  EXPECT_EQ(writer.stats().retention_deleted, 10u);
  std::lock_guard lock(store.mutex);
  EXPECT_EQ(store.retention_steps, 4u);
}

}  // namespace
}  // namespace ew::storage
