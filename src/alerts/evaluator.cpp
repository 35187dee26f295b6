#include "alerts/evaluator.h"
#include "util/time.h"

#include <algorithm>
#include <cstdio>

namespace ew::alerts {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kMinSpan = 10'000;  // rates over less time than this are not trusted

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf,
                v == static_cast<double>(static_cast<long long>(v)) ? "%.0f" : "%.3g", v);
  return buf;
}

std::string vital_value(const std::string& metric, double v) {
  return metric == "CLS" ? number(v) : number(v) + " ms";
}

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::optional<double> Evaluator::RateWindow::per_minute(std::int64_t now_ms, std::uint64_t total) {
  samples.emplace_back(now_ms, total);
  while (samples.size() >= 2 && samples[1].first <= now_ms - kMinute) samples.pop_front();
  if (samples.size() < 2) return std::nullopt;
  const auto& base = samples.front();
  std::int64_t span = std::max(now_ms - base.first, kMinSpan);
  double delta = total >= base.second ? static_cast<double>(total - base.second) : 0;
  return delta * static_cast<double>(kMinute) / static_cast<double>(span);
}

Evaluator::Evaluator(std::vector<Rule> rules) : rules_(std::move(rules)), states_(rules_.size()) {}

bool Evaluator::firing(std::size_t rule) const {
  return states_.at(rule).phase == State::Phase::kFiring;
}

std::map<std::string, std::string> Evaluator::missing_data(const Signals& signals) const {
  std::map<std::string, std::string> out;
  for (const auto& rule : rules_) {
    switch (rule.kind) {
      case RuleKind::kHealthUnhealthy:
      case RuleKind::kCertificateExpiring:
        if (!signals.health) out[rule.name] = "readiness checks are not running";
        break;
      case RuleKind::kUpstreamUnhealthy:
        if (signals.upstreams.empty()) out[rule.name] = "no [[proxy]] upstreams are configured";
        break;
      default:
        if (!signals.monitoring) {
          out[rule.name] = "the monitoring backend has not registered a data source";
        }
        break;
    }
  }
  return out;
}

Evaluator::Condition Evaluator::evaluate(std::size_t index, const Signals& s) {
  const Rule& rule = rules_[index];
  Condition c;
  switch (rule.kind) {
    case RuleKind::kUpstreamUnhealthy: {
      if (s.upstreams.empty()) break;
      c.known = true;
      std::string down;
      for (const auto& u : s.upstreams) {
        if (!rule.target.empty() && rule.target != u.url && rule.target != u.route) continue;
        if (u.healthy && !u.circuit_open) continue;
        c.value += 1;
        down += (down.empty() ? "" : ", ") + u.url + " (route " + u.route +
                (u.circuit_open ? ", circuit open)" : ")");
      }
      c.active = c.value > 0;
      std::string scope = rule.target.empty() ? "every upstream" : rule.target;
      c.summary = c.active ? "upstream unhealthy: " + down : scope + " healthy";
      break;
    }
    case RuleKind::kHealthUnhealthy: {
      if (!s.health) break;
      c.known = true;
      c.active = s.health->overall == health::HealthStatus::kUnhealthy;
      c.value = c.active ? 1 : 0;
      std::string failing;
      for (const auto& svc : s.health->services) {
        if (svc.status != health::HealthStatus::kUnhealthy) continue;
        failing += (failing.empty() ? "" : "; ") + svc.service +
                   (svc.details.empty() ? "" : " (" + svc.details + ")");
      }
      c.summary = c.active ? "readiness is unhealthy: " + failing
                           : "readiness is " + std::string(health::to_string(s.health->overall));
      break;
    }
    case RuleKind::kCertificateExpiring: {
      // Readiness checks the served certificates; without HTTPS there is nothing to expire.
      if (!s.health) break;
      c.known = true;
      for (const auto& svc : s.health->services) {
        if (svc.kind != "tls") continue;
        c.active = svc.status != health::HealthStatus::kHealthy;
        c.summary = "TLS certificate: " + svc.details;
      }
      c.value = c.active ? 1 : 0;
      if (c.summary.empty()) c.summary = "no HTTPS certificate is served";
      break;
    }
    case RuleKind::kErrorsPerMinute:
      if (!errors_rate_) break;
      c.known = true;
      c.value = *errors_rate_;
      c.active = c.value > rule.threshold;
      c.summary =
          number(c.value) + " error events per minute (threshold " + number(rule.threshold) + ")";
      break;
    case RuleKind::kIngestionRejecting:
      if (!rejected_rate_) break;
      c.known = true;
      c.value = *rejected_rate_;
      c.active = c.value > rule.threshold;
      c.summary = "ingestion rejected " + number(c.value) + " items per minute (threshold " +
                  number(rule.threshold) + ")";
      break;
    case RuleKind::kWebVitalP75: {
      if (!s.monitoring) break;
      auto it = s.monitoring->vitals_p75.find(rule.metric);
      if (it == s.monitoring->vitals_p75.end()) break;  // no samples: no opinion
      c.known = true;
      c.value = it->second;
      c.active = c.value > rule.threshold;
      c.summary = rule.metric + " p75 is " + vital_value(rule.metric, c.value) + " (budget " +
                  vital_value(rule.metric, rule.threshold) + ")";
      break;
    }
    case RuleKind::kNewIssue:
    case RuleKind::kRegression: {
      if (!s.monitoring || !previous_) break;
      c.known = true;
      bool issue = rule.kind == RuleKind::kNewIssue;
      std::uint64_t now_total = issue ? s.monitoring->new_issues : s.monitoring->regressions;
      std::uint64_t before = issue ? previous_->new_issues : previous_->regressions;
      c.events = now_total > before ? now_total - before : 0;
      c.active = c.events > 0;
      c.summary = issue ? s.monitoring->latest_new_issue : s.monitoring->latest_regression;
      c.release = issue ? "" : s.monitoring->latest_regression_release;
      break;
    }
  }
  return c;
}

std::vector<Notice> Evaluator::step(const Signals& s) {
  if (s.monitoring) {
    errors_rate_ = errors_.per_minute(s.now_ms, s.monitoring->error_events);
    rejected_rate_ = rejected_.per_minute(s.now_ms, s.monitoring->rejected);
  } else {
    errors_rate_.reset();
    rejected_rate_.reset();
  }
  std::vector<Notice> out;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    Condition c = evaluate(i, s);
    if (is_event_kind(rules_[i].kind)) {
      step_event(i, c, s, out);
    } else {
      step_condition(i, c, s, out);
    }
  }
  if (s.monitoring) previous_ = s.monitoring;
  return out;
}

void Evaluator::step_condition(std::size_t index, const Condition& c, const Signals& s,
                               std::vector<Notice>& out) {
  const Rule& rule = rules_[index];
  State& st = states_[index];
  if (!c.known) return;  // no data: neither fire nor recover on a guess
  using Phase = State::Phase;
  if (!c.active) {
    if (st.phase == Phase::kFiring && st.notified && rule.notify_recovery) {
      out.push_back({&rule, NoticeState::kResolved, c.summary, c.value, st.since_ms, s.now_ms, {}});
    }
    st.phase = Phase::kInactive;
    st.notified = false;
    return;
  }
  if (st.phase == Phase::kInactive) {
    st.phase = Phase::kPending;
    st.since_ms = s.now_ms;
  }
  if (st.phase == Phase::kPending && s.now_ms - st.since_ms >= rule.for_duration.count()) {
    st.phase = Phase::kFiring;
    bool cooled = !st.last_notice_ms || s.now_ms - *st.last_notice_ms >= rule.cooldown.count();
    st.notified = cooled;
    if (cooled) {
      st.last_notice_ms = s.now_ms;
      out.push_back({&rule, NoticeState::kFiring, c.summary, c.value, st.since_ms, s.now_ms, {}});
    }
  }
}

void Evaluator::step_event(std::size_t index, const Condition& c, const Signals& s,
                           std::vector<Notice>& out) {
  const Rule& rule = rules_[index];
  State& st = states_[index];
  if (c.known && c.events > 0) {
    if (st.held_events == 0) st.held_since_ms = s.now_ms;
    st.held_events += c.events;
    st.held_summary = c.summary;
    st.held_release = c.release;
  }
  if (st.held_events == 0) return;
  if (st.last_notice_ms && s.now_ms - *st.last_notice_ms < rule.cooldown.count()) return;
  bool issue = rule.kind == RuleKind::kNewIssue;
  Notice n{&rule,
           NoticeState::kFiring,
           {},
           static_cast<double>(st.held_events),
           st.held_since_ms,
           s.now_ms,
           {}};
  n.summary = issue ? plural(st.held_events, "new issue", "new issues")
                    : plural(st.held_events, "regression", "regressions");
  if (!st.held_summary.empty()) n.summary += "; newest: " + st.held_summary;
  if (!issue) {
    if (!st.held_release.empty()) n.summary += " in release " + st.held_release;
    if (s.deployment_for) n.deployment = s.deployment_for(st.held_release, s.now_ms);
    if (n.deployment) {
      n.summary += " (deployment " + n.deployment->version + " to " + n.deployment->environment +
                   " at " + format_iso8601(n.deployment->timestamp_ms) + ")";
    }
  }
  out.push_back(std::move(n));
  st.last_notice_ms = s.now_ms;
  st.held_events = 0;
  st.held_summary.clear();
  st.held_release.clear();
}

}  // namespace ew::alerts
