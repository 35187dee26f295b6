// The alert state machines: 'for', cool-down, recovery, event bursts, rates, missing data.
#include <gtest/gtest.h>

#include "alerts/evaluator.h"
#include "alerts/payload.h"
#include "deploy/file_store.h"

namespace ew::alerts {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kSec = 1000;

Rule rule(RuleKind kind, std::int64_t for_s = 0, std::int64_t cooldown_s = 0) {
  Rule r;
  r.name = std::string(to_string(kind));
  r.kind = kind;
  r.for_duration = std::chrono::seconds(for_s);
  r.cooldown = std::chrono::seconds(cooldown_s);
  r.webhook = "http://127.0.0.1:9/hook";
  return r;
}

Signals upstreams(std::int64_t t, bool healthy) {
  Signals s;
  s.now_ms = t;
  s.upstreams = {{"/api/", "http://a:1", healthy, false}, {"/api/", "http://b:1", true, false}};
  return s;
}

Signals monitoring(std::int64_t t, ingest::MonitoringSnapshot m) {
  Signals s;
  s.now_ms = t;
  s.monitoring = std::move(m);
  return s;
}

TEST(AlertEvaluator, FiresAfterForAndAnnouncesRecoveryOnce) {
  Evaluator e({rule(RuleKind::kUpstreamUnhealthy, 30, 0)});
  EXPECT_TRUE(e.step(upstreams(kT0, true)).empty());
  EXPECT_TRUE(e.step(upstreams(kT0 + 10 * kSec, false)).empty());  // pending
  EXPECT_TRUE(e.step(upstreams(kT0 + 30 * kSec, false)).empty());  // 20 s < 30 s
  auto fired = e.step(upstreams(kT0 + 40 * kSec, false));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].state, NoticeState::kFiring);
  EXPECT_EQ(fired[0].started_ms, kT0 + 10 * kSec);
  EXPECT_EQ(fired[0].value, 1);
  EXPECT_EQ(fired[0].summary, "upstream unhealthy: http://a:1 (route /api/)");
  EXPECT_TRUE(e.firing(0));
  EXPECT_TRUE(e.step(upstreams(kT0 + 50 * kSec, false)).empty());  // once per incident
  auto resolved = e.step(upstreams(kT0 + 60 * kSec, true));
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, NoticeState::kResolved);
  EXPECT_EQ(resolved[0].started_ms, kT0 + 10 * kSec);
  EXPECT_TRUE(e.step(upstreams(kT0 + 70 * kSec, true)).empty());
  EXPECT_FALSE(e.firing(0));
}

TEST(AlertEvaluator, AConditionShorterThanForNeverFires) {
  Evaluator e({rule(RuleKind::kUpstreamUnhealthy, 30, 0)});
  e.step(upstreams(kT0, false));
  e.step(upstreams(kT0 + 20 * kSec, false));
  EXPECT_TRUE(e.step(upstreams(kT0 + 25 * kSec, true)).empty());   // no recovery either
  EXPECT_TRUE(e.step(upstreams(kT0 + 40 * kSec, false)).empty());  // 'for' starts again
  EXPECT_EQ(e.step(upstreams(kT0 + 70 * kSec, false)).size(), 1u);
}

TEST(AlertEvaluator, CooldownSilencesAFlappingConditionAndItsRecovery) {
  Evaluator e({rule(RuleKind::kUpstreamUnhealthy, 0, 300)});
  EXPECT_EQ(e.step(upstreams(kT0, false)).size(), 1u);             // fires
  EXPECT_EQ(e.step(upstreams(kT0 + 10 * kSec, true)).size(), 1u);  // recovers
  EXPECT_TRUE(e.step(upstreams(kT0 + 20 * kSec, false)).empty());  // within the cool-down
  EXPECT_TRUE(e.firing(0));
  EXPECT_TRUE(e.step(upstreams(kT0 + 30 * kSec, true)).empty());  // its recovery is silent
  auto again = e.step(upstreams(kT0 + 301 * kSec, false));        // cool-down over
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].state, NoticeState::kFiring);
}

TEST(AlertEvaluator, RecoveryNoticeCanBeSwitchedOff) {
  Rule r = rule(RuleKind::kUpstreamUnhealthy);
  r.notify_recovery = false;
  Evaluator e({r});
  EXPECT_EQ(e.step(upstreams(kT0, false)).size(), 1u);
  EXPECT_TRUE(e.step(upstreams(kT0 + kSec, true)).empty());
}

TEST(AlertEvaluator, UpstreamTargetNarrowsTheRule) {
  Rule r = rule(RuleKind::kUpstreamUnhealthy);
  r.target = "http://b:1";
  Evaluator e({r});
  EXPECT_TRUE(e.step(upstreams(kT0, false)).empty());  // a is down, b is fine
  Signals s = upstreams(kT0 + kSec, true);
  s.upstreams[1].circuit_open = true;
  auto fired = e.step(s);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].summary.find("http://b:1 (route /api/, circuit open)"), std::string::npos);
}

TEST(AlertEvaluator, HealthRuleReadsTheReadinessReport) {
  Evaluator e({rule(RuleKind::kHealthUnhealthy)});
  Signals none;
  none.now_ms = kT0;
  EXPECT_TRUE(e.step(none).empty());
  EXPECT_EQ(e.missing_data(none).count("health_unhealthy"), 1u);
  auto report = std::make_shared<health::HealthReport>();
  report->overall = health::HealthStatus::kUnhealthy;
  health::ServiceHealth svc;
  svc.service = "storage";
  svc.status = health::HealthStatus::kUnhealthy;
  svc.details = "disk full";
  report->services = {svc};
  Signals s;
  s.now_ms = kT0 + kSec;
  s.health = report;
  auto fired = e.step(s);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].summary, "readiness is unhealthy: storage (disk full)");
  // Missing data later does not resolve a firing alert.
  none.now_ms = kT0 + 2 * kSec;
  EXPECT_TRUE(e.step(none).empty());
  EXPECT_TRUE(e.firing(0));
}

TEST(AlertEvaluator, CertificateRuleReadsTheTlsEntryOfTheReadinessReport) {
  Evaluator e({rule(RuleKind::kCertificateExpiring)});
  auto report_with = [](health::HealthStatus status, std::string details) {
    auto report = std::make_shared<health::HealthReport>();
    report->overall = health::HealthStatus::kDegraded;
    health::ServiceHealth tls;
    tls.service = "tls";
    tls.kind = "tls";
    tls.status = status;
    tls.details = std::move(details);
    report->services = {tls};
    return report;
  };
  Signals s;
  s.now_ms = kT0;
  s.health = report_with(health::HealthStatus::kHealthy, "site.pem expires in 80 day(s)");
  EXPECT_TRUE(e.step(s).empty());
  EXPECT_FALSE(e.firing(0));
  s.now_ms = kT0 + kSec;
  s.health = report_with(health::HealthStatus::kDegraded, "site.pem expires in 9 day(s)");
  auto fired = e.step(s);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].summary, "TLS certificate: site.pem expires in 9 day(s)");
  s.now_ms = kT0 + 2 * kSec;
  s.health = report_with(health::HealthStatus::kHealthy, "site.pem expires in 89 day(s)");
  auto recovered = e.step(s);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_FALSE(e.firing(0));
}

TEST(AlertEvaluator, ErrorsPerMinuteUseAOneMinuteWindow) {
  Rule r = rule(RuleKind::kErrorsPerMinute);
  r.threshold = 10;
  Evaluator e({r});
  ingest::MonitoringSnapshot m;
  EXPECT_TRUE(e.step(monitoring(kT0, m)).empty());  // one sample: no rate yet
  m.error_events = 5;
  EXPECT_TRUE(e.step(monitoring(kT0 + 30 * kSec, m)).empty());  // 10 per minute: not above
  m.error_events = 12;
  auto fired = e.step(monitoring(kT0 + 60 * kSec, m));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].value, 12);
  EXPECT_EQ(fired[0].summary, "12 error events per minute (threshold 10)");
  // A minute later only the last minute counts: 2 more events.
  m.error_events = 14;
  auto resolved = e.step(monitoring(kT0 + 120 * kSec, m));
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, NoticeState::kResolved);
}

TEST(AlertEvaluator, ShortSpansAreNotExtrapolatedWildly) {
  Rule r = rule(RuleKind::kIngestionRejecting);
  r.threshold = 100;
  Evaluator e({r});
  ingest::MonitoringSnapshot m;
  e.step(monitoring(kT0, m));
  m.rejected = 10;  // 10 in one second would be 600/min; over the 10 s floor it is 60/min
  EXPECT_TRUE(e.step(monitoring(kT0 + kSec, m)).empty());
  m.rejected = 30;
  auto fired = e.step(monitoring(kT0 + 2 * kSec, m));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].summary, "ingestion rejected 180 items per minute (threshold 100)");
}

TEST(AlertEvaluator, WebVitalBudgets) {
  EXPECT_EQ(default_vital_budget("LCP"), 2500);
  EXPECT_EQ(default_vital_budget("FCP"), 2000);
  EXPECT_EQ(default_vital_budget("CLS"), 0.1);
  EXPECT_FALSE(default_vital_budget("XYZ"));
  Rule lcp = rule(RuleKind::kWebVitalP75);
  lcp.metric = "LCP";
  lcp.threshold = 2500;
  Rule cls = rule(RuleKind::kWebVitalP75);
  cls.name = "cls";
  cls.metric = "CLS";
  cls.threshold = 0.1;
  Evaluator e({lcp, cls});
  ingest::MonitoringSnapshot m;
  m.vitals_p75 = {{"LCP", 3100}, {"CLS", 0.05}};
  auto fired = e.step(monitoring(kT0, m));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].summary, "LCP p75 is 3100 ms (budget 2500 ms)");
  m.vitals_p75 = {{"CLS", 0.25}};  // no LCP samples: no opinion, no recovery
  fired = e.step(monitoring(kT0 + kSec, m));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].summary, "CLS p75 is 0.25 (budget 0.1)");
  EXPECT_TRUE(e.firing(0));
}

TEST(AlertEvaluator, NewIssuesFireOncePerCooldownAndCountWhatWaited) {
  Evaluator e({rule(RuleKind::kNewIssue, 0, 60)});
  ingest::MonitoringSnapshot m;
  m.new_issues = 3;  // before the first step: not news
  EXPECT_TRUE(e.step(monitoring(kT0, m)).empty());
  m.new_issues = 4;
  m.latest_new_issue = "TypeError: x is undefined";
  auto first = e.step(monitoring(kT0 + kSec, m));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].summary, "1 new issue; newest: TypeError: x is undefined");
  m.new_issues = 6;
  m.latest_new_issue = "RangeError: y";
  EXPECT_TRUE(e.step(monitoring(kT0 + 10 * kSec, m)).empty());  // cool-down
  m.new_issues = 7;
  EXPECT_TRUE(e.step(monitoring(kT0 + 20 * kSec, m)).empty());
  auto later = e.step(monitoring(kT0 + 61 * kSec, m));  // no new event, but some waited
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].value, 3);
  EXPECT_EQ(later[0].summary, "3 new issues; newest: RangeError: y");
  EXPECT_TRUE(e.step(monitoring(kT0 + 200 * kSec, m)).empty());
}

TEST(AlertEvaluator, RegressionNamesTheDeployment) {
  deploy::FileDeploymentStore store("", 100);
  store.add({0, "production", "v41", kT0 - 3600 * kSec, kT0});
  store.add({0, "production", "v42", kT0 - 60 * kSec, kT0});
  Evaluator e({rule(RuleKind::kRegression)});
  ingest::MonitoringSnapshot m;
  e.step(monitoring(kT0, m));
  m.regressions = 1;
  m.latest_regression = "TypeError: cart is null";
  m.latest_regression_release = "v41";
  Signals s = monitoring(kT0 + kSec, m);
  s.deployment_for = [&store](const std::string& release, std::int64_t at) {
    return deploy::deployment_for(store, release, at);
  };
  auto fired = e.step(s);
  ASSERT_EQ(fired.size(), 1u);
  ASSERT_TRUE(fired[0].deployment);
  EXPECT_EQ(fired[0].deployment->version, "v41");
  EXPECT_NE(fired[0].summary.find("in release v41 (deployment v41 to production at"),
            std::string::npos)
      << fired[0].summary;
  std::string json = json_payload(fired[0], "edge-1");
  EXPECT_NE(
      json.find("\"deployment\":{\"id\":1,\"environment\":\"production\",\"version\":\"v41\""),
      std::string::npos)
      << json;
}

TEST(AlertPayload, JsonAndSlackBodies) {
  Rule r = rule(RuleKind::kUpstreamUnhealthy);
  r.name = "api-down";
  Notice n{&r, NoticeState::kResolved, "every upstream healthy", 0, kT0, kT0 + 125 * kSec, {}};
  EXPECT_EQ(slack_payload(n, "edge-1"),
            "{\"text\":\"[RESOLVED] api-down on edge-1 after 2m 5s: every upstream healthy\"}");
  std::string json = json_payload(n, "edge-1");
  EXPECT_NE(json.find("{\"alert\":{\"rule\":\"api-down\",\"kind\":\"upstream_unhealthy\","
                      "\"state\":\"resolved\",\"summary\":\"every upstream healthy\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"duration_seconds\":125"), std::string::npos);
  EXPECT_NE(json.find("\"instance\":\"edge-1\""), std::string::npos);
  EXPECT_EQ(duration_text(45'000), "45s");
  EXPECT_EQ(duration_text(3 * 3600'000 + 60'000), "3h 1m");
  EXPECT_EQ(duration_text(2 * 86'400'000), "2d 0h");
}

}  // namespace
}  // namespace ew::alerts
