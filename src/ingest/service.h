// The running ingestion backend shared by every handler: options, the store and its writer, the
// guards and the counters. Handlers parse on the worker thread, then submit() hands the records
// and the request's Responder to the writer, which answers after COMMIT.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/handler.h"
#include "ingest/guards.h"
#include "ingest/options.h"
#include "ingest/quota.h"
#include "storage/storage.h"

namespace ew::ingest {

struct IngestStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> accepted{0};  // records acknowledged after commit
  std::atomic<std::uint64_t> rejected_items{0};
  std::atomic<std::uint64_t> rejected_requests{0};  // whole bodies refused (4xx)
  std::atomic<std::uint64_t> dropped_self_timings{0};
  std::atomic<std::uint64_t> dropped_session_cap{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> quota_limited{0};  // requests refused by a project quota
  std::atomic<std::uint64_t> queue_full{0};
  std::atomic<std::uint64_t> folded_metric_names{0};
  std::atomic<std::uint64_t> duplicate_events{0};
  std::atomic<std::uint64_t> storage_failures{0};

  void count_sentry_item(const std::string& type);
  std::map<std::string, std::uint64_t> sentry_items() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> sentry_items_;
};

// Every project the quotas know: 0 (the seed endpoints) and the configured Sentry projects.
std::vector<std::int64_t> quota_projects(const IngestOptions& options);

class IngestService {
 public:
  // Opens the store and starts the writer; throws std::runtime_error when the database cannot
  // be opened (startup only).
  explicit IngestService(IngestOptions options);
  ~IngestService();

  // Drains the writer: everything queued is committed and answered. Later submissions are
  // answered 503 at once.
  void stop();

  const IngestOptions& options() const { return options_; }
  storage::Store& store() { return *store_; }
  storage::Writer& writer() { return *writer_; }
  IngestStats& stats() { return stats_; }
  TokenBuckets& address_limit() { return address_limit_; }
  TokenBuckets& key_limit() { return key_limit_; }
  SessionWindow& sessions() { return sessions_; }
  NameGuard& names() { return names_; }
  ProjectQuotas& quotas() { return quotas_; }
  // The project quotas' verdict on storing `batch` for `project` (0: the seed endpoints);
  // re-reads the stored issue counts when they are a minute old.
  std::optional<QuotaRefusal> admit(std::int64_t project, const storage::WriteBatch& batch,
                                    std::int64_t now_ms);
  // The seed endpoints' paths, whose resource timings are dropped.
  std::span<const std::string> own_paths() const { return own_paths_; }

  using OnCommit = std::function<Response(const storage::WriteOutcome&)>;
  using OnFailure = std::function<Response(int status, const std::string& message)>;
  enum class Submitted : std::uint8_t { kQueued, kFull, kStopped };
  // Queues the batch. On kQueued the responder has been taken and will be answered with
  // on_commit(outcome) after COMMIT, or on_failure(503, ...) if the commit fails. Otherwise the
  // responder is left with the caller, who answers it. The issues a commit creates are counted
  // against `project`'s quota (-1: none).
  Submitted submit(storage::WriteBatch batch, Responder& responder, OnCommit on_commit,
                   OnFailure on_failure, std::int64_t project = -1);

 private:
  void resync_issues();

  IngestOptions options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::Writer> writer_;
  IngestStats stats_;
  TokenBuckets address_limit_;
  TokenBuckets key_limit_;
  SessionWindow sessions_;
  NameGuard names_;
  ProjectQuotas quotas_;
  std::vector<std::string> own_paths_;
};

// Seconds since an arbitrary steady epoch, for the token buckets.
double steady_seconds();

}  // namespace ew::ingest
