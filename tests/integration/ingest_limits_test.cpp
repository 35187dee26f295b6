// The monitoring backend under abuse: kill -9 in the middle of a burst, a catalogue of bad input
// (each a clear 4xx, the server staying up), every configurable limit, and retention.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "../common/gzip.h"
#include "ingest_util.h"

namespace ew::test {
namespace {

using nlohmann::json;

TEST(IngestLimits, KillNineMidBurstKeepsEveryAcknowledgedItem) {
  Monitor m("[ingest]\nrate_per_address = 0\nsession_items_per_minute = 0\n");
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  const int port = m.port();
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int n = 0; n < 400 && !stop; ++n) {
        std::vector<std::string> names;
        std::string body = "[";
        for (int k = 0; k < 5; ++k) {
          names.push_back("burst-" + std::to_string(t) + "-" + std::to_string(n) + "-" +
                          std::to_string(k));
          body += (k ? "," : "") + std::string("{\"name\":\"") + names.back() +
                  "\",\"timestamp\":\"" + iso_now() + "\",\"sessionId\":\"s-" + std::to_string(t) +
                  "\"}";
        }
        body += "]";
        HttpResponse r = http(port, "POST", "/api/analytics/events",
                              {"Content-Type: application/json"}, body + "");
        if (r.complete && r.status == 200 && body_of(r)["accepted"] == 5) {
          std::lock_guard lock(mutex);
          acknowledged.insert(acknowledged.end(), names.begin(), names.end());
        }
      }
    });
  }
  // Let the burst run (2,000 acknowledged, or two seconds at most), then kill the server
  // mid-flight.
  (void)wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size() >= 2000;
      },
      std::chrono::seconds(2), "2000 items acknowledged");
  m.kill9();
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_GT(acknowledged.size(), 100u);

  m.start();
  json events = m.api_json("/_edgewatch/api/events?since=1h&limit=10000");
  std::set<std::string> stored;
  for (const json& row : events["items"]) stored.insert(row["name"].get<std::string>());
  std::size_t missing = 0;
  for (const std::string& name : acknowledged) missing += !stored.contains(name);
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged";
  // Acknowledged is a subset: a commit may land just before the kill without its answer.
  EXPECT_GE(stored.size(), acknowledged.size());
  std::printf("kill -9: %zu items acknowledged, %zu stored, %zu acknowledged missing\n",
              acknowledged.size(), stored.size(), missing);
}

TEST(IngestLimits, BadInputCatalogueGetsClearClientErrorsAndTheServerStaysUp) {
  Monitor m;
  const std::string events = "/api/analytics/events";
  const std::vector<std::string> json_type = {"Content-Type: application/json"};
  std::string many_items;
  for (int k = 0; k < 101; ++k) many_items += std::string(k ? "," : "") + "{\"name\":\"n\"}";
  struct Case {
    std::string what;
    std::string path;
    std::string body;
    std::vector<std::string> headers;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"truncated JSON", events, "{\"name\":\"x\",\"properties\":{", json_type, 400,
       "unexpected end of input, expected an object key at byte 26"},
      {"deep nesting", events,
       "{\"name\":\"x\",\"properties\":" + std::string(5000, '[') + std::string(5000, ']') + "}",
       json_type, 400, "nesting deeper than 32 levels"},
      {"huge string", events, "{\"name\":\"" + std::string(2 << 20, 'x') + "\"}", json_type, 413,
       ""},
      {"wrong types", events, "{\"name\":123,\"properties\":\"p\"}", json_type, 400,
       "name: expected a string"},
      {"a number for a stack", "/api/monitoring/errors", "{\"stack\":5}", json_type, 400,
       "stack: expected a string, found a number"},
      {"a number for a message", "/api/monitoring/errors", "{\"message\":5,\"stack\":\"s\"}",
       json_type, 400, "message: expected a string, found a number"},
      {"an object for a page", events, "{\"name\":\"n\",\"page\":{}}", json_type, 400,
       "page: expected a string, found an object"},
      {"a number for a unit", "/api/monitoring/metrics", "{\"name\":\"n\",\"value\":1,\"unit\":3}",
       json_type, 400, "unit: expected a string, found a number"},
      {"invalid UTF-8", events, "{\"name\":\"caf\xc3\x28\"}", json_type, 400,
       "invalid UTF-8 in a string at byte 12"},
      {"empty body", events, "", json_type, 400, "empty body"},
      {"whitespace body", events, "   \n", json_type, 400, "empty body"},
      {"binary garbage", events, std::string("\x00\x01\x02 binary", 10), json_type, 400,
       "unexpected character"},
      {"not an object", events, "\"just a string\"", json_type, 400, "found a string"},
      {"wrong content type",
       events,
       "{\"name\":\"x\"}",
       {"Content-Type: application/xml"},
       415,
       "application/xml"},
      {"gzip bomb",
       events,
       gzip(std::string(64 << 20, ' ')),
       {"Content-Type: application/json", "Content-Encoding: gzip"},
       413,
       "decompressed body exceeds"},
      {"corrupt gzip",
       events,
       "definitely not gzip",
       {"Content-Type: application/json", "Content-Encoding: gzip"},
       400,
       "corrupt"},
      {"unknown encoding", events, "{}", {"Content-Encoding: zstd"}, 415, "zstd"},
      {"unbalanced braces", events, "[" + std::string(100, '{') + "]", json_type, 400, "at byte"},
      {"too many items", events, "[" + many_items + "]", json_type, 413,
       "101 items exceed the limit of 100"},
      {"negative duration", "/api/monitoring/metrics",
       "{\"name\":\"web_vitals.LCP\",\"value\":-5,\"unit\":\"ms\"}", json_type, 400,
       "cannot be negative"},
      {"NaN as JSON.stringify writes it", "/api/monitoring/metrics",
       "{\"name\":\"web_vitals.INP\",\"value\":null,\"unit\":\"ms\"}", json_type, 400,
       "expected a finite number"},
      {"absurd value", "/api/monitoring/metrics",
       "{\"name\":\"web_vitals.LCP\",\"value\":1e300,\"unit\":\"ms\"}", json_type, 400,
       "not a real measurement"},
      {"timestamp years away", "/api/monitoring/errors",
       "{\"message\":\"x\",\"timestamp\":\"2099-01-01T00:00:00.000Z\"}", json_type, 400,
       "more than a year away"},
      {"GET on an ingestion endpoint", events, "", {}, 405, ""},
  };
  for (const Case& c : cases) {
    HttpResponse r = http(m.port(), c.body.empty() && c.status == 405 ? "GET" : "POST", c.path,
                          c.headers, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body.substr(0, 300);
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.what << ": " << r.body.substr(0, 300);
    ASSERT_TRUE(m.server().running()) << "after " << c.what;
  }
  // Item by item: the good item is kept, the bad ones are listed with their reasons.
  HttpResponse r = m.post(events, "[{\"name\":\"ok\"},{\"name\":5},{\"properties\":{}},7]");
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = body_of(r);
  EXPECT_EQ(answer["accepted"], 1);
  ASSERT_EQ(answer["rejected"].size(), 3u);
  EXPECT_EQ(answer["rejected"][0]["index"], 1);
  EXPECT_EQ(answer["rejected"][1]["reason"], "name: required");
  EXPECT_EQ(answer["rejected"][2]["reason"], "expected an object, found a number");
  // Megabyte strings inside the body limit are cut, not stored whole.
  const std::string long_message(400'000, 'm');
  r = m.post("/api/monitoring/errors", "{\"message\":\"" + long_message + "\"}");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  json issues = m.api_json("/_edgewatch/api/issues");
  ASSERT_EQ(issues["items"].size(), 1u);
  EXPECT_LE(issues["items"][0]["title"].get<std::string>().size(), 200u);
  json events_page = m.api_json("/_edgewatch/api/issues/" +
                                std::to_string(issues["items"][0]["id"].get<int>()) + "/events");
  EXPECT_EQ(events_page["items"][0]["message"].get<std::string>().size(), 8192u);
  // Sentry: a compressed bomb and an oversized event item are 413.
  const std::string key = std::string("?sentry_key=") + kSentryKey;
  r = m.post("/_edgewatch/sentry/api/42/envelope/" + key, gzip(std::string(64 << 20, '\n')),
             {"Content-Encoding: gzip"});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  const std::string big_event =
      "{}\n{\"type\":\"event\"}\n{\"message\":\"" + std::string(2 << 20, 'a') + "\"}";
  r = m.post("/_edgewatch/sentry/api/42/envelope/" + key, gzip(big_event),
             {"Content-Encoding: gzip"});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("event item"), std::string::npos) << r.body;
  // Still healthy, still ingesting.
  EXPECT_EQ(http(m.port(), "GET", "/health").status, 200);
  EXPECT_EQ(m.post(events, "{\"name\":\"after\"}").status, 200);
}

TEST(IngestLimits, ConfiguredLimitsPathsAndSessionCap) {
  Monitor m(
      "[ingest]\nmax_items = 3\nmax_body_size = \"2KiB\"\nmetrics_path = \"/m\"\n"
      "session_items_per_minute = 5\nrate_per_address = 0\n");
  auto metric = [](const std::string& session) {
    return seed_metric_body("react.render.duration", 2, "\"component\":\"App\"", session);
  };
  HttpResponse r = m.post(
      "/m", "[" + metric("a") + "," + metric("a") + "," + metric("a") + "," + metric("a") + "]");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("4 items exceed the limit of 3"), std::string::npos) << r.body;
  r = m.post("/m", "{\"name\":\"" + std::string(3000, 'x') + "\",\"value\":1}");
  EXPECT_EQ(r.status, 413);
  // The seed's path moved: the old one is no longer answered by ingestion.
  EXPECT_EQ(m.post("/api/monitoring/metrics", metric("a")).status, 404);
  // Five items per session per minute; keep clear of a minute boundary, where windows restart.
  using namespace std::chrono;
  const auto second = duration_cast<seconds>(system_clock::now().time_since_epoch()).count() % 60;
  // The window is the wall-clock minute: only time passing starts a new one.
  if (second >= 55) std::this_thread::sleep_for(seconds(61 - second));
  r = m.post("/m", "[" + metric("a") + "," + metric("a") + "," + metric("a") + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 3);
  r = m.post("/m", "[" + metric("a") + "," + metric("a") + "," + metric("a") + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 2);
  EXPECT_EQ(body_of(r)["dropped"]["session_limit"], 1);
  r = m.post("/m", metric("a"));
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(m.post("/m", metric("b")).status, 200);  // other sessions are unaffected
}

TEST(IngestLimits, RatePerClientAddress) {
  Monitor m("[ingest]\nrate_per_address = 0.1\nburst_per_address = 2\n");
  EXPECT_EQ(m.post("/api/analytics/events", "{\"name\":\"a\"}").status, 200);
  EXPECT_EQ(m.post("/api/analytics/events", "{\"name\":\"b\"}").status, 200);
  HttpResponse r = m.post("/api/analytics/events", "{\"name\":\"c\"}");
  EXPECT_EQ(r.status, 429);
  const int retry = std::stoi(r.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 10);
}

// The seed client's feedback loop (its resource timings of its own POSTs, found by running it in
// Chromium) must not spend the tab's request budget: its real reports still get through.
TEST(IngestLimits, DroppedSelfTimingsDoNotSpendTheAddressBudget) {
  Monitor m("[ingest]\nrate_per_address = 0.1\nburst_per_address = 3\n");
  const std::string own =
      "http://127.0.0.1:" + std::to_string(m.port()) + "/api/monitoring/metrics";
  for (int i = 0; i < 20; ++i) {
    HttpResponse r =
        m.post("/api/monitoring/metrics",
               seed_metric_body("performance.resource." + own, 3.2,
                                "\"entryType\":\"resource\",\"name\":" + js(own), "session-1-abc"));
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
    EXPECT_EQ(body_of(r)["dropped"]["self_timings"], 1);
  }
  for (const char* name : {"a", "b", "c"}) {
    EXPECT_EQ(m.post("/api/analytics/events", std::string("{\"name\":\"") + name + "\"}").status,
              200);
  }
  EXPECT_EQ(m.post("/api/analytics/events", "{\"name\":\"d\"}").status, 429);  // real ones count
}

TEST(IngestLimits, AFullQueueAnswers503WithRetryAfter) {
  Monitor m("[ingest]\nrate_per_address = 0\nsession_items_per_minute = 0\n",
            "queue_records = 100\ngroup_records = 1\n");
  std::string batch = "[";
  for (int k = 0; k < 100; ++k) batch += std::string(k ? "," : "") + "{\"name\":\"q\"}";
  batch += "]";
  std::atomic<int> ok{0}, full{0}, other{0};
  std::atomic<bool> saw_retry_after{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      for (int n = 0; n < 60; ++n) {
        HttpResponse r = m.post("/api/analytics/events", batch);
        if (r.status == 200) {
          ++ok;
        } else if (r.status == 503) {
          ++full;
          if (r.header("retry-after") == "1") saw_retry_after = true;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(full.load(), 0);
  EXPECT_TRUE(saw_retry_after.load());
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(m.api_json("/_edgewatch/api/ingest/stats")["queue_full"], full.load());
}

TEST(IngestLimits, RetentionDeletesExpiredDataInTheBackground) {
  Monitor m("[retention]\nraw_events = \"2s\"\nissues = \"3s\"\ninterval = \"1s\"\n");
  ASSERT_EQ(m.post("/api/analytics/events", "{\"name\":\"old\"}").status, 200);
  ASSERT_EQ(m.post("/api/monitoring/errors", "{\"message\":\"old error\"}").status, 200);
  ASSERT_EQ(m.api_json("/_edgewatch/api/events?since=1h")["items"].size(), 1u);
  EXPECT_TRUE(wait_until(
      [&] {
        return m.api_json("/_edgewatch/api/events?since=1h")["items"].empty() &&
               m.api_json("/_edgewatch/api/issues")["items"].empty();
      },
      std::chrono::seconds(20), "the expired event and issue deleted"));
  EXPECT_GE(m.api_json("/_edgewatch/api/ingest/stats")["writer"]["retention_deleted"], 3);
}

}  // namespace
}  // namespace ew::test
