#include "health/readiness.h"

#include "tls/certificate_store.h"

#include <future>

#include <spdlog/spdlog.h>

#include "proxy/proxy.h"
#include "util/time.h"

namespace ew::health {
namespace {}  // namespace

Readiness::Readiness(ReadinessOptions options, const ReadinessWiring& wiring,
                     std::shared_ptr<HealthHistory> history)
    : options_(std::move(options)),
      storage_probe_(wiring.storage_probe),
      certificates_(wiring.certificates),
      published_(wiring.report),
      proxies_(wiring.proxies),
      history_(std::move(history)),
      started_ms_(now_ms()),
      started_(std::chrono::steady_clock::now()) {
  auto starting = std::make_shared<HealthReport>();
  starting->overall = HealthStatus::kUnhealthy;
  starting->version = options_.version;
  starting->timestamp_ms = started_ms_;
  ServiceHealth pending;
  pending.service = "readiness";
  pending.kind = "readiness";
  pending.status = HealthStatus::kUnhealthy;
  pending.details = "the first round of checks has not finished yet";
  pending.timestamp_ms = started_ms_;
  starting->services.push_back(pending);
  latest_ = std::move(starting);
}

Readiness::~Readiness() {
  stop();
}

void Readiness::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void Readiness::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  history_->flush(now_ms());
}

std::shared_ptr<const HealthReport> Readiness::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::uint64_t Readiness::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

std::vector<UpstreamTarget> Readiness::targets() const {
  std::vector<UpstreamTarget> out;
  if (!proxies_) return out;
  auto now = proxy::Clock::now();
  for (const auto& ref : proxy::upstreams_of(*proxies_)) {
    UpstreamTarget t;
    t.route = ref.route;
    t.url = ref.upstream->url();
    t.host = ref.upstream->host();
    t.port = ref.upstream->port();
    auto path = options_.health_paths.find(ref.route);
    t.health_path = path == options_.health_paths.end() ? "/health" : path->second;
    t.gateway_healthy = ref.upstream->healthy();
    t.circuit_open = ref.upstream->circuit(now) == proxy::CircuitState::kOpen;
    out.push_back(std::move(t));
  }
  return out;
}

std::shared_ptr<const HealthReport> Readiness::run_round() {
  std::vector<UpstreamTarget> upstreams = targets();
  // Upstreams are probed in parallel so that one hanging upstream costs one timeout per round.
  std::vector<std::future<ServiceHealth>> probes;
  std::vector<std::string> seen;
  for (const auto& t : upstreams) {
    if (std::find(seen.begin(), seen.end(), t.url) != seen.end()) continue;  // in two routes
    seen.push_back(t.url);
    probes.push_back(std::async(std::launch::async, [t, timeout = options_.timeout] {
      return check_upstream(t, timeout);
    }));
    if (!options_.websocket_path.empty()) {
      probes.push_back(std::async(std::launch::async, [t, this] {
        return check_websocket(t, options_.websocket_path, options_.timeout);
      }));
    }
  }
  auto report = std::make_shared<HealthReport>();
  const std::shared_ptr<storage::Probe> probe = storage_probe_->get();
  report->services.push_back(check_storage(probe.get(), options_.data_dir));
  report->services.push_back(
      check_disk(options_.data_dir, options_.disk_warn_free, options_.disk_min_free));
  if (const std::shared_ptr<tls::CertificateStore> store =
          certificates_ ? certificates_->get() : nullptr) {
    std::vector<CertificateExpiry> served;
    for (const auto& info : store->current()->certificates()) {
      served.push_back({info.file, info.not_after});
    }
    report->services.push_back(
        check_certificates(served, options_.certificate_warn_within, now_ms() / 1000));
  }
  for (auto& probe : probes) report->services.push_back(probe.get());
  for (auto& route : route_health(report->services, upstreams)) {
    report->services.push_back(std::move(route));
  }

  report->overall = overall_status(report->services, upstreams);
  report->version = options_.version;
  report->timestamp_ms = now_ms();
  report->uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();

  std::vector<ServiceHealth> observed = report->services;
  ServiceHealth overall;
  overall.service = "overall";
  overall.kind = "overall";
  overall.status = report->overall;
  for (const auto& s : report->services) {
    if (s.status != HealthStatus::kHealthy) {
      overall.details += (overall.details.empty() ? "" : "; ") + s.service + " " +
                         std::string(to_string(s.status));
    }
  }
  observed.push_back(overall);
  for (const auto& change : history_->observe(observed, report->timestamp_ms)) {
    std::string from = change.from ? std::string(to_string(*change.from)) : "unknown";
    if (change.to == HealthStatus::kHealthy) {
      spdlog::info("readiness: {} is healthy (was {})", change.service, from);
    } else {
      spdlog::warn("readiness: {} is {} (was {}){}{}", change.service, to_string(change.to), from,
                   change.details.empty() ? "" : ": ", change.details);
    }
  }
  std::shared_ptr<const HealthReport> published = report;
  published_->publish(published);
  {
    std::lock_guard lock(mutex_);
    latest_ = published;
    ++rounds_;
  }
  return published;
}

void Readiness::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_round();
    } catch (const std::exception& e) {
      spdlog::error("readiness: a round of checks failed: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

}  // namespace ew::health
