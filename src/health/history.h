// Health history: each service's status over time as segments [from, to), the changes of state,
// and uptime percentages over 24 hours, 7 days and 30 days. Kept in memory and, when a file is
// given, appended to it as JSON lines and read back at start, so uptime survives restarts. Time
// while edgewatch was not running counts as unobserved, not as down.
//
// Thread-safe: the readiness thread records, request handlers read.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "health/health.h"

namespace ew::health {

struct Transition {
  std::int64_t at_ms = 0;
  std::string service;
  std::optional<HealthStatus> from;  // nullopt: first observation
  HealthStatus to = HealthStatus::kHealthy;
  std::string details;
};

struct Segment {
  HealthStatus status = HealthStatus::kHealthy;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
};

struct Uptime {
  std::int64_t window_ms = 0;
  std::int64_t observed_ms = 0;
  std::int64_t up_ms = 0;       // healthy or degraded
  std::int64_t healthy_ms = 0;  // healthy only
  // up_ms / observed_ms in percent; nullopt when nothing was observed in the window.
  std::optional<double> percent() const;
};

struct ServiceHistory {
  std::string service;
  std::optional<HealthStatus> current;
  std::int64_t since_ms = 0;    // when the current status began
  std::vector<Uptime> windows;  // 24h, 7d, 30d
};

class HealthHistory {
 public:
  static constexpr std::int64_t kDay = 86'400'000;
  static constexpr std::int64_t kKeep = 30 * kDay;  // older segments and transitions are dropped

  struct Options {
    std::string file;              // "" = memory only
    std::int64_t gap_ms = 60'000;  // a silence longer than this between rounds is unobserved
    std::int64_t checkpoint_ms = 600'000;  // an open segment is written at least this often
    std::size_t max_transitions = 1000;    // kept in memory for the API
  };

  explicit HealthHistory(Options options);

  // Reads the file, dropping what is older than kKeep, and rewrites it compacted. Returns a
  // problem to log when the file could not be read or written (memory-only from then on).
  std::optional<std::string> load(std::int64_t now_ms);

  // Records one round of statuses ("overall" included by the caller as its own service) and
  // returns the services whose status changed.
  std::vector<Transition> observe(const std::vector<ServiceHealth>& services, std::int64_t now_ms);

  // Closes open segments into the file (at stop).
  void flush(std::int64_t now_ms);

  std::vector<ServiceHistory> summary(std::int64_t now_ms) const;
  // Newest first.
  std::vector<Transition> transitions(std::size_t limit) const;
  std::uint64_t transition_count(const std::string& service) const;

 private:
  struct Track {
    std::vector<Segment> closed;  // oldest first, merged when contiguous and equal
    std::optional<Segment> open;
    std::int64_t open_written_ms = 0;  // open segment written to the file up to here
    std::uint64_t transitions = 0;
  };
  void close_open(Track& track, const std::string& service, std::int64_t end_ms);
  void append_segment(Track& track, const Segment& s);
  void write_line(const std::string& line);
  void prune(std::int64_t now_ms);

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Track> tracks_;
  std::deque<Transition> transitions_;
  bool file_ok_ = false;
};

}  // namespace ew::health
