#include "alerts/notifier.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <spdlog/spdlog.h>

#include "outbound/http_client.h"

namespace ew::alerts {

Notifier::Notifier(DeliveryOptions options) : options_(options) {}

Notifier::~Notifier() {
  stop();
}

void Notifier::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  if (!queue_.empty()) {
    spdlog::warn("alerts: {} notice(s) not delivered before the stop", queue_.size());
  }
}

bool Notifier::enqueue(Delivery delivery) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_limit) {
      ++stats_.dropped;
      spdlog::error("alerts: delivery queue full ({} notices); dropped a notice of rule {}",
                    queue_.size(), delivery.rule);
      return false;
    }
    queue_.emplace(Clock::now(), std::move(delivery));
  }
  wake_.notify_all();
  return true;
}

DeliveryStats Notifier::stats() const {
  std::lock_guard lock(mutex_);
  DeliveryStats s = stats_;
  s.queued = queue_.size();
  return s;
}

std::chrono::milliseconds Notifier::backoff(const DeliveryOptions& options, int attempt,
                                            double jitter01) {
  double base = static_cast<double>(options.retry_base.count());
  double wait = base * std::pow(2.0, std::max(0, attempt - 2));
  wait = std::min(wait, static_cast<double>(options.retry_max.count()));
  wait *= 0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

bool Notifier::attempt(Delivery& d, bool& retryable) {
  outbound::HttpRequest request;
  request.method = "POST";
  request.url = d.url;
  request.timeout = options_.timeout;
  request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "edgewatch-alerts"}};
  request.body = d.body;
  request.max_body = 4096;
  ++d.attempts;
  outbound::HttpResult r = outbound::http_request(request);
  if (r.ok && r.status >= 200 && r.status < 300) return true;
  retryable = !r.ok || r.status == 408 || r.status == 425 || r.status == 429 || r.status >= 500;
  std::string why = r.ok ? "HTTP " + std::to_string(r.status) : r.error;
  spdlog::warn("alerts: delivery of rule {} to {} failed (attempt {} of {}): {}", d.rule, d.url,
               d.attempts, options_.max_attempts, why);
  return false;
}

void Notifier::loop() {
  std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto due = queue_.begin()->first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    Delivery d = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    if (d.attempts > 0) ++stats_.retries;
    lock.unlock();
    bool retryable = false;
    bool ok = attempt(d, retryable);
    lock.lock();
    if (ok) {
      ++stats_.delivered;
      continue;
    }
    if (retryable && d.attempts < options_.max_attempts) {
      auto wait = backoff(options_, d.attempts + 1, jitter(random));
      queue_.emplace(Clock::now() + wait, std::move(d));
      continue;
    }
    ++stats_.failed;
    spdlog::error("alerts: gave up delivering a notice of rule {} to {} after {} attempt(s)",
                  d.rule, d.url, d.attempts);
  }
}

}  // namespace ew::alerts
