// A short in-memory history of the server's traffic for the dashboard's charts: every interval
// the sampler reads the HTTP counters (telemetry/traffic_stats.h) and the gateway's upstreams, and
// keeps per-interval request rate, error rate, latency percentiles, open streams and WebSockets and
// upstream time to first byte. GET /_edgewatch/api/traffic returns it column-wise, ready for a
// chart.
//
// The operator's own traffic (routes marked RouteOptions.operations: the query API, health
// history, deployments, the dashboard and this endpoint, Prometheus scrapes) is left out of the
// rates, so that watching
// the dashboard does not change what it shows.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/proxy.h"
#include "telemetry/traffic_stats.h"

namespace ew::dashboard {

// Cumulative counters at one instant.
struct TrafficReading {
  std::int64_t at_ms = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;                    // 5xx
  std::uint64_t client_errors = 0;             // 4xx
  std::vector<std::uint64_t> latency_buckets;  // cumulative, TrafficStats::kBounds then +Inf
  std::map<double, double> ttfb_buckets;       // le -> cumulative count, summed over upstreams
  double open_streams = 0;
  double open_websockets = 0;
  std::int64_t in_flight = 0;
  std::uint64_t open_connections = 0;
};

// One interval's numbers.
struct TrafficSample {
  std::int64_t at_ms = 0;
  double rps = 0;
  double error_rate = 0;  // 5xx / requests; 0 without requests
  double client_error_rate = 0;
  std::optional<double> p50_ms, p95_ms, p99_ms;
  std::optional<double> ttfb_p50_ms, ttfb_p95_ms;
  double open_streams = 0;
  double open_websockets = 0;
  std::int64_t in_flight = 0;
  std::uint64_t open_connections = 0;
};

// Upper-bound interpolation in a cumulative histogram, as Prometheus' histogram_quantile does.
// `bounds` and `counts` are parallel, the last bound may be infinity. nullopt when empty.
std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                         const std::vector<double>& counts);

// The difference of two readings.
TrafficSample difference(const TrafficReading& before, const TrafficReading& after);

// Adds the upstreams' open streams, open WebSockets and time-to-first-byte buckets.
void read_upstreams(const proxy::ProxyRegistry& proxies, TrafficReading& reading);

class TrafficHistory {
 public:
  TrafficHistory(std::shared_ptr<const telemetry::TrafficStats> traffic,
                 std::shared_ptr<proxy::ProxyRegistry> proxies, std::chrono::milliseconds interval,
                 std::size_t capacity);
  ~TrafficHistory();

  void start();
  void stop();
  // Takes a reading now and appends a sample (the sampler thread calls this).
  void sample_now();
  // {"interval_ms":...,"t":[...],"rps":[...],...}
  std::string json() const;

 private:
  TrafficReading read() const;

  std::shared_ptr<const telemetry::TrafficStats> traffic_;
  std::shared_ptr<proxy::ProxyRegistry> proxies_;
  std::chrono::milliseconds interval_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<TrafficReading> last_;
  std::deque<TrafficSample> samples_;
  std::thread thread_;
};

}  // namespace ew::dashboard
