// The server's current TLS configuration, replaced as a whole when the certificate files
// change (a SIGHUP or the file watcher): a handshake takes current() once and keeps that
// ServerTls for its connection's life, so a reload never disturbs a connection, and a reload
// that fails leaves the previous configuration serving.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tls/server_tls.h"

namespace ew::telemetry {
class MetricWriter;
}

namespace ew::tls {

class FileWatcher;

class CertificateStore {
 public:
  // Builds the first configuration; null with `error` when it cannot be built (the server must
  // not start then).
  static std::unique_ptr<CertificateStore> open(ServerSettings settings, std::string& error);
  ~CertificateStore();  // stops the watcher
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // The configuration for a new handshake; never null. Any thread.
  std::shared_ptr<const ServerTls> current() const { return current_.load(); }

  // Builds again from the same settings, reading the files anew. On failure the current
  // configuration stays, and the failure is logged (warn) and counted. Any thread; reloads run
  // one at a time.
  bool reload();

  // Reloads, once changes have settled for `debounce`, whenever a certificate or key file (or a
  // symlink to one) is written, replaced or removed. False with `error` when inotify fails.
  bool watch(std::string& error,
             std::chrono::milliseconds debounce = std::chrono::milliseconds(200));
  // Stops the watcher; idempotent.
  void stop();

  struct Stats {
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::string last_reload_error;  // empty once a reload has succeeded again
  };
  Stats stats() const;

  // The served certificate that expires first, if it does within `window` from now.
  std::optional<CertificateInfo> expiring_within(std::chrono::days window) const;

  // edgewatch_tls_reloads_total{result}, edgewatch_tls_certificate_not_after_seconds{file}.
  void write_metrics(telemetry::MetricWriter& writer) const;

 private:
  CertificateStore(ServerSettings settings, std::shared_ptr<const ServerTls> first);

  const ServerSettings settings_;
  std::atomic<std::shared_ptr<const ServerTls>> current_;
  std::mutex reload_mutex_;  // one reload at a time
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace ew::tls
