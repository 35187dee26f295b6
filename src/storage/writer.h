// The dedicated writer thread with group commit. Request handlers submit a WriteBatch together
// with a completion callback (which owns the request's Responder); the writer takes everything
// queued, stores it in one transaction, commits, and only then runs the callbacks, so a client
// is answered 2xx only for data that is on disk. While one commit (and its fsync) is running,
// new batches accumulate and share the next one.
//
// The queue is bounded by the number of records in it: submit() refuses work beyond that
// (the caller answers 503 or 429 with Retry-After) instead of letting memory grow.
//
// Retention runs on the same thread while the queue is empty, in small transactions, so it
// never holds the write lock for long and never competes with a second writer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "storage/store.h"

namespace ew::storage {

struct WriterOptions {
  std::size_t queue_records = 50'000;  // records queued at most
  std::size_t group_records = 10'000;  // records per transaction at most
  RetentionPolicy retention;
  std::chrono::milliseconds retention_interval{10 * 60 * 1000};
};

struct WriterStats {
  std::uint64_t queued_records = 0;  // now
  std::uint64_t committed_records = 0;
  std::uint64_t commits = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t rejected_full = 0;
  std::uint64_t retention_deleted = 0;
  double last_commit_ms = 0;
  double max_commit_ms = 0;
};

class Writer {
 public:
  // Called on the writer thread after the commit: outcome set on success, error otherwise.
  using Done = std::function<void(const WriteOutcome* outcome, const std::string* error)>;
  enum class Submit : std::uint8_t { kQueued, kFull, kStopped };

  Writer(Store& store, WriterOptions options);
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Thread-safe. On kQueued `done` will be called exactly once; otherwise never.
  Submit submit(WriteBatch batch, Done done);
  // Commits everything queued, runs every callback, and joins the thread. Later submits get
  // kStopped. Idempotent.
  void stop();
  WriterStats stats() const;
  // Starts a retention pass now instead of at the next interval.
  void request_retention();

 private:
  struct Job {
    WriteBatch batch;
    Done done;
  };
  void run();
  void commit_group(std::deque<Job>& group);
  void retention_step(std::unique_lock<std::mutex>& lock);

  Store& store_;
  const WriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::size_t queued_records_ = 0;
  bool stopping_ = false;
  bool retention_requested_ = false;
  std::size_t retention_run_deleted_ = 0;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace ew::storage
