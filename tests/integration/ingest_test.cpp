// The monitoring backend through the real binary: the seed client's payloads exactly as its code
// sends them, Sentry envelopes as the browser SDK writes them, grouping across builds, web-vital
// aggregates checked against values computed here, and the query API.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include "ingest_util.h"

namespace ew::test {
namespace {

using nlohmann::json;

const std::string kSession = "session-1732550000000-k3j4h5g6f";

TEST(Ingest, SeedAnalyticsEventsAsTrackEventSendsThem) {
  Monitor m;
  // trackEvent({name:'health_check', properties:{...}}) from HealthCheckService, no user set.
  const std::string health =
      "{\"name\":\"health_check\",\"properties\":{\"overall_status\":"
      "\"healthy\",\"unhealthy_services\":[]},\"timestamp\":" +
      js(iso_now()) + ",\"sessionId\":" + js(kSession) + "}";
  HttpResponse r = m.post("/api/analytics/events", health);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 1);
  // After setUser: userId present; sent as text/plain by a sendBeacon-style client.
  const std::string click =
      "{\"name\":\"button_click\",\"properties\":{\"button\":\"save\"},"
      "\"timestamp\":" +
      js(iso_now()) +
      ",\"userId\":\"user-42\","
      "\"sessionId\":" +
      js(kSession) + "}";
  r = m.post("/api/analytics/events", click, {"Content-Type: text/plain;charset=UTF-8"});
  ASSERT_EQ(r.status, 200) << r.body;
  // No Content-Type at all, and an array of two.
  r = m.post("/api/analytics/events", "[" + click + "," + health + "]", {});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 2);

  json events = m.api_json("/_edgewatch/api/events?since=1h");
  std::map<std::string, std::pair<int, int>> seen;
  for (const json& row : events["items"]) {
    seen[row["name"]] = {row["count"].get<int>(), row["unique_sessions"].get<int>()};
  }
  EXPECT_EQ(seen["health_check"], std::make_pair(2, 1));
  EXPECT_EQ(seen["button_click"], std::make_pair(2, 1));
}

TEST(Ingest, SeedMetricsWebVitalsResourceTimingsAndCustomMetrics) {
  Monitor m;
  const std::string origin = "http://127.0.0.1:" + std::to_string(m.port());
  const std::vector<std::string> headers = {
      "Content-Type: application/json", "Referer: " + origin + "/products/42?tab=reviews",
      "User-Agent: Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
      "Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"};
  // reportWebVital: name web_vitals.<NAME>, unit 'ms' even for CLS, tags {id, rating}.
  for (const auto& [name, value] : std::vector<std::pair<std::string, double>>{
           {"LCP", 2304.5}, {"CLS", 0.08}, {"FCP", 1200}, {"TTFB", 640.2}, {"FID", 12}}) {
    HttpResponse r = m.post("/api/monitoring/metrics",
                            seed_metric_body("web_vitals." + name, value,
                                             "\"id\":\"v3-1732550000000-1234567890\","
                                             "\"rating\":\"good\"",
                                             kSession),
                            headers);
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    EXPECT_EQ(body_of(r)["accepted"], 1);
  }
  // The PerformanceObserver reporting the seed's own POST: dropped, counted, still 200.
  const std::string own = origin + "/api/monitoring/metrics";
  HttpResponse r =
      m.post("/api/monitoring/metrics",
             seed_metric_body("performance.resource." + own, 12.3,
                              "\"entryType\":\"resource\",\"name\":" + js(own), kSession),
             headers);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 0);
  EXPECT_EQ(body_of(r)["dropped"]["self_timings"], 1);
  // Other resources and navigation entries become summaries under normalized names.
  for (const std::string asset : {"/assets/index-4f3a9c1e.js", "/assets/index-BxY3kq9a.js"}) {
    r = m.post(
        "/api/monitoring/metrics",
        seed_metric_body("performance.resource." + origin + asset, 85,
                         "\"entryType\":\"resource\",\"name\":" + js(origin + asset), kSession),
        headers);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  r = m.post("/api/monitoring/metrics",
             seed_metric_body("react.render.duration", 3.5, "\"component\":\"react-ProductList\"",
                              kSession),
             headers);
  ASSERT_EQ(r.status, 200) << r.body;

  json vitals = m.api_json("/_edgewatch/api/vitals?since=1h");
  std::map<std::string, json> by_metric;
  for (const json& row : vitals["items"]) by_metric[row["metric"]] = row;
  ASSERT_EQ(by_metric.size(), 5u) << vitals.dump();
  EXPECT_EQ(by_metric["LCP"]["p75"], 2304.5);
  EXPECT_EQ(by_metric["LCP"]["page"], "/products/:id");
  EXPECT_EQ(by_metric["LCP"]["device"], "mobile");
  EXPECT_EQ(by_metric["LCP"]["release"], "1.4.0");
  EXPECT_EQ(by_metric["CLS"]["unit"], "");
  EXPECT_EQ(by_metric["TTFB"]["good"], 1.0);

  json metrics = m.api_json("/_edgewatch/api/metrics?since=1h");
  std::map<std::string, int> counts;
  for (const json& row : metrics["items"]) counts[row["name"]] += row["count"].get<int>();
  const std::string host = "127.0.0.1:" + std::to_string(m.port());
  EXPECT_EQ(counts["performance.resource." + host + "/assets/index-*.js"], 2) << metrics.dump();
  EXPECT_EQ(counts["react.render.duration"], 1);
  for (const auto& [name, count] : counts) {
    EXPECT_EQ(name.find("/api/monitoring"), std::string::npos) << name;
    EXPECT_EQ(name.find("web_vitals"), std::string::npos) << name;
  }
  json stats = m.api_json("/_edgewatch/api/ingest/stats");
  EXPECT_EQ(stats["dropped_self_timings"], 1);
}

TEST(Ingest, SeedErrorsGroupAcrossBuildsAndIgnoreTheGeneratedFingerprint) {
  Monitor m;
  auto report = [&](const std::string& message, const std::string& function,
                    const std::string& chunk, int line, const std::string& fingerprint = "") {
    const std::string stack = "TypeError: " + message + "\n    at " + function +
                              " (http://localhost:8080/assets/" + chunk +
                              ".js:" + std::to_string(line) +
                              ":21512)\n    at renderWithHooks "
                              "(http://localhost:8080/assets/vendor-9b8c7d6e.js:1:2)";
    const std::string fp =
        fingerprint.empty() ? seed_fingerprint("TypeError", message, stack) : fingerprint;
    return m.post("/api/monitoring/errors",
                  seed_error_body(message, stack, kSession, fp, "{\"component\":\"ProductList\"}"));
  };
  const std::string map_error = "Cannot read properties of undefined (reading 'map')";
  const std::string id_error = "Cannot read properties of undefined (reading 'id')";
  // One bug, two builds (different chunk hashes and line numbers): one issue.
  ASSERT_EQ(report(map_error, "ProductList", "index-4f3a9c1e", 40).status, 200);
  ASSERT_EQ(report(map_error, "ProductList", "index-BxY3kq9a", 57).status, 200);
  // A different bug whose generated fingerprint is identical (same first 24 characters).
  ASSERT_EQ(report(id_error, "UserMenu", "index-4f3a9c1e", 12).status, 200);
  // An app-chosen fingerprint is honoured: these two group together despite different frames.
  ASSERT_EQ(report("quota exceeded", "saveDraft", "index-4f3a9c1e", 3, "storage-quota").status,
            200);
  ASSERT_EQ(report("quota exceeded", "autosave", "index-BxY3kq9a", 9, "storage-quota").status, 200);

  json issues = m.api_json("/_edgewatch/api/issues?sort=count");
  ASSERT_EQ(issues["items"].size(), 3u) << issues.dump();
  std::map<std::string, json> by_title;
  for (const json& i : issues["items"]) by_title[i["title"]] = i;
  const json& map_issue = by_title["TypeError: " + map_error];
  EXPECT_EQ(map_issue["count"], 2);
  EXPECT_EQ(map_issue["sessions"], 1);
  EXPECT_EQ(map_issue["culprit"], "ProductList(assets/index)");
  EXPECT_EQ(map_issue["status"], "unresolved");
  EXPECT_EQ(by_title["TypeError: " + id_error]["count"], 1);
  EXPECT_EQ(by_title["TypeError: quota exceeded"]["count"], 2);
  EXPECT_EQ(map_issue["fingerprint"].get<std::string>().size(), 32u);

  json detail = m.api_json("/_edgewatch/api/issues/" + std::to_string(map_issue["id"].get<int>()));
  const json& latest = detail["latest_event"];
  EXPECT_EQ(latest["detail"]["fingerprint"]["generated_by_client"], true);
  EXPECT_EQ(latest["detail"]["context"]["component"], "ProductList");
  EXPECT_EQ(latest["detail"]["exception"][0]["frames"].size(), 2u);
  int counted = 0;
  for (const json& bucket : detail["counts"]["series"]) counted += bucket["count"].get<int>();
  EXPECT_EQ(counted, 2);
}

std::string envelope(const std::string& event_id, const std::string& event_json,
                     const std::string& extra_header = "") {
  // As serializeEnvelope writes it: header, then "\n{item header}\n{payload}", no lengths for
  // JSON items and no trailing newline.
  return "{\"event_id\":\"" + event_id + "\",\"sent_at\":" + js(iso_now()) + extra_header +
         ",\"sdk\":{\"name\":\"sentry.javascript.react\",\"version\":\"10.63.0\"}}\n"
         "{\"type\":\"event\"}\n" +
         event_json;
}

std::string sentry_event(const std::string& event_id, const std::string& type,
                         const std::string& value, const std::string& function,
                         const std::string& file, int line, const std::string& release,
                         const std::string& extra = "") {
  const double ts =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "{\"exception\":{\"values\":[{\"type\":" + js(type) + ",\"value\":" + js(value) +
         ",\"stacktrace\":{\"frames\":[{\"filename\":\"https://app.example/assets/"
         "vendor-9b8c7d6e.js\",\"function\":\"?\",\"in_app\":true,\"lineno\":1,\"colno\":100},"
         "{\"filename\":" +
         js(file) + ",\"function\":" + js(function) +
         ",\"in_app\":true,\"lineno\":" + std::to_string(line) +
         ",\"colno\":4521}]},\"mechanism\":{\"type\":\"auto.browser.global_handlers.onerror\","
         "\"handled\":false}}]},\"level\":\"error\",\"event_id\":\"" +
         event_id +
         "\",\"platform\":\"javascript\",\"request\":{\"url\":\"https://app.example/cart/"
         "123\",\"headers\":{\"User-Agent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) "
         "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15\"}},"
         "\"timestamp\":" +
         json(ts).dump() + ",\"environment\":\"production\",\"release\":" + js(release) +
         ",\"sdk\":{\"name\":\"sentry.javascript.react\",\"version\":\"10.63.0\"},"
         "\"breadcrumbs\":[{\"timestamp\":" +
         json(ts - 1).dump() +
         ",\"category\":\"ui.click\",\"message\":\"button#save\"}],\"user\":{\"id\":\"42\","
         "\"ip_address\":\"{{auto}}\"}" +
         extra + "}";
}

std::string sentry_path(const std::string& key = kSentryKey) {
  return "/_edgewatch/sentry/api/42/envelope/?sentry_version=7&sentry_key=" + key +
         "&sentry_client=sentry.javascript.react%2F10.63.0";
}

// scripts/run prints the demo's DSN from examples/chat/edgewatch.toml: an event sent there with
// that project's id and key is taken.
TEST(Ingest, TheDemoConfigurationHasASentryProjectThatTakesEvents) {
  std::ifstream in(source_dir() + "/examples/chat/edgewatch.toml");
  std::stringstream text;
  text << in.rdbuf();
  const std::string toml = text.str();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      toml, m,
      std::regex(
          R"re(\[\[sentry\.projects\]\]\s*\nid = (\d+)\s*\npublic_key = "([0-9a-f]{32})")re")))
      << toml;
  const std::string id = m[1], key = m[2];
  const std::string dir = make_temp_dir();
  ServerProcess server(
      {"--config", source_dir() + "/examples/chat/edgewatch.toml"},
      {{"EDGEWATCH_STORAGE_PATH", dir + "/demo.db"}, {"EDGEWATCH_ADMIN_TOKEN", kToken}});
  const std::string event_id = "2123456789abcdef0123456789abcdef";
  HttpResponse r =
      http(server.port(), "POST", "/_edgewatch/sentry/api/" + id + "/envelope/?sentry_key=" + key,
           {"Content-Type: text/plain;charset=UTF-8"},
           envelope(event_id, sentry_event(event_id, "TypeError", "demo", "main",
                                           "http://localhost/app.js", 1, "demo@1")));
  EXPECT_EQ(r.status, 200) << r.body;
  HttpResponse wrong_key =
      http(server.port(), "POST",
           "/_edgewatch/sentry/api/" + id + "/envelope/?sentry_key=" + std::string(32, '0'),
           {"Content-Type: text/plain;charset=UTF-8"},
           envelope(event_id, sentry_event(event_id, "TypeError", "demo", "main",
                                           "http://localhost/app.js", 1, "demo@1")));
  EXPECT_NE(wrong_key.status, 200);
  std::filesystem::remove_all(dir);
}

TEST(Ingest, SentryEnvelopesAsTheBrowserSdkSendsThem) {
  Monitor m;
  const std::string id1 = "0123456789abcdef0123456789abcdef";
  const std::string body =
      envelope(id1, sentry_event(id1, "TypeError", "x is undefined", "handleSave",
                                 "https://app.example/assets/index-4f3a9c1e.js", 1, "web@1.4.0"));
  // The SDK's fetch sends a string body: text/plain;charset=UTF-8.
  HttpResponse r = m.post(sentry_path(), body, {"Content-Type: text/plain;charset=UTF-8"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"id\":\"" + id1 + "\"}");
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  EXPECT_NE(r.header("access-control-expose-headers").find("x-sentry-rate-limits"),
            std::string::npos);
  EXPECT_NE(r.header("access-control-expose-headers").find("retry-after"), std::string::npos);
  // The same event again (a retry): 200, but not counted twice.
  ASSERT_EQ(m.post(sentry_path(), body, {}).status, 200);
  // Another build of the same bug, with the SDK in tunnel mode: no query auth, dsn in the header.
  const std::string id2 = "1123456789abcdef0123456789abcdef";
  const std::string dsn = ",\"dsn\":\"http://" + std::string(kSentryKey) +
                          "@127.0.0.1:" + std::to_string(m.port()) + "/_edgewatch/sentry/42\"";
  r = m.post("/_edgewatch/sentry/api/42/envelope/",
             envelope(id2,
                      sentry_event(id2, "TypeError", "x is undefined", "handleSave",
                                   "https://app.example/assets/index-BxY3kq9a.js", 7, "web@1.5.0"),
                      dsn),
             {"Content-Type: application/x-sentry-envelope"});
  ASSERT_EQ(r.status, 200) << r.body;
  // Session and client-report items are accepted and counted, never an error.
  r = m.post(sentry_path(),
             "{\"sent_at\":" + js(iso_now()) +
                 "}\n{\"type\":\"session\"}\n{\"sid\":\"abc\","
                 "\"status\":\"ok\"}\n{\"type\":\"client_report\"}\n{\"timestamp\":1,"
                 "\"discarded_events\":[]}\n{\"type\":\"made_up\",\"length\":3}\nxyz",
             {});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");

  json issues = m.api_json("/_edgewatch/api/issues?project=42");
  ASSERT_EQ(issues["items"].size(), 1u) << issues.dump();
  const json& issue = issues["items"][0];
  EXPECT_EQ(issue["title"], "TypeError: x is undefined");
  EXPECT_EQ(issue["count"], 2);
  EXPECT_EQ(issue["users"], 1);
  EXPECT_EQ(issue["releases"], json({"web@1.4.0", "web@1.5.0"}));
  EXPECT_EQ(issue["environments"], json({"production"}));
  json events =
      m.api_json("/_edgewatch/api/issues/" + std::to_string(issue["id"].get<int>()) + "/events");
  ASSERT_EQ(events["items"].size(), 2u);
  const json& latest = events["items"][0];
  EXPECT_EQ(latest["browser"], "Safari");
  EXPECT_EQ(latest["os"], "macOS");
  EXPECT_EQ(latest["page"], "/cart/:id");
  EXPECT_EQ(latest["detail"]["breadcrumbs"][0]["category"], "ui.click");
  EXPECT_EQ(latest["detail"].dump().find("ip_address"), std::string::npos);
  json stats = m.api_json("/_edgewatch/api/ingest/stats");
  EXPECT_EQ(stats["sentry_items"]["session"], 1);
  EXPECT_EQ(stats["sentry_items"]["client_report"], 1);
  EXPECT_EQ(stats["sentry_items"]["made_up"], 1);
  EXPECT_EQ(stats["duplicate_events"], 1);
}

std::string fixture(const std::string& name, std::map<std::string, std::string> values) {
  std::ifstream in(source_dir() + "/tests/fixtures/sentry/" + name, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty()) << name;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  values.emplace("__SENT_AT__", iso_now());
  values.emplace("__TIMESTAMP__", json(now).dump());
  values.emplace("__START__", json(now - 1.5).dump());
  values.emplace("__PUBLIC_KEY__", kSentryKey);
  for (const auto& [placeholder, value] : values) {
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

TEST(Ingest, SentryFixturesInTheSdksLayout) {
  Monitor m;
  // One bug from two builds of the app: different chunk hash, line and event id.
  for (const auto& [id, build, line] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"c0ffee00c0ffee00c0ffee00c0ffee00", "4f3a9c1e", "40"},
           {"c0ffee00c0ffee00c0ffee00c0ffee01", "BxY3kq9a", "57"}}) {
    HttpResponse r = m.post(
        sentry_path(),
        fixture("error.envelope", {{"__EVENT_ID__", id}, {"__BUILD__", build}, {"__LINE__", line}}),
        {"Content-Type: text/plain;charset=UTF-8"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"id\":\"" + id + "\"}");
  }
  HttpResponse r = m.post(
      sentry_path(),
      fixture("transaction.envelope", {{"__EVENT_ID__", "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"}}), {});
  ASSERT_EQ(r.status, 200) << r.body;
  r = m.post(sentry_path(), fixture("inp-span.envelope", {}), {});
  ASSERT_EQ(r.status, 200) << r.body;

  json issues = m.api_json("/_edgewatch/api/issues?project=42");
  ASSERT_EQ(issues["items"].size(), 1u) << issues.dump();
  const json& issue = issues["items"][0];
  EXPECT_EQ(issue["title"], "TypeError: Cannot read properties of undefined (reading 'price')");
  EXPECT_EQ(issue["culprit"], "CartTotal(assets/index)");
  EXPECT_EQ(issue["count"], 2);
  EXPECT_EQ(issue["users"], 1);
  EXPECT_EQ(issue["sessions"], 1);
  EXPECT_EQ(issue["releases"], json({"shop@2.3.1"}));

  json vitals = m.api_json("/_edgewatch/api/vitals?release=shop@2.3.1");
  std::map<std::string, json> by_metric;
  for (const json& row : vitals["items"]) by_metric[row["metric"]] = row;
  ASSERT_EQ(by_metric.size(), 5u) << vitals.dump();
  EXPECT_EQ(by_metric["LCP"]["p75"], 1930.4);
  EXPECT_EQ(by_metric["LCP"]["page"], "/cart");
  EXPECT_EQ(by_metric["LCP"]["device"], "mobile");
  EXPECT_EQ(by_metric["INP"]["p75"], 232);
  EXPECT_EQ(by_metric["INP"]["needs_improvement"], 1.0);
  EXPECT_EQ(by_metric["CLS"]["good"], 1.0);
  json stats = m.api_json("/_edgewatch/api/ingest/stats");
  EXPECT_EQ(stats["sentry_items"]["client_report"], 1);
  EXPECT_EQ(stats["sentry_items"]["span"], 1);
}

// Captured from @sentry/browser 11 in Chromium: an uncaught TypeError from a click handler,
// reported twice (two event ids), is one issue.
TEST(Ingest, SentryErrorCapturedFromTheRealSdk) {
  Monitor m;
  for (const std::string id :
       {"5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e50", "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e51"}) {
    HttpResponse r = m.post(sentry_path(), fixture("error-sdk11.envelope", {{"__EVENT_ID__", id}}),
                            {"Content-Type: text/plain;charset=UTF-8"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"id\":\"" + id + "\"}");
  }
  json issues = m.api_json("/_edgewatch/api/issues?release=sentry-e2e@1.0.0");
  ASSERT_EQ(issues["items"].size(), 1u) << issues.dump();
  const json& issue = issues["items"][0];
  EXPECT_EQ(issue["title"], "TypeError: Cannot read properties of undefined (reading 'title')");
  EXPECT_EQ(issue["culprit"], "saveDraft(app)");
  EXPECT_EQ(issue["count"], 2);
}

// Captured from @sentry/browser 11 in Chromium (trimmed to four of its spans): the page load sent
// as one v2 span container, web vitals as span attributes, the LCP on a child span whose URL is
// its parent's.
TEST(Ingest, SentrySpanV2ContainerFeedsWebVitals) {
  Monitor m;
  HttpResponse r = m.post(sentry_path(), fixture("span-v2-pageload.envelope", {}),
                          {"Content-Type: text/plain;charset=UTF-8"});
  ASSERT_EQ(r.status, 200) << r.body;

  json vitals = m.api_json("/_edgewatch/api/vitals?release=shop@2.4.0");
  std::map<std::string, json> by_metric;
  for (const json& row : vitals["items"]) by_metric[row["metric"]] = row;
  ASSERT_EQ(by_metric.size(), 3u) << vitals.dump();  // LCP, FCP, TTFB (first paint is no vital)
  EXPECT_EQ(by_metric["LCP"]["p75"], 772);
  EXPECT_EQ(by_metric["LCP"]["page"], "/cart");
  EXPECT_EQ(by_metric["LCP"]["device"], "desktop");
  EXPECT_EQ(by_metric["FCP"]["p75"], 772);
  EXPECT_EQ(by_metric["FCP"]["page"], "/cart");
  EXPECT_NEAR(by_metric["TTFB"]["p75"].get<double>(), 75.6, 0.01);
  EXPECT_EQ(by_metric["TTFB"]["count"], 1);
  json stats = m.api_json("/_edgewatch/api/ingest/stats");
  EXPECT_EQ(stats["sentry_items"]["span"], 1);
}

TEST(Ingest, SentryTransactionsFeedWebVitals) {
  Monitor m;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string tx =
      "{\"type\":\"transaction\",\"transaction\":\"/checkout\",\"start_timestamp\":" +
      json(now - 2).dump() + ",\"timestamp\":" + json(now).dump() +
      ",\"release\":\"web@2.0.0\",\"environment\":\"production\",\"contexts\":{\"trace\":{"
      "\"op\":\"pageload\"}},\"measurements\":{\"lcp\":{\"value\":3100,\"unit\":\"millisecond\"},"
      "\"cls\":{\"value\":0.3,\"unit\":\"\"},\"fcp\":{\"value\":900,\"unit\":\"millisecond\"},"
      "\"ttfb\":{\"value\":0.2,\"unit\":\"second\"},\"fp\":{\"value\":850,\"unit\":"
      "\"millisecond\"}},\"spans\":[]}";
  HttpResponse r =
      m.post(sentry_path(),
             "{\"event_id\":\"aa23456789abcdef0123456789abcdef\",\"sent_at\":" + js(iso_now()) +
                 "}\n{\"type\":\"transaction\"}\n" + tx,
             {"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"});
  ASSERT_EQ(r.status, 200) << r.body;
  json vitals = m.api_json("/_edgewatch/api/vitals?release=web@2.0.0");
  std::map<std::string, json> by_metric;
  for (const json& row : vitals["items"]) by_metric[row["metric"]] = row;
  ASSERT_EQ(by_metric.size(), 4u) << vitals.dump();
  EXPECT_EQ(by_metric["LCP"]["p75"], 3100);
  EXPECT_EQ(by_metric["LCP"]["needs_improvement"], 1.0);
  EXPECT_EQ(by_metric["CLS"]["poor"], 1.0);
  EXPECT_EQ(by_metric["TTFB"]["p75"], 200);
  EXPECT_EQ(by_metric["FCP"]["page"], "/checkout");
  EXPECT_EQ(by_metric["FCP"]["device"], "desktop");
}

TEST(Ingest, SentryAuthCorsAndErrorsAnswerAsSentryDoes) {
  Monitor m;
  const std::string id = "2123456789abcdef0123456789abcdef";
  const std::string body =
      envelope(id, sentry_event(id, "Error", "boom", "run", "https://app.example/app.js", 1, "1"));
  HttpResponse r = m.post(sentry_path("wrong"), body, {});
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(body_of(r).contains("detail")) << r.body;
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  r = m.post("/_edgewatch/sentry/api/42/envelope/", body, {});
  EXPECT_EQ(r.status, 403);
  r = m.post("/_edgewatch/sentry/api/7/envelope/?sentry_key=" + std::string(kSentryKey), body, {});
  EXPECT_EQ(r.status, 403);
  // X-Sentry-Auth, as non-browser SDKs send it.
  r = m.post("/_edgewatch/sentry/api/42/envelope/", body,
             {"X-Sentry-Auth: Sentry sentry_version=7, sentry_client=raven/1, sentry_key=" +
              std::string(kSentryKey)});
  EXPECT_EQ(r.status, 200) << r.body;
  // Disagreeing sources are refused.
  r = m.post(sentry_path(), body, {"X-Sentry-Auth: Sentry sentry_key=other"});
  EXPECT_EQ(r.status, 403);
  // Malformed envelopes: 400 with a detail.
  r = m.post(sentry_path(), "{\"event_id\":\"not-hex\"}\n{\"type\":\"event\"}\n{}", {});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("event_id"), std::string::npos);
  r = m.post(sentry_path(), "{}\n{\"type\":\"event\",\"length\":500}\n{}", {});
  EXPECT_EQ(r.status, 400);
  r = m.post(sentry_path(), "{}\n{\"type\":\"event\"}\n{\"exception\":", {});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("at byte"), std::string::npos) << r.body;
  r = m.post(sentry_path(), "", {});
  EXPECT_EQ(r.status, 400);
  // Preflight.
  r = http(m.port(), "OPTIONS", "/_edgewatch/sentry/api/42/envelope/",
           {"Origin: https://app.example", "Access-Control-Request-Method: POST",
            "Access-Control-Request-Headers: content-type"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  EXPECT_NE(r.header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_NE(r.header("access-control-allow-headers").find("content-type"), std::string::npos);
  EXPECT_EQ(r.header("access-control-max-age"), "3600");
  // The legacy store endpoint takes one event.
  const std::string id3 = "3123456789abcdef0123456789abcdef";
  r = m.post("/_edgewatch/sentry/api/42/store/?sentry_key=" + std::string(kSentryKey),
             sentry_event(id3, "Error", "stored", "run", "https://app.example/app.js", 1, "1"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"id\":\"" + id3 + "\"}");
}

TEST(Ingest, SentryKeyRateLimitAnswers429WithRateLimitHeaders) {
  Monitor m("[sentry]\nrate_per_key = 0.1\nburst_per_key = 1\n");
  const std::string body = "{}\n{\"type\":\"session\"}\n{}";
  ASSERT_EQ(m.post(sentry_path(), body, {}).status, 200);
  HttpResponse r = m.post(sentry_path(), body, {});
  ASSERT_EQ(r.status, 429) << r.body;
  // One token per ten seconds: the next one is at most ten seconds away.
  const int retry = std::stoi(r.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 10);
  EXPECT_EQ(r.header("x-sentry-rate-limits"), std::to_string(retry) + "::key:edgewatch_rate_limit");
  EXPECT_EQ(r.header("access-control-allow-origin"), "*");
  EXPECT_NE(r.header("access-control-expose-headers").find("x-sentry-rate-limits"),
            std::string::npos);
}

TEST(Ingest, WebVitalsP75AndSharesMatchAnIndependentComputation) {
  Monitor m;
  std::vector<double> lcp;
  std::string batch = "[";
  for (int i = 0; i < 40; ++i) {
    const double v = 900 + ((i * 37) % 41) * 131.5;  // spread over all three ratings
    lcp.push_back(v);
    if (i) batch += ",";
    batch += seed_metric_body("web_vitals.LCP", v, "\"id\":\"v3-" + std::to_string(i) + "\"",
                              "session-" + std::to_string(i));
  }
  batch += "]";
  HttpResponse r =
      m.post("/api/monitoring/metrics", batch,
             {"Content-Type: application/json", "Referer: http://localhost/products/123",
              "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["accepted"], 40);
  std::sort(lcp.begin(), lcp.end());
  const double p75 = lcp[static_cast<std::size_t>(std::ceil(0.75 * lcp.size())) - 1];
  const double good = std::count_if(lcp.begin(), lcp.end(), [](double v) { return v <= 2500; });
  const double poor = std::count_if(lcp.begin(), lcp.end(), [](double v) { return v > 4000; });
  json vitals = m.api_json("/_edgewatch/api/vitals?metric=lcp&page=/products/:id&device=desktop");
  ASSERT_EQ(vitals["items"].size(), 1u) << vitals.dump();
  const json& row = vitals["items"][0];
  EXPECT_EQ(row["count"], 40);
  EXPECT_DOUBLE_EQ(row["p75"].get<double>(), p75);
  EXPECT_DOUBLE_EQ(row["good"].get<double>(), good / 40);
  EXPECT_DOUBLE_EQ(row["poor"].get<double>(), poor / 40);
  EXPECT_DOUBLE_EQ(row["needs_improvement"].get<double>(), (40 - good - poor) / 40);
  EXPECT_GT(good, 0);
  EXPECT_GT(poor, 0);
}

TEST(Ingest, IssueLifecyclePaginationAndRegression) {
  Monitor m;
  for (int k = 0; k < 3; ++k) {
    const std::string stack = "Error: e" + std::to_string(k) + "\n    at fn" + std::to_string(k) +
                              " (http://localhost/app.js:1:1)";
    for (int n = 0; n <= k; ++n) {
      ASSERT_EQ(
          m.post("/api/monitoring/errors", seed_error_body("e" + std::to_string(k), stack, kSession,
                                                           "", "{\"version\":\"1.0.0\"}"))
              .status,
          200);
    }
  }
  json first = m.api_json("/_edgewatch/api/issues?sort=count&limit=2");
  ASSERT_EQ(first["items"].size(), 2u);
  EXPECT_EQ(first["items"][0]["count"], 3);
  ASSERT_TRUE(first["next_cursor"].is_string());
  json second = m.api_json("/_edgewatch/api/issues?sort=count&limit=2&cursor=" +
                           first["next_cursor"].get<std::string>());
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["count"], 1);
  EXPECT_TRUE(second["next_cursor"].is_null());

  const int id = first["items"][0]["id"];
  const std::string path = "/_edgewatch/api/issues/" + std::to_string(id);
  const std::string auth = std::string("Authorization: Bearer ") + kToken;
  HttpResponse r = http(m.port(), "PATCH", path, {auth}, "{\"status\":\"resolved\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["status"], "resolved");
  EXPECT_EQ(m.api_json("/_edgewatch/api/issues?status=resolved")["items"].size(), 1u);
  EXPECT_EQ(m.api_json("/_edgewatch/api/issues?status=unresolved")["items"].size(), 2u);
  // The dashboard's All tab: every status.
  EXPECT_EQ(m.api_json("/_edgewatch/api/issues?status=all")["items"].size(), 3u);
  HttpResponse bad_status = m.api("/_edgewatch/api/issues?status=gone");
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_NE(bad_status.body.find("status:"), std::string::npos) << bad_status.body;
  // Seen again in a release that appeared after the resolution: a regression.
  const std::string stack = "Error: e2\n    at fn2 (http://localhost/app.js:1:1)";
  ASSERT_EQ(m.post("/api/monitoring/errors",
                   seed_error_body("e2", stack, kSession, "", "{\"version\":\"1.1.0\"}"))
                .status,
            200);
  json issue = m.api_json(path);
  EXPECT_EQ(issue["status"], "unresolved");
  EXPECT_EQ(issue["regressed"], true);
  EXPECT_EQ(issue["regressions"], 1);
  EXPECT_EQ(issue["count"], 4);
  EXPECT_EQ(m.api_json("/_edgewatch/api/issues?release=1.1.0")["items"].size(), 1u);

  EXPECT_EQ(http(m.port(), "PATCH", path, {auth}, "{\"status\":\"gone\"}").status, 400);
  EXPECT_EQ(
      http(m.port(), "PATCH", "/_edgewatch/api/issues/9999", {auth}, "{\"status\":\"ignored\"}")
          .status,
      404);
  EXPECT_EQ(m.api("/_edgewatch/api/issues/9999").status, 404);
  EXPECT_EQ(m.api("/_edgewatch/api/issues?sort=random").status, 400);
  EXPECT_EQ(m.api("/_edgewatch/api/issues?cursor=zzz").status, 400);
}

TEST(Ingest, QueryApiNeedsTheBearerToken) {
  Monitor m;
  ASSERT_EQ(
      m.post("/api/monitoring/errors", seed_error_body("secret", "Error: secret", kSession, ""))
          .status,
      200);
  int client = 10;
  for (const std::string path :
       {"/_edgewatch/api/issues", "/_edgewatch/api/issues/1", "/_edgewatch/api/issues/1/events",
        "/_edgewatch/api/vitals", "/_edgewatch/api/metrics", "/_edgewatch/api/events",
        "/_edgewatch/api/ingest/stats"}) {
    // Each path from its own address: wrong bearer tokens are throttled per address (10 a
    // minute), which hold_under_attack_test.cpp's AdminTokenThrottle tests.
    const std::string source = "127.0.0." + std::to_string(client++);
    for (const std::vector<std::string>& headers : std::vector<std::vector<std::string>>{
             {},
             {"Authorization: Bearer wrong"},
             {"Authorization: Basic dGVzdA=="},
             {std::string("Authorization: Bearer ") + kToken + "x"}}) {
      HttpResponse r = http_as_client(source, m.port(), "GET", path, headers);
      EXPECT_EQ(r.status, 401) << path;
      EXPECT_EQ(r.body.find("secret"), std::string::npos);
      EXPECT_EQ(r.body.find("items"), std::string::npos);
      EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"edgewatch\"");
    }
  }
  EXPECT_EQ(
      http(m.port(), "PATCH", "/_edgewatch/api/issues/1", {}, "{\"status\":\"resolved\"}").status,
      401);
  EXPECT_EQ(m.api("/_edgewatch/api/issues").status, 200);
}

TEST(Ingest, QueryApiWithoutAConfiguredTokenIsClosed) {
  const std::string dir = make_temp_dir();
  write_file(dir + "/e.toml", "[storage]\npath = \"" + dir + "/m.db\"\n");
  ServerProcess server({"--config", dir + "/e.toml"});
  EXPECT_EQ(http(server.port(), "GET", "/_edgewatch/api/issues").status, 401);
  EXPECT_EQ(http(server.port(), "GET", "/_edgewatch/api/issues", {"Authorization: Bearer "}).status,
            401);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ew::test
