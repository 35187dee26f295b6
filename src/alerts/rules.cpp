#include "alerts/rules.h"

#include <unistd.h>

#include <set>

#include "config/keys.h"

namespace ew::alerts {
namespace {

using config::bounded;
using config::choice;
using config::key;
using config::Kind;

constexpr std::string_view kKindNames[] = {
    "errors_per_minute", "new_issue",     "regression",          "upstream_unhealthy",
    "health_unhealthy",  "web_vital_p75", "ingestion_rejecting", "certificate_expiring",
};

std::vector<std::string> kind_choices() {
  return {std::begin(kKindNames), std::end(kKindNames)};
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "edgewatch";
  return buf;
}

std::string ms_text(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

std::string_view to_string(RuleKind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

std::optional<RuleKind> parse_kind(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == text) return static_cast<RuleKind>(i);
  }
  return std::nullopt;
}

bool is_event_kind(RuleKind kind) {
  return kind == RuleKind::kNewIssue || kind == RuleKind::kRegression;
}

std::optional<double> default_vital_budget(std::string_view metric) {
  if (metric == "LCP") return 2500;  // ms
  if (metric == "FCP") return 2000;  // ms
  if (metric == "CLS") return 0.1;
  if (metric == "INP") return 200;   // ms
  if (metric == "TTFB") return 800;  // ms
  return std::nullopt;
}

void declare_alert_settings(config::Schema& schema) {
  auto& a = schema.section("alerts", "Alerting: rule evaluation and webhook delivery");
  a.keys = {
      key("enabled", Kind::kBool, "true", "Evaluate the [[alerts.rules]]"),
      key("interval", Kind::kDuration, "15s", "Time between two evaluations of every rule"),
      key("instance", Kind::kString, "", "Named in every notice; empty = the host name"),
      key("timeout", Kind::kDuration, "5s", "One webhook delivery attempt at most"),
      bounded("max_attempts", Kind::kInt, "6", "Delivery attempts per notice before giving up", 1,
              100),
      key("retry_base", Kind::kDuration, "1s", "Wait before the first retry; doubles each time"),
      key("retry_max", Kind::kDuration, "5m", "Longest wait between two retries"),
      bounded("queue_limit", Kind::kInt, "1000",
              "Notices waiting for delivery at most; beyond, new ones are dropped and counted", 1,
              1'000'000),
  };
  auto& r = schema.section("alerts.rules", "One alert rule per [[alerts.rules]] entry", true);
  r.keys = {
      key("name", Kind::kString, "", "Unique name, used in notices and metrics"),
      choice("kind", Kind::kEnum, "",
             "errors_per_minute, new_issue, regression, upstream_unhealthy, health_unhealthy, "
             "web_vital_p75, ingestion_rejecting or certificate_expiring",
             kind_choices()),
      bounded("threshold", Kind::kFloat, "",
              "errors_per_minute: per minute (default 10); web_vital_p75: the budget in ms, CLS "
              "unitless (default LCP 2500, FCP 2000, CLS 0.1, INP 200, TTFB 800); "
              "ingestion_rejecting: per minute (default 0)",
              0, 1e12),
      choice("metric", Kind::kEnum, "LCP", "web_vital_p75: LCP, FCP, CLS, INP or TTFB",
             {"LCP", "FCP", "CLS", "INP", "TTFB"}),
      key("target", Kind::kString, "",
          "upstream_unhealthy: a [[proxy]] prefix or upstream URL; empty = any upstream"),
      key("for", Kind::kDuration, "1m",
          "How long the condition must hold before the alert fires (not for event kinds)"),
      key("cooldown", Kind::kDuration, "10m",
          "After a notice, further firing notices of this rule wait at least this long"),
      choice("webhook", Kind::kUrl, "", "Where notices are POSTed (http or https)",
             {"http", "https"}),
      choice("format", Kind::kEnum, "json", "json (generic) or slack ({\"text\": ...})",
             {"json", "slack"}),
      key("notify_recovery", Kind::kBool, "true", "Send a notice when the condition clears"),
  };
}

void validate_alert_settings(const config::Settings& settings, std::vector<std::string>& problems) {
  const auto& a = settings.section("alerts");
  if (a.get_duration("interval") < std::chrono::milliseconds(100)) {
    problems.push_back("alerts.interval: expected at least 100ms, found " +
                       ms_text(a.get_duration("interval")));
  }
  if (a.get_duration("retry_base") > a.get_duration("retry_max")) {
    problems.push_back("alerts.retry_base: expected at most alerts.retry_max (" +
                       ms_text(a.get_duration("retry_max")) + "), found " +
                       ms_text(a.get_duration("retry_base")));
  }
  std::set<std::string> targets;
  if (settings.repeated.count("proxy")) {
    for (const auto& p : settings.entries("proxy")) {
      targets.insert(p.get_string("prefix"));
      for (const auto& u : p.get_list("upstreams")) targets.insert(u);
    }
  }
  std::set<std::string> names;
  const auto& rules = settings.entries("alerts.rules");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    std::string where = "alerts.rules[" + std::to_string(i) + "]";
    const std::string& name = r.has("name") ? r.get_string("name") : std::string();
    if (name.empty()) {
      problems.push_back(where + ".name: missing (every rule needs a unique name)");
    } else if (!names.insert(name).second) {
      problems.push_back(where + ".name: \"" + name + "\" is used by another rule");
    }
    if (!r.has("kind")) {
      problems.push_back(where +
                         ".kind: missing (expected errors_per_minute, new_issue, regression, "
                         "upstream_unhealthy, health_unhealthy, web_vital_p75, "
                         "ingestion_rejecting or certificate_expiring)");
    }
    if (!r.has("webhook")) {
      problems.push_back(where + ".webhook: missing (expected an http or https URL)");
    }
    const std::string& target = r.get_string("target");
    if (!target.empty()) {
      if (r.get_string("kind") != "upstream_unhealthy") {
        problems.push_back(where + ".target: only used by kind = \"upstream_unhealthy\"");
      } else if (!targets.count(target)) {
        problems.push_back(where +
                           ".target: expected a [[proxy]] prefix or upstream URL, found \"" +
                           target + "\"");
      }
    }
  }
}

AlertOptions alert_options(const config::Settings& settings) {
  const auto& a = settings.section("alerts");
  AlertOptions o;
  o.enabled = a.get_bool("enabled");
  o.interval = a.get_duration("interval");
  o.instance = a.get_string("instance").empty() ? host_name() : a.get_string("instance");
  o.timeout = a.get_duration("timeout");
  o.max_attempts = static_cast<int>(a.get_int("max_attempts"));
  o.retry_base = a.get_duration("retry_base");
  o.retry_max = a.get_duration("retry_max");
  o.queue_limit = static_cast<std::size_t>(a.get_int("queue_limit"));
  for (const auto& r : settings.entries("alerts.rules")) {
    Rule rule;
    rule.name = r.get_string("name");
    rule.kind = parse_kind(r.get_string("kind")).value_or(RuleKind::kHealthUnhealthy);
    rule.metric = r.get_string("metric");
    if (r.has("threshold")) {
      rule.threshold = r.get_double("threshold");
    } else if (rule.kind == RuleKind::kErrorsPerMinute) {
      rule.threshold = 10;
    } else if (rule.kind == RuleKind::kWebVitalP75) {
      rule.threshold = default_vital_budget(rule.metric).value_or(0);
    }
    rule.target = r.get_string("target");
    rule.for_duration = r.get_duration("for");
    rule.cooldown = r.get_duration("cooldown");
    rule.webhook = r.get_string("webhook");
    rule.format = r.get_string("format") == "slack" ? Format::kSlack : Format::kJson;
    rule.notify_recovery = r.get_bool("notify_recovery");
    o.rules.push_back(std::move(rule));
  }
  return o;
}

}  // namespace ew::alerts
