#include "storage/writer.h"

#include "util/time.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace ew::storage {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Writer::Writer(Store& store, WriterOptions options)
    : store_(store), options_(std::move(options)), thread_([this] { run(); }) {}

Writer::~Writer() {
  stop();
}

Writer::Submit Writer::submit(WriteBatch batch, Done done) {
  const std::size_t records = std::max<std::size_t>(1, batch.size());
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Submit::kStopped;
    // An empty queue always takes one batch, however large, so no batch can be refused forever.
    if (queued_records_ > 0 && queued_records_ + records > options_.queue_records) {
      ++stats_.rejected_full;
      return Submit::kFull;
    }
    queued_records_ += records;
    stats_.queued_records = queued_records_;
    queue_.push_back(Job{std::move(batch), std::move(done)});
  }
  wake_.notify_one();
  return Submit::kQueued;
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Writer::request_retention() {
  {
    std::lock_guard lock(mutex_);
    retention_requested_ = true;
  }
  wake_.notify_one();
}

void Writer::run() {
  // The first pass soon after start, then every retention_interval.
  auto next_retention = Clock::now() + std::min<std::chrono::milliseconds>(
                                           std::chrono::seconds(5), options_.retention_interval);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_until(lock, next_retention,
                     [&] { return !queue_.empty() || stopping_ || retention_requested_; });
    if (Clock::now() >= next_retention) {
      retention_requested_ = true;
      next_retention = Clock::now() + options_.retention_interval;
    }
    if (!queue_.empty()) {
      // Take as many whole batches as fit in one group.
      std::deque<Job> group;
      std::size_t records = 0;
      while (!queue_.empty() &&
             (group.empty() || records + queue_.front().batch.size() <= options_.group_records)) {
        records += std::max<std::size_t>(1, queue_.front().batch.size());
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      commit_group(group);
      lock.lock();
      queued_records_ -= records;
      stats_.queued_records = queued_records_;
    } else if (stopping_) {
      return;
    }
    // One small retention transaction between groups: under sustained load retention still
    // advances, and ingestion waits for at most one short step.
    if (retention_requested_ && !stopping_) retention_step(lock);
  }
}

void Writer::commit_group(std::deque<Job>& group) {
  std::vector<const WriteBatch*> batches;
  batches.reserve(group.size());
  std::size_t records = 0;
  for (const Job& job : group) {
    batches.push_back(&job.batch);
    records += job.batch.size();
  }
  std::vector<WriteOutcome> outcomes;
  const auto started = Clock::now();
  Status status = store_.write(batches, outcomes);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  {
    std::lock_guard lock(mutex_);
    stats_.last_commit_ms = ms;
    stats_.max_commit_ms = std::max(stats_.max_commit_ms, ms);
    if (status.ok()) {
      ++stats_.commits;
      stats_.committed_records += records;
    } else {
      ++stats_.failed_commits;
    }
  }
  if (!status.ok())
    spdlog::error("storage: {} ({} batch{} not stored)", status.error(), group.size(),
                  group.size() == 1 ? "" : "es");
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i].done) continue;
    if (status.ok()) {
      group[i].done(&outcomes[i], nullptr);
    } else {
      group[i].done(nullptr, &status.error());
    }
  }
}

void Writer::retention_step(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  Result<std::size_t> deleted = store_.retention_step(options_.retention, now_ms());
  lock.lock();
  if (!deleted.ok()) {
    spdlog::error("storage: {}", deleted.error());
    retention_requested_ = false;
    return;
  }
  retention_run_deleted_ += deleted.value();
  stats_.retention_deleted += deleted.value();
  if (deleted.value() == 0) {
    retention_requested_ = false;
    if (retention_run_deleted_ > 0) {
      spdlog::info("storage: retention deleted {} expired rows", retention_run_deleted_);
    }
    retention_run_deleted_ = 0;
  }
}

}  // namespace ew::storage
