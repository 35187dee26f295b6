// The readiness checker: a background thread that runs every check on an interval, builds the
// seed's SystemHealth, publishes it for the alert rules, and logs, counts and records each change
// of state. Requests only read the last published report.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "health/checks.h"
#include "health/history.h"

namespace ew::proxy {
class ProxyRegistry;
}

namespace ew::tls {
class CertificateStore;
}

namespace ew::health {

struct ReadinessOptions {
  std::string version;  // reported as SystemHealth.version
  std::chrono::milliseconds interval{10'000};
  std::chrono::milliseconds timeout{2'000};
  std::string websocket_path = "/ws";  // empty: no WebSocket check
  std::string data_dir = ".";
  std::uint64_t disk_warn_free = 1ULL << 30;
  std::uint64_t disk_min_free = 256ULL << 20;
  std::chrono::seconds certificate_warn_within{14 * 86'400};
  std::map<std::string, std::string> health_paths;  // route prefix -> upstream health path
};

class Readiness {
 public:
  Readiness(ReadinessOptions options, const ReadinessWiring& wiring,
            std::shared_ptr<HealthHistory> history);
  ~Readiness();

  void start();
  void stop();
  // Runs every check once and publishes the report (the thread calls this each interval).
  std::shared_ptr<const HealthReport> run_round();

  // The last report; a "starting" report (unhealthy) before the first round finished.
  std::shared_ptr<const HealthReport> latest() const;
  HealthHistory& history() { return *history_; }
  std::uint64_t rounds() const;
  std::int64_t started_ms() const { return started_ms_; }

 private:
  std::vector<UpstreamTarget> targets() const;
  void loop();

  ReadinessOptions options_;
  std::shared_ptr<Published<storage::Probe>> storage_probe_;
  std::shared_ptr<Published<tls::CertificateStore>> certificates_;
  std::shared_ptr<Published<const HealthReport>> published_;
  std::shared_ptr<proxy::ProxyRegistry> proxies_;
  std::shared_ptr<HealthHistory> history_;
  std::int64_t started_ms_;
  std::chrono::steady_clock::time_point started_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::shared_ptr<const HealthReport> latest_;
  std::uint64_t rounds_ = 0;
  std::thread thread_;
};

}  // namespace ew::health
