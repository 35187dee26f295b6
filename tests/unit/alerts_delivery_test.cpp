// Webhook delivery against a real local receiver: retries with back-off, give-up, the queue
// limit; and the [alerts] configuration rules.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "../common/wait.h"
#include "../integration/webhook_receiver.h"
#include "alerts/notifier.h"
#include "alerts/rules.h"

namespace ew::alerts {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

DeliveryOptions fast() {
  DeliveryOptions o;
  o.timeout = 1s;
  o.max_attempts = 4;
  o.retry_base = 50ms;
  o.retry_max = 200ms;
  o.queue_limit = 10;
  return o;
}

TEST(AlertDelivery, BackoffDoublesWithJitterAndACap) {
  DeliveryOptions o = fast();
  EXPECT_EQ(Notifier::backoff(o, 2, 0.5), 50ms);
  EXPECT_EQ(Notifier::backoff(o, 3, 0.5), 100ms);
  EXPECT_EQ(Notifier::backoff(o, 4, 0.5), 200ms);
  EXPECT_EQ(Notifier::backoff(o, 10, 0.5), 200ms);  // capped
  EXPECT_EQ(Notifier::backoff(o, 2, 0.0), 40ms);    // -20%
  EXPECT_EQ(Notifier::backoff(o, 2, 1.0), 60ms);    // +20%
}

TEST(AlertDelivery, RetriesServerErrorsUntilDelivered) {
  test::WebhookReceiver receiver([](std::size_t n) { return n < 2 ? 503 : 200; });
  Notifier notifier(fast());
  notifier.start();
  ASSERT_TRUE(notifier.enqueue({"r", receiver.url(), "{\"x\":1}", 0}));
  ASSERT_TRUE(receiver.wait_for(3, 5s));
  ASSERT_TRUE(wait_until([&] { return notifier.stats().delivered == 1; }, 2s, "one delivery"));
  auto requests = receiver.requests();
  EXPECT_EQ(requests[2].body, "{\"x\":1}");
  EXPECT_NE(requests[2].head.find("Content-Type: application/json"), std::string::npos);
  // Waits grew: about 50 ms, then about 100 ms.
  auto first_wait = requests[1].at - requests[0].at;
  auto second_wait = requests[2].at - requests[1].at;
  EXPECT_GE(first_wait, 35ms);
  EXPECT_GE(second_wait, 75ms);
  DeliveryStats s = notifier.stats();
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.queued, 0u);
}

TEST(AlertDelivery, GivesUpAfterMaxAttempts) {
  test::WebhookReceiver receiver([](std::size_t) { return 500; });
  Notifier notifier(fast());
  notifier.start();
  notifier.enqueue({"r", receiver.url(), "{}", 0});
  ASSERT_TRUE(wait_until([&] { return notifier.stats().failed == 1; }, 5s, "one failure"));
  EXPECT_EQ(receiver.count(), 4u);
  EXPECT_EQ(notifier.stats().delivered, 0u);
}

TEST(AlertDelivery, ClientErrorsAreNotRetriedButTooManyRequestsIs) {
  test::WebhookReceiver gone([](std::size_t) { return 404; });
  test::WebhookReceiver busy([](std::size_t n) { return n == 0 ? 429 : 204; });
  Notifier notifier(fast());
  notifier.start();
  notifier.enqueue({"a", gone.url(), "{}", 0});
  notifier.enqueue({"b", busy.url(), "{}", 0});
  ASSERT_TRUE(
      wait_until([&] { return notifier.stats().failed == 1 && notifier.stats().delivered == 1; },
                 5s, "one delivery"));
  EXPECT_EQ(gone.count(), 1u);
  EXPECT_EQ(busy.count(), 2u);
}

TEST(AlertDelivery, ConnectionFailuresAreRetried) {
  // A receiver that drops the connection without answering, then answers.
  test::WebhookReceiver flaky([](std::size_t n) { return n == 0 ? -1 : 200; });
  Notifier notifier(fast());
  notifier.start();
  notifier.enqueue({"r", flaky.url(), "{}", 0});
  ASSERT_TRUE(wait_until([&] { return notifier.stats().delivered == 1; }, 5s, "one delivery"));
  EXPECT_EQ(flaky.count(), 2u);
}

TEST(AlertDelivery, AFullQueueDropsAndCounts) {
  DeliveryOptions o = fast();
  o.queue_limit = 2;
  Notifier notifier(o);  // not started: nothing leaves the queue
  EXPECT_TRUE(notifier.enqueue({"r", "http://127.0.0.1:9/", "{}", 0}));
  EXPECT_TRUE(notifier.enqueue({"r", "http://127.0.0.1:9/", "{}", 0}));
  EXPECT_FALSE(notifier.enqueue({"r", "http://127.0.0.1:9/", "{}", 0}));
  EXPECT_EQ(notifier.stats().dropped, 1u);
  EXPECT_EQ(notifier.stats().queued, 2u);
}

TEST(AlertDelivery, EnqueueNeverWaitsForASlowWebhook) {
  test::WebhookReceiver slow([](std::size_t) {
    std::this_thread::sleep_for(300ms);  // a slow webhook: the delay is the test's subject
    return 200;
  });
  Notifier notifier(fast());
  notifier.start();
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) notifier.enqueue({"r", slow.url(), "{}", 0});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 50ms);
}

config::Settings load(const std::string& toml, std::vector<std::string>& problems) {
  config::Schema schema;
  declare_alert_settings(schema);
  auto& proxy = schema.section("proxy", "", true);
  proxy.keys = {{"prefix", config::Kind::kString, "/api/", "", {}, 0, 0},
                {"upstreams", config::Kind::kUrlList, "", "", {}, 0, 0}};
  std::string path = testing::TempDir() + "/alerts-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << toml;
  config::Sources sources;
  sources.file = path;
  config::Settings settings = config::load(schema, sources);
  validate_alert_settings(settings, problems);
  return settings;
}

TEST(AlertRules, DefaultsPerKind) {
  std::vector<std::string> problems;
  auto settings = load(R"(
[[alerts.rules]]
name = "errors"
kind = "errors_per_minute"
webhook = "https://hooks.example.com/x"
[[alerts.rules]]
name = "cls"
kind = "web_vital_p75"
metric = "CLS"
webhook = "https://hooks.example.com/x"
format = "slack"
[[alerts.rules]]
name = "fcp"
kind = "web_vital_p75"
metric = "FCP"
threshold = 1800
for = "5m"
cooldown = "1h"
webhook = "https://hooks.example.com/x"
)",
                       problems);
  EXPECT_TRUE(problems.empty());
  AlertOptions o = alert_options(settings);
  ASSERT_EQ(o.rules.size(), 3u);
  EXPECT_EQ(o.rules[0].threshold, 10);
  EXPECT_EQ(o.rules[1].threshold, 0.1);
  EXPECT_EQ(o.rules[1].format, Format::kSlack);
  EXPECT_EQ(o.rules[2].threshold, 1800);
  EXPECT_EQ(o.rules[2].for_duration, std::chrono::minutes(5));
  EXPECT_EQ(o.rules[2].cooldown, std::chrono::hours(1));
  EXPECT_FALSE(o.instance.empty());
}

TEST(AlertRules, ProblemsAreReported) {
  std::vector<std::string> problems;
  load(R"(
[alerts]
interval = "10ms"
retry_base = "10m"
[[proxy]]
prefix = "/api/"
upstreams = ["http://127.0.0.1:8004"]
[[alerts.rules]]
name = "a"
kind = "upstream_unhealthy"
target = "http://127.0.0.1:9999"
webhook = "http://x.example/"
[[alerts.rules]]
name = "a"
kind = "new_issue"
target = "/api/"
[[alerts.rules]]
kind = "health_unhealthy"
webhook = "http://x.example/"
)",
       problems);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_NE(all.find("alerts.interval: expected at least 100ms"), std::string::npos) << all;
  EXPECT_NE(all.find("alerts.retry_base: expected at most alerts.retry_max"), std::string::npos);
  EXPECT_NE(all.find("alerts.rules[0].target: expected a [[proxy]] prefix or upstream URL"),
            std::string::npos);
  EXPECT_NE(all.find("alerts.rules[1].name: \"a\" is used by another rule"), std::string::npos);
  EXPECT_NE(all.find("alerts.rules[1].webhook: missing"), std::string::npos);
  EXPECT_NE(all.find("alerts.rules[1].target: only used by kind = \"upstream_unhealthy\""),
            std::string::npos);
  EXPECT_NE(all.find("alerts.rules[2].name: missing"), std::string::npos);
  EXPECT_EQ(problems.size(), 7u) << all;
}

TEST(AlertRules, SchemaRefusesBadValues) {
  std::vector<std::string> problems;
  try {
    load(R"(
[[alerts.rules]]
name = "x"
kind = "errors_per_hour"
webhook = "ftp://x.example/"
format = "teams"
threshold = -1
)",
         problems);
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& e) {
    std::string all;
    for (const auto& p : e.problems()) all += p + "\n";
    EXPECT_NE(all.find("kind: expected one of"), std::string::npos) << all;
    EXPECT_NE(all.find("webhook: expected an absolute http or https URL"), std::string::npos)
        << all;
    EXPECT_NE(all.find("format: expected one of"), std::string::npos) << all;
    EXPECT_NE(all.find("threshold: expected a number in [0, 1e+12]"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace ew::alerts
