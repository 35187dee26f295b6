// Rule evaluation: each step takes the current signals and moves every rule's state machine,
// returning the notices to send. Pure logic over its inputs (the caller supplies the time), so
// the 'for' duration, the cool-down and recovery are tested without waiting.
//
// Condition rules (errors_per_minute, upstream_unhealthy, health_unhealthy, web_vital_p75,
// ingestion_rejecting):
//   inactive -> pending when the condition holds -> firing once it held for `for`.
//   Entering firing sends one notice, unless the rule's previous firing notice is younger than
//   the cool-down (a flapping condition then stays silent, and so does its recovery).
//   firing -> inactive when the condition clears, with a recovery notice if the firing one was
//   sent and notify_recovery is on.
// Event rules (new_issue, regression): new events send a notice, at most one per cool-down;
//   events during the cool-down are counted into the next notice. No recovery.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/rules.h"
#include "deploy/deploy.h"
#include "health/health.h"
#include "ingest/ingest.h"

namespace ew::alerts {

struct UpstreamSignal {
  std::string route;
  std::string url;
  bool healthy = true;
  bool circuit_open = false;
};

// What the rules look at, gathered once per evaluation.
struct Signals {
  std::int64_t now_ms = 0;
  std::vector<UpstreamSignal> upstreams;
  std::shared_ptr<const health::HealthReport> health;    // null: readiness is not running
  std::optional<ingest::MonitoringSnapshot> monitoring;  // nullopt: no monitoring source
  // Finds the deployment that brought a release (regression notices); may be empty.
  std::function<std::optional<deploy::Deployment>(const std::string& release, std::int64_t at)>
      deployment_for;
};

enum class NoticeState : std::uint8_t { kFiring, kResolved };

struct Notice {
  const Rule* rule = nullptr;
  NoticeState state = NoticeState::kFiring;
  std::string summary;  // one sentence for people
  double value = 0;
  std::int64_t started_ms = 0;  // when the condition began (firing) or the incident began
  std::int64_t at_ms = 0;
  std::optional<deploy::Deployment> deployment;  // regression notices
};

class Evaluator {
 public:
  explicit Evaluator(std::vector<Rule> rules);

  std::vector<Notice> step(const Signals& signals);

  const std::vector<Rule>& rules() const { return rules_; }
  bool firing(std::size_t rule) const;
  // Rules that have no data to work on (no monitoring source, readiness off): name -> reason.
  std::map<std::string, std::string> missing_data(const Signals& signals) const;

 private:
  struct Condition {
    bool known = false;  // false: no data, the state is kept as it is
    bool active = false;
    double value = 0;
    std::string summary;
    std::uint64_t events = 0;  // event kinds: new events since the last step
    std::string release;       // regression: the release it came back in
  };
  struct State {
    enum class Phase : std::uint8_t { kInactive, kPending, kFiring } phase = Phase::kInactive;
    std::int64_t since_ms = 0;
    bool notified = false;
    std::optional<std::int64_t> last_notice_ms;
    std::uint64_t held_events = 0;  // event kinds: counted during the cool-down
    std::string held_summary;
    std::string held_release;
    std::int64_t held_since_ms = 0;
  };
  // A moving one-minute window over a monotonic total.
  struct RateWindow {
    std::deque<std::pair<std::int64_t, std::uint64_t>> samples;
    std::optional<double> per_minute(std::int64_t now_ms, std::uint64_t total);
  };

  Condition evaluate(std::size_t index, const Signals& signals);
  void step_condition(std::size_t index, const Condition& c, const Signals& signals,
                      std::vector<Notice>& out);
  void step_event(std::size_t index, const Condition& c, const Signals& signals,
                  std::vector<Notice>& out);

  std::vector<Rule> rules_;
  std::vector<State> states_;
  RateWindow errors_;
  RateWindow rejected_;
  std::optional<ingest::MonitoringSnapshot> previous_;
  std::optional<double> errors_rate_;
  std::optional<double> rejected_rate_;
};

}  // namespace ew::alerts
