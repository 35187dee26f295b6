#include "ingest/service.h"

#include <chrono>

#include "storage/sqlite_store.h"

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
      store_(storage::open_sqlite_store(options_.sqlite)),
      writer_(std::make_unique<storage::Writer>(*store_, options_.writer)),
      address_limit_(options_.address_rate, options_.address_burst),
      key_limit_(options_.key_rate, options_.key_burst),
      sessions_(options_.session_items_per_minute),
      names_(options_.max_metric_names, options_.max_metric_series),
      own_paths_{options_.analytics_path, options_.metrics_path, options_.errors_path} {}

IngestService::~IngestService() {
  stop();
}

void IngestService::stop() {
  if (writer_) writer_->stop();
}

IngestService::Submitted IngestService::submit(storage::WriteBatch batch, Responder& responder,
                                               OnCommit on_commit, OnFailure on_failure) {
  auto holder = std::make_shared<Responder>(std::move(responder));
  const std::size_t records = batch.size();
  auto done = [this, holder, records, on_commit = std::move(on_commit),
               on_failure = std::move(on_failure)](const storage::WriteOutcome* outcome,
                                                   const std::string* error) {
    if (outcome) {
      stats_.accepted += outcome->stored;
      stats_.duplicate_events += outcome->duplicates;
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
