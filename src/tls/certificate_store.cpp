#include "tls/certificate_store.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "telemetry/prometheus.h"
#include "tls/file_watcher.h"

namespace ew::tls {

std::unique_ptr<CertificateStore> CertificateStore::open(ServerSettings settings,
                                                         std::string& error) {
  auto first = ServerTls::build(settings, error);
  if (!first) return nullptr;
  return std::unique_ptr<CertificateStore>(
      new CertificateStore(std::move(settings), std::move(first)));
}

CertificateStore::CertificateStore(ServerSettings settings, std::shared_ptr<const ServerTls> first)
    : settings_(std::move(settings)), current_(std::move(first)) {}

CertificateStore::~CertificateStore() {
  stop();
}

bool CertificateStore::reload() {
  std::lock_guard lock(reload_mutex_);
  std::string error;
  auto fresh = ServerTls::build(settings_, error);
  std::lock_guard error_lock(error_mutex_);
  if (!fresh) {
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    last_error_ = error;
    spdlog::warn("tls: reload failed, the previous certificates keep serving: {}", error);
    return false;
  }
  current_.store(std::move(fresh));
  reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  last_error_.clear();
  spdlog::info("tls: certificates reloaded");
  return true;
}

bool CertificateStore::watch(std::string& error, std::chrono::milliseconds debounce) {
  std::vector<std::string> files;
  for (const CertificateFiles& pair : settings_.certificates) {
    files.push_back(pair.certificate);
    files.push_back(pair.key);
  }
  stop();
  watcher_ = std::make_unique<FileWatcher>(std::move(files), debounce, [this] { reload(); });
  if (watcher_->start(error)) return true;
  watcher_.reset();
  return false;
}

void CertificateStore::stop() {
  if (watcher_) watcher_->stop();
}

CertificateStore::Stats CertificateStore::stats() const {
  Stats stats;
  stats.reloads_ok = reloads_ok_.load(std::memory_order_relaxed);
  stats.reloads_failed = reloads_failed_.load(std::memory_order_relaxed);
  std::lock_guard lock(error_mutex_);
  stats.last_reload_error = last_error_;
  return stats;
}

std::optional<CertificateInfo> CertificateStore::expiring_within(std::chrono::days window) const {
  auto tls = current();
  std::int64_t limit = std::time(nullptr) + std::chrono::seconds(window).count();
  std::optional<CertificateInfo> soonest;
  for (const CertificateInfo& info : tls->certificates()) {
    if (info.not_after > limit) continue;
    if (!soonest || info.not_after < soonest->not_after) soonest = info;
  }
  return soonest;
}

void CertificateStore::write_metrics(telemetry::MetricWriter& writer) const {
  writer.counter("edgewatch_tls_reloads_total", "Reloads of the TLS certificates, by result");
  writer.sample({{"result", "ok"}}, static_cast<double>(reloads_ok_.load()));
  writer.sample({{"result", "failed"}}, static_cast<double>(reloads_failed_.load()));
  writer.gauge("edgewatch_tls_certificate_not_after_seconds",
               "When each served certificate expires, in Unix seconds");
  for (const CertificateInfo& info : current()->certificates()) {
    writer.sample({{"file", info.file}}, static_cast<double>(info.not_after));
  }
}

}  // namespace ew::tls
