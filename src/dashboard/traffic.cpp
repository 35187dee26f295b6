#include "dashboard/traffic.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <limits>

#include "telemetry/histogram.h"
#include "util/time.h"

namespace ew::dashboard {
namespace {

std::optional<double> rounded(std::optional<double> v) {
  if (!v) return v;
  return std::round(*v * 1000.0) / 1000.0;
}

}  // namespace

std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                         const std::vector<double>& counts) {
  if (bounds.empty() || bounds.size() != counts.size()) return std::nullopt;
  const double total = counts.back();
  if (!(total > 0)) return std::nullopt;
  const double rank = q * total;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (counts[i] >= rank) {
      // The +Inf bucket has no upper bound: answer the highest finite one.
      if (std::isinf(bounds[i])) return i > 0 ? bounds[i - 1] : 0.0;
      const double lower = i > 0 ? bounds[i - 1] : 0.0;
      const double below = i > 0 ? counts[i - 1] : 0.0;
      const double in_bucket = counts[i] - below;
      if (in_bucket <= 0) return bounds[i];
      return lower + (bounds[i] - lower) * (rank - below) / in_bucket;
    }
  }
  return bounds.back();
}

TrafficSample difference(const TrafficReading& before, const TrafficReading& after) {
  TrafficSample s;
  s.at_ms = after.at_ms;
  const double seconds = std::max<std::int64_t>(after.at_ms - before.at_ms, 1) / 1000.0;
  const double requests = static_cast<double>(after.requests - before.requests);
  s.rps = requests / seconds;
  if (requests > 0) {
    s.error_rate = static_cast<double>(after.errors - before.errors) / requests;
    s.client_error_rate =
        static_cast<double>(after.client_errors - before.client_errors) / requests;
  }
  if (after.latency_buckets.size() == before.latency_buckets.size() &&
      after.latency_buckets.size() == telemetry::TrafficStats::kBounds.size() + 1) {
    std::vector<double> bounds(telemetry::TrafficStats::kBounds.begin(),
                               telemetry::TrafficStats::kBounds.end());
    bounds.push_back(std::numeric_limits<double>::infinity());
    std::vector<double> counts;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      counts.push_back(static_cast<double>(after.latency_buckets[i] - before.latency_buckets[i]));
    }
    auto ms = [](std::optional<double> v) { return v ? std::optional(*v * 1000.0) : v; };
    s.p50_ms = ms(histogram_quantile(0.50, bounds, counts));
    s.p95_ms = ms(histogram_quantile(0.95, bounds, counts));
    s.p99_ms = ms(histogram_quantile(0.99, bounds, counts));
  }
  {
    std::vector<double> bounds, counts;
    for (const auto& [le, count] : after.ttfb_buckets) {
      auto it = before.ttfb_buckets.find(le);
      bounds.push_back(le);
      counts.push_back(count - (it == before.ttfb_buckets.end() ? 0.0 : it->second));
    }
    auto ms = [](std::optional<double> v) { return v ? std::optional(*v * 1000.0) : v; };
    s.ttfb_p50_ms = ms(histogram_quantile(0.50, bounds, counts));
    s.ttfb_p95_ms = ms(histogram_quantile(0.95, bounds, counts));
  }
  s.open_streams = after.open_streams;
  s.open_websockets = after.open_websockets;
  s.in_flight = after.in_flight;
  s.open_connections = after.open_connections;
  return s;
}

void read_upstreams(const proxy::ProxyRegistry& proxies, TrafficReading& r) {
  for (const proxy::UpstreamRef& ref : proxy::upstreams_of(proxies)) {
    const proxy::UpstreamStats& stats = ref.upstream->stats;
    r.open_streams += static_cast<double>(stats.open_streams.load(std::memory_order_relaxed));
    r.open_websockets += static_cast<double>(stats.open_websockets.load(std::memory_order_relaxed));
    const auto counts = stats.time_to_first_byte.counts();
    const auto& bounds = telemetry::Histogram::kBounds;
    double cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      cumulative += static_cast<double>(counts[i]);
      const double le = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
      r.ttfb_buckets[le] += cumulative;
    }
  }
}

TrafficHistory::TrafficHistory(std::shared_ptr<const telemetry::TrafficStats> traffic,
                               std::shared_ptr<proxy::ProxyRegistry> proxies,
                               std::chrono::milliseconds interval, std::size_t capacity)
    : traffic_(std::move(traffic)),
      proxies_(std::move(proxies)),
      interval_(interval),
      capacity_(capacity) {}

TrafficHistory::~TrafficHistory() {
  stop();
}

void TrafficHistory::start() {
  {
    std::lock_guard lock(mutex_);
    last_ = read();
  }
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
      lock.unlock();
      sample_now();
      lock.lock();
    }
  });
}

void TrafficHistory::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TrafficReading TrafficHistory::read() const {
  TrafficReading r;
  r.at_ms = now_ms();
  const telemetry::TrafficStats& stats = *traffic_;
  r.latency_buckets.assign(telemetry::TrafficStats::kBounds.size() + 1, 0);
  for (const telemetry::TrafficStats::Route& route : stats.routes()) {
    if (route.operations) continue;
    r.requests += route.count;
    r.client_errors += route.by_class[3];
    r.errors += route.by_class[4];
    for (std::size_t i = 0; i < route.buckets.size(); ++i) r.latency_buckets[i] += route.buckets[i];
  }
  r.in_flight = stats.in_flight();
  r.open_connections = stats.open_connections();
  if (proxies_) read_upstreams(*proxies_, r);
  return r;
}

void TrafficHistory::sample_now() {
  TrafficReading now = read();
  std::lock_guard lock(mutex_);
  if (last_) {
    samples_.push_back(difference(*last_, now));
    while (samples_.size() > capacity_) samples_.pop_front();
  }
  last_ = std::move(now);
}

std::string TrafficHistory::json() const {
  using nlohmann::json;
  json t = json::array(), rps = json::array(), err = json::array(), err4 = json::array(),
       p50 = json::array(), p95 = json::array(), p99 = json::array(), ttfb50 = json::array(),
       ttfb95 = json::array(), streams = json::array(), sockets = json::array(),
       in_flight = json::array(), connections = json::array();
  auto opt = [](std::optional<double> v) { return v ? json(*rounded(v)) : json(nullptr); };
  std::lock_guard lock(mutex_);
  for (const TrafficSample& s : samples_) {
    t.push_back(s.at_ms);
    rps.push_back(*rounded(s.rps));
    err.push_back(s.error_rate);
    err4.push_back(s.client_error_rate);
    p50.push_back(opt(s.p50_ms));
    p95.push_back(opt(s.p95_ms));
    p99.push_back(opt(s.p99_ms));
    ttfb50.push_back(opt(s.ttfb_p50_ms));
    ttfb95.push_back(opt(s.ttfb_p95_ms));
    streams.push_back(s.open_streams);
    sockets.push_back(s.open_websockets);
    in_flight.push_back(s.in_flight);
    connections.push_back(s.open_connections);
  }
  json body{{"interval_ms", interval_.count()},
            {"t", std::move(t)},
            {"rps", std::move(rps)},
            {"error_rate", std::move(err)},
            {"client_error_rate", std::move(err4)},
            {"p50_ms", std::move(p50)},
            {"p95_ms", std::move(p95)},
            {"p99_ms", std::move(p99)},
            {"ttfb_p50_ms", std::move(ttfb50)},
            {"ttfb_p95_ms", std::move(ttfb95)},
            {"open_streams", std::move(streams)},
            {"open_websockets", std::move(sockets)},
            {"in_flight", std::move(in_flight)},
            {"open_connections", std::move(connections)}};
  return body.dump();
}

}  // namespace ew::dashboard
