// HTTP traffic counters: requests by route name and status class, a duration
// histogram per route, requests in flight and open connections. The server increments them with
// relaxed atomics (no lock, no allocation after a route's first request); /metrics and the
// dashboard read them. main() makes the one instance and hands it to the server and to its readers.
//
// Route names come from RouteOptions.name, a fixed set chosen at startup, so the label stays
// low-cardinality. Past kMaxRoutes distinct names, further names share one "other_routes" entry.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ew::telemetry {

class TrafficStats {
 public:
  // Upper bounds of the duration buckets, in seconds; a last +Inf bucket follows.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  static constexpr std::size_t kMaxRoutes = 128;
  static constexpr std::string_view kOverflowRoute = "other_routes";

  TrafficStats();
  ~TrafficStats();
  TrafficStats(const TrafficStats&) = delete;
  TrafficStats& operator=(const TrafficStats&) = delete;

  void connection_opened();
  void connection_closed();
  void request_started();
  void request_finished();
  // One answered request: its route's name and kind (RouteOptions.operations), final status
  // and time from first byte to answer. A name keeps the kind it was first recorded with.
  void record(std::string_view route, bool operations, int status,
              std::chrono::nanoseconds duration);

  struct Route {
    std::string name;
    bool operations = false;                                  // the operator's own traffic
    std::array<std::uint64_t, 5> by_class{};                  // 1xx..5xx
    std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // cumulative, last = +Inf
    double sum_seconds = 0;
    std::uint64_t count = 0;
  };
  // Every route seen so far, in first-seen order.
  std::vector<Route> routes() const;
  std::uint64_t open_connections() const;
  std::uint64_t connections_total() const;
  std::int64_t in_flight() const;

 private:
  struct Entry;
  Entry* find_or_add(std::string_view route, bool operations);

  static constexpr std::size_t kSlots = 2 * kMaxRoutes;
  std::array<std::atomic<Entry*>, kSlots> slots_{};
  std::atomic<std::size_t> entries_{0};
  std::unique_ptr<Entry> overflow_;
  std::atomic<std::uint64_t> open_{0};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::int64_t> in_flight_{0};
};

}  // namespace ew::telemetry
