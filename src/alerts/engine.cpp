#include "alerts/engine.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "alerts/payload.h"
#include "proxy/proxy.h"
#include "util/time.h"

namespace ew::alerts {

Engine::Engine(AlertOptions options, AlertsWiring wiring)
    : options_(std::move(options)),
      wiring_(std::move(wiring)),
      notifier_(DeliveryOptions{options_.timeout, options_.max_attempts, options_.retry_base,
                                options_.retry_max, options_.queue_limit}),
      evaluator_(options_.rules),
      firing_notices_(options_.rules.size()),
      resolved_notices_(options_.rules.size()),
      firing_(options_.rules.size()) {}

Engine::~Engine() {
  stop();
}

void Engine::start() {
  notifier_.start();
  std::lock_guard lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  notifier_.stop();
}

Signals Engine::gather() const {
  Signals s;
  s.now_ms = now_ms();
  if (wiring_.proxies) {
    auto now = proxy::Clock::now();
    for (const auto& ref : proxy::upstreams_of(*wiring_.proxies)) {
      s.upstreams.push_back({ref.route, ref.upstream->url(), ref.upstream->healthy(),
                             ref.upstream->circuit(now) == proxy::CircuitState::kOpen});
    }
  }
  s.health = wiring_.health->get();
  if (auto source = wiring_.monitoring->get()) {
    try {
      s.monitoring = source->snapshot();
    } catch (const std::exception& e) {
      spdlog::error("alerts: the monitoring source failed: {}", e.what());
    }
  }
  s.deployment_for = [deployments = wiring_.deployments](const std::string& release,
                                                         std::int64_t at) {
    auto store = deployments->get();
    return store ? deploy::deployment_for(*store, release, at) : std::nullopt;
  };
  return s;
}

void Engine::evaluate_once() {
  Signals signals = gather();
  std::lock_guard lock(mutex_);
  // Readiness publishes after its first round and the ingest module may register late, so
  // missing data is reported only once start-up is well over.
  if (started_ms_ == 0) started_ms_ = signals.now_ms;
  std::int64_t settle = std::max<std::int64_t>(5'000, 3 * options_.interval.count());
  if (!warned_missing_ && signals.now_ms - started_ms_ >= settle) {
    warned_missing_ = true;
    for (const auto& [rule, reason] : evaluator_.missing_data(signals)) {
      spdlog::warn("alerts: rule {} has no data yet: {}", rule, reason);
    }
  }
  for (const Notice& n : evaluator_.step(signals)) {
    std::size_t index = static_cast<std::size_t>(n.rule - evaluator_.rules().data());
    bool firing = n.state == NoticeState::kFiring;
    (firing ? firing_notices_ : resolved_notices_)[index]++;
    if (firing) {
      spdlog::warn("alert {} firing: {}", n.rule->name, n.summary);
    } else {
      spdlog::info("alert {} resolved after {}: {}", n.rule->name,
                   duration_text(n.at_ms - n.started_ms), n.summary);
    }
    notifier_.enqueue({n.rule->name, n.rule->webhook, payload(n, options_.instance), 0});
  }
  for (std::size_t i = 0; i < firing_.size(); ++i) firing_[i] = evaluator_.firing(i);
  ++evaluations_;
}

void Engine::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      evaluate_once();
    } catch (const std::exception& e) {
      spdlog::error("alerts: evaluation failed: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

void Engine::write_metrics(telemetry::MetricWriter& w) const {
  std::lock_guard lock(mutex_);
  const auto& rules = evaluator_.rules();
  w.counter("edgewatch_alert_evaluations_total", "Rounds of rule evaluation completed");
  w.sample({}, static_cast<double>(evaluations_));
  w.gauge("edgewatch_alerts_firing", "1 while the rule's alert is firing");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    w.sample({{"rule", rules[i].name}}, firing_[i] ? 1 : 0);
  }
  w.counter("edgewatch_alert_notices_total", "Notices sent to delivery, by rule and state");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    w.sample({{"rule", rules[i].name}, {"state", "firing"}},
             static_cast<double>(firing_notices_[i]));
    w.sample({{"rule", rules[i].name}, {"state", "resolved"}},
             static_cast<double>(resolved_notices_[i]));
  }
  DeliveryStats d = notifier_.stats();
  w.counter("edgewatch_alert_deliveries_total",
            "Webhook deliveries by result: delivered, failed (gave up) or dropped (queue full)");
  w.sample({{"result", "delivered"}}, static_cast<double>(d.delivered));
  w.sample({{"result", "failed"}}, static_cast<double>(d.failed));
  w.sample({{"result", "dropped"}}, static_cast<double>(d.dropped));
  w.counter("edgewatch_alert_delivery_retries_total", "Webhook delivery attempts after the first");
  w.sample({}, static_cast<double>(d.retries));
  w.gauge("edgewatch_alert_delivery_queue", "Notices waiting for delivery or a retry");
  w.sample({}, static_cast<double>(d.queued));
}

}  // namespace ew::alerts
