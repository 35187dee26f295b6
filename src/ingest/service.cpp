#include "ingest/service.h"

#include <chrono>

#include "storage/storage.h"

namespace ew::ingest {

void IngestStats::count_sentry_item(const std::string& type) {
  std::lock_guard lock(mutex_);
  // Unknown item types are counted under their name, but only a bounded number of names.
  if (sentry_items_.size() >= 64 && !sentry_items_.contains(type)) {
    ++sentry_items_["other"];
    return;
  }
  ++sentry_items_[type];
}

std::map<std::string, std::uint64_t> IngestStats::sentry_items() const {
  std::lock_guard lock(mutex_);
  return sentry_items_;
}

IngestService::IngestService(IngestOptions options)
    : options_(std::move(options)),
      store_(storage::open_store(options_.storage)),
      writer_(std::make_unique<storage::Writer>(*store_, options_.storage.writer)),
      address_limit_(options_.address_rate, options_.address_burst),
      key_limit_(options_.key_rate, options_.key_burst),
      sessions_(options_.session_items_per_minute),
      names_(options_.max_metric_names, options_.max_metric_series),
      quotas_(options_.quotas, quota_projects(options_), options_.storage.database),
      own_paths_{options_.analytics_path, options_.metrics_path, options_.errors_path} {
  resync_issues();
}

void IngestService::resync_issues() {
  if (!quotas_.issues_enabled()) return;
  auto counts = store_->issues_per_project();
  if (counts) quotas_.set_issues(*counts);
}

std::optional<QuotaRefusal> IngestService::admit(std::int64_t project,
                                                 const storage::WriteBatch& batch,
                                                 std::int64_t now_ms) {
  if (quotas_.issues_enabled() && quotas_.issues_resync_due(now_ms)) resync_issues();
  std::optional<QuotaRefusal> refusal =
      quotas_.admit(project, batch.size(), !batch.errors.empty(), now_ms);
  if (refusal) ++stats_.quota_limited;
  return refusal;
}

std::vector<std::int64_t> quota_projects(const IngestOptions& options) {
  std::vector<std::int64_t> ids{storage::kSeedProject};
  for (const SentryProject& p : options.projects) ids.push_back(p.id);
  return ids;
}

IngestService::~IngestService() {
  stop();
}

void IngestService::stop() {
  if (writer_) writer_->stop();
}

IngestService::Submitted IngestService::submit(storage::WriteBatch batch, Responder& responder,
                                               OnCommit on_commit, OnFailure on_failure,
                                               std::int64_t project) {
  auto holder = std::make_shared<Responder>(std::move(responder));
  const std::size_t records = batch.size();
  auto done = [this, holder, records, project, on_commit = std::move(on_commit),
               on_failure = std::move(on_failure)](const storage::WriteOutcome* outcome,
                                                   const std::string* error) {
    if (outcome) {
      stats_.accepted += outcome->stored;
      stats_.duplicate_events += outcome->duplicates;
      if (project >= 0) quotas_.add_issues(project, outcome->new_issues);
      holder->send(on_commit(*outcome));
    } else {
      stats_.storage_failures += records;
      holder->send(on_failure(503, "storage failure: " + (error ? *error : std::string())));
    }
  };
  switch (writer_->submit(std::move(batch), std::move(done))) {
    case storage::Writer::Submit::kQueued:
      return Submitted::kQueued;
    case storage::Writer::Submit::kFull:
      responder = std::move(*holder);
      ++stats_.queue_full;
      return Submitted::kFull;
    case storage::Writer::Submit::kStopped:
      break;
  }
  responder = std::move(*holder);
  return Submitted::kStopped;
}

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace ew::ingest
