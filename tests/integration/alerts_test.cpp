// Alerting on a running edgewatch, delivered to a webhook receiver written here: one notice per
// incident, the cool-down kept, recovery announced, failed deliveries retried and counted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops_util.h"
#include "webhook_receiver.h"

namespace ew::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string config(int upstream_port, const std::string& rules) {
  return "[[proxy]]\nprefix = \"/api/\"\nupstreams = [\"http://127.0.0.1:" +
         std::to_string(upstream_port) +
         "\"]\nhealth_check_interval = \"100ms\"\nunhealthy_threshold = 1\n"
         "healthy_threshold = 1\n[readiness]\ninterval = \"100ms\"\ntimeout = \"500ms\"\n"
         "[alerts]\ninterval = \"100ms\"\ninstance = \"edge-test\"\nretry_base = \"100ms\"\n" +
         rules;
}

double metric(OpsServer& server, const std::string& series) {
  return sample_value(server.get("/metrics").body, series);
}

// Rounds of rule evaluation the server has completed.
double evaluations(OpsServer& server) {
  return metric(server, "edgewatch_alert_evaluations_total");
}

// Waits until the evaluator has completed `rounds` more rounds than it had: the witness that
// lets a test say a notice did not come (rather than not yet).
::testing::AssertionResult rounds_pass(OpsServer& server, int rounds) {
  double from = evaluations(server);
  return wait_until([&] { return evaluations(server) >= from + rounds; }, 10s,
                    std::to_string(rounds) + " more rounds of evaluation");
}

// Waits until every notice handed to delivery has been delivered.
::testing::AssertionResult deliveries_done(OpsServer& server) {
  return wait_until(
      [&] {
        std::string m = server.get("/metrics").body;
        double notices = 0;
        for (const char* rule : {"api-down", "not-ready"}) {
          for (const char* state : {"firing", "resolved"}) {
            double n = sample_value(m, std::string("edgewatch_alert_notices_total{rule=\"") + rule +
                                           "\",state=\"" + state + "\"}");
            if (n > 0) notices += n;
          }
        }
        return sample_value(m, "edgewatch_alert_deliveries_total{result=\"delivered\"}") ==
                   notices &&
               sample_value(m, "edgewatch_alert_delivery_queue") == 0;
      },
      10s, "every notice delivered");
}

std::vector<json> bodies(const WebhookReceiver& r, const std::string& path) {
  std::vector<json> out;
  for (const auto& req : r.requests()) {
    if (req.path == path) out.push_back(json::parse(req.body, nullptr, false));
  }
  return out;
}

TEST(Alerts, OneNoticePerIncidentCooldownKeptRecoveryAnnounced) {
  WebhookReceiver receiver;
  ReservedPort port;
  auto upstream = orchestrator_at(port.port());
  OpsServer server(config(port.port(),
                          "[[alerts.rules]]\nname = \"api-down\"\n"
                          "kind = \"upstream_unhealthy\"\nfor = \"300ms\"\n"
                          "cooldown = \"1m\"\nwebhook = \"" +
                              receiver.url("/json") +
                              "\"\n[[alerts.rules]]\nname = \"not-ready\"\n"
                              "kind = \"health_unhealthy\"\nfor = \"0s\"\n"
                              "cooldown = \"0s\"\nformat = \"slack\"\nwebhook = \"" +
                              receiver.url("/slack") + "\"\n"));
  // Healthy: nothing to say. Ten rounds at 100 ms are three times api-down's `for`.
  const std::string up = "edgewatch_upstream_up{route=\"/api/\",upstream=\"http://127.0.0.1:" +
                         std::to_string(port.port()) + "\"}";
  ASSERT_TRUE(wait_until([&] { return metric(server, up) == 1; }, 10s, "the upstream up"));
  ASSERT_TRUE(rounds_pass(server, 10));
  EXPECT_EQ(metric(server, "edgewatch_alert_notices_total{rule=\"api-down\",state=\"firing\"}"), 0);
  EXPECT_EQ(metric(server, "edgewatch_alert_notices_total{rule=\"not-ready\",state=\"firing\"}"),
            0);
  EXPECT_EQ(receiver.count(), 0u);

  upstream.reset();
  ASSERT_TRUE(wait_until(
      [&] {
        return bodies(receiver, "/json").size() >= 1 && bodies(receiver, "/slack").size() >= 1;
      },
      10s, "a notice from each rule"));
  // The condition holds on for ten more rounds: still one notice each.
  ASSERT_TRUE(rounds_pass(server, 10));
  ASSERT_TRUE(deliveries_done(server));
  auto json_notices = bodies(receiver, "/json");
  ASSERT_EQ(json_notices.size(), 1u);
  const json& alert = json_notices[0]["alert"];
  EXPECT_EQ(alert["rule"], "api-down");
  EXPECT_EQ(alert["kind"], "upstream_unhealthy");
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["instance"], "edge-test");
  EXPECT_NE(alert["summary"].get<std::string>().find("127.0.0.1:" + std::to_string(port.port())),
            std::string::npos);
  auto slack = bodies(receiver, "/slack");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0]["text"].get<std::string>().rfind("[FIRING] not-ready on edge-test: ", 0), 0u)
      << slack[0].dump();
  for (const auto& req : receiver.requests()) {
    EXPECT_EQ(req.method, "POST");
    EXPECT_NE(req.head.find("Content-Type: application/json"), std::string::npos);
  }

  upstream = orchestrator_at(port.port());  // recovery
  ASSERT_TRUE(wait_until(
      [&] {
        return bodies(receiver, "/json").size() >= 2 && bodies(receiver, "/slack").size() >= 2;
      },
      10s, "a recovery notice from each rule"));
  json_notices = bodies(receiver, "/json");
  EXPECT_EQ(json_notices[1]["alert"]["state"], "resolved");
  EXPECT_TRUE(json_notices[1]["alert"]["duration_seconds"].is_number());
  EXPECT_EQ(
      bodies(receiver, "/slack")[1]["text"].get<std::string>().rfind("[RESOLVED] not-ready", 0),
      0u);

  // A second incident inside api-down's one-minute cool-down stays silent, recovery included;
  // not-ready has no cool-down and speaks again. api-down does fire (its `for` is over), it just
  // says nothing.
  upstream.reset();
  ASSERT_TRUE(wait_until(
      [&] {
        return bodies(receiver, "/slack").size() >= 3 &&
               metric(server, "edgewatch_alerts_firing{rule=\"api-down\"}") == 1;
      },
      10s, "not-ready's second notice and api-down firing again"));
  upstream = orchestrator_at(port.port());
  ASSERT_TRUE(wait_until(
      [&] {
        return bodies(receiver, "/slack").size() >= 4 &&
               metric(server, "edgewatch_alerts_firing{rule=\"api-down\"}") == 0;
      },
      10s, "not-ready's second recovery and api-down resolved"));
  ASSERT_TRUE(rounds_pass(server, 3));
  ASSERT_TRUE(deliveries_done(server));
  EXPECT_EQ(bodies(receiver, "/json").size(), 2u);

  std::string metrics = server.get("/metrics").body;
  EXPECT_EQ(
      sample_value(metrics, "edgewatch_alert_notices_total{rule=\"api-down\",state=\"firing\"}"),
      1);
  EXPECT_EQ(
      sample_value(metrics, "edgewatch_alert_notices_total{rule=\"not-ready\",state=\"resolved\"}"),
      2);
  EXPECT_EQ(sample_value(metrics, "edgewatch_alert_deliveries_total{result=\"delivered\"}"), 6);
  EXPECT_EQ(sample_value(metrics, "edgewatch_alerts_firing{rule=\"api-down\"}"), 0);
}

TEST(Alerts, FailedDeliveriesAreRetriedWithBackoffAndCounted) {
  WebhookReceiver receiver([](std::size_t n) { return n < 2 ? 503 : 200; });
  ReservedPort port;  // held, never listened on: no upstream at all, unhealthy from the start
  OpsServer server(config(port.port(),
                          "[[alerts.rules]]\nname = \"api-down\"\n"
                          "kind = \"upstream_unhealthy\"\nfor = \"0s\"\nwebhook = \"" +
                              receiver.url() + "\"\n"));
  ASSERT_TRUE(receiver.wait_for(3, 10s));
  auto requests = receiver.requests();
  EXPECT_EQ(requests[0].body, requests[2].body);  // the same notice, retried
  EXPECT_GE(requests[2].at - requests[1].at, requests[1].at - requests[0].at);
  ASSERT_TRUE(wait_until(
      [&] {
        return sample_value(server.get("/metrics").body,
                            "edgewatch_alert_deliveries_total{result=\"delivered\"}") == 1;
      },
      5s, "one delivery"));
  std::string metrics = server.get("/metrics").body;
  EXPECT_EQ(sample_value(metrics, "edgewatch_alert_delivery_retries_total"), 2);
  EXPECT_EQ(sample_value(metrics, "edgewatch_alert_deliveries_total{result=\"failed\"}"), 0);
  EXPECT_TRUE(server.process().wait_for_err("delivery of rule api-down to", 1s));
}

TEST(Alerts, AnUnreachableWebhookNeverSlowsTheServer) {
  WebhookReceiver slow([](std::size_t) {
    std::this_thread::sleep_for(2s);  // the receiver is slow: the delay is the test's subject
    return 200;
  });
  ReservedPort port;  // no upstream: api-down fires at once
  OpsServer server(config(port.port(),
                          "[[alerts.rules]]\nname = \"api-down\"\n"
                          "kind = \"upstream_unhealthy\"\nfor = \"0s\"\nwebhook = \"" +
                              slow.url() + "\"\n"));
  ASSERT_TRUE(slow.wait_for(1, 10s));  // a delivery is hanging now
  for (int i = 0; i < 20; ++i) {
    auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(server.get("/health").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  }
}

TEST(Alerts, BadRulesStopStartup) {
  std::string dir = make_temp_dir();
  write_file(dir + "/bad.toml",
             "[[alerts.rules]]\nname = \"x\"\nkind = \"errors_per_hour\"\n"
             "webhook = \"hooks.example.com\"\n");
  CommandResult r = run_edgewatch({"check-config", dir + "/bad.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("alerts.rules[0].kind: expected one of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("alerts.rules[0].webhook: expected an absolute http or https URL"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ew::test
