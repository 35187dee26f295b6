#include "dashboard/traffic.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/traffic_stats.h"
#include "ops/hub.h"

namespace ew::dashboard {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<double> parse_number(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// The value of label `name` in "{a="x",le="0.5"}", or empty.
std::string_view label(std::string_view labels, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  std::size_t at = 0;
  while ((at = labels.find(key, at)) != std::string_view::npos) {
    if (at == 0 || labels[at - 1] == '{' || labels[at - 1] == ',') {
      const std::size_t start = at + key.size();
      const std::size_t end = labels.find('"', start);
      if (end == std::string_view::npos) return {};
      return labels.substr(start, end - start);
    }
    at += key.size();
  }
  return {};
}

std::optional<double> rounded(std::optional<double> v) {
  if (!v) return v;
  return std::round(*v * 1000.0) / 1000.0;
}

}  // namespace

bool is_admin_route(std::string_view route) {
  static constexpr std::array<std::string_view, 5> kAdmin = {"query_api", "health_history",
                                                             "deployments", "dashboard", "metrics"};
  for (std::string_view a : kAdmin) {
    if (route == a) return true;
  }
  return false;
}

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
      after.latency_buckets.size() == TrafficStats::kBounds.size() + 1) {
    std::vector<double> bounds(TrafficStats::kBounds.begin(), TrafficStats::kBounds.end());
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

void read_upstream_families(std::string_view text, TrafficReading& r) {
  constexpr std::string_view kStreams = "edgewatch_upstream_open_streams";
  constexpr std::string_view kSockets = "edgewatch_upstream_open_websockets";
  constexpr std::string_view kTtfb = "edgewatch_upstream_time_to_first_byte_seconds_bucket";
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view ln = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (ln.empty() || ln.front() == '#' || !ln.starts_with("edgewatch_upstream_")) continue;
    const std::size_t name_end = ln.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    const std::string_view name = ln.substr(0, name_end);
    std::string_view labels;
    std::string_view rest = ln.substr(name_end);
    if (rest.front() == '{') {
      const std::size_t close = rest.find('}');
      if (close == std::string_view::npos) continue;
      labels = rest.substr(0, close + 1);
      rest.remove_prefix(close + 1);
    }
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    rest = rest.substr(0, rest.find(' '));  // drop a timestamp
    auto value = parse_number(rest);
    if (!value) continue;
    if (name == kStreams) {
      r.open_streams += *value;
    } else if (name == kSockets) {
      r.open_websockets += *value;
    } else if (name == kTtfb) {
      if (auto le = parse_number(label(labels, "le"))) r.ttfb_buckets[*le] += *value;
    }
  }
}

TrafficHistory::TrafficHistory(std::shared_ptr<ops::Hub> hub, std::chrono::milliseconds interval,
                               std::size_t capacity)
    : hub_(std::move(hub)), interval_(interval), capacity_(capacity) {}

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
  TrafficStats& stats = traffic_stats();
  r.latency_buckets.assign(TrafficStats::kBounds.size() + 1, 0);
  for (const TrafficStats::Route& route : stats.routes()) {
    if (is_admin_route(route.name)) continue;
    r.requests += route.count;
    r.client_errors += route.by_class[3];
    r.errors += route.by_class[4];
    for (std::size_t i = 0; i < route.buckets.size(); ++i) r.latency_buckets[i] += route.buckets[i];
  }
  r.in_flight = stats.in_flight();
  r.open_connections = stats.open_connections();
  if (hub_) read_upstream_families(hub_->metrics().scrape(), r);
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
