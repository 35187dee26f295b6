// Alert rules from the configuration: [alerts] for the evaluator and delivery, and one
// [[alerts.rules]] entry per rule.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace ew::alerts {

enum class RuleKind : std::uint8_t {
  kErrorsPerMinute,      // error events per minute above threshold
  kNewIssue,             // a new issue appeared
  kRegression,           // a resolved issue came back
  kUpstreamUnhealthy,    // an upstream (or the one named by target) is unhealthy
  kHealthUnhealthy,      // readiness overall is unhealthy
  kWebVitalP75,          // a web vital's p75 above its budget
  kIngestionRejecting,   // ingestion refused more than threshold items per minute
  kCertificateExpiring,  // an HTTPS certificate expires within [readiness] certificate_warn_within
};
std::string_view to_string(RuleKind kind);
std::optional<RuleKind> parse_kind(std::string_view text);
// Event rules fire once per event burst and have no recovery; condition rules have a state.
bool is_event_kind(RuleKind kind);

enum class Format : std::uint8_t { kJson, kSlack };

struct Rule {
  std::string name;
  RuleKind kind = RuleKind::kHealthUnhealthy;
  double threshold = 0;
  std::string metric;  // web_vital_p75: LCP, FCP, CLS, INP, TTFB
  std::string target;  // upstream_unhealthy: a route prefix or upstream URL; empty = any
  std::chrono::milliseconds for_duration{60'000};
  std::chrono::milliseconds cooldown{600'000};
  std::string webhook;
  Format format = Format::kJson;
  bool notify_recovery = true;
};

struct AlertOptions {
  bool enabled = true;
  std::chrono::milliseconds interval{15'000};
  std::string instance;  // named in every notice; defaults to the host name
  std::chrono::milliseconds timeout{5'000};
  int max_attempts = 6;
  std::chrono::milliseconds retry_base{1'000};
  std::chrono::milliseconds retry_max{300'000};
  std::size_t queue_limit = 1000;
  std::vector<Rule> rules;
};

// The seed's checklist: LCP 2.5 s, FCP 2 s, CLS 0.1; INP and TTFB from web.dev's "good" limits.
std::optional<double> default_vital_budget(std::string_view metric);

void declare_alert_settings(config::Schema& schema);
void validate_alert_settings(const config::Settings& settings, std::vector<std::string>& problems);
AlertOptions alert_options(const config::Settings& settings);

}  // namespace ew::alerts
