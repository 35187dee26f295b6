// Health history: transitions, uptime over windows, gaps, persistence and its limits.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "health/health_json.h"
#include "health/history.h"

namespace ew::health {
namespace {

using health::HealthStatus;
constexpr std::int64_t kT0 = 1'700'000'000'000;  // an arbitrary start, ms
constexpr std::int64_t kMin = 60'000;

std::vector<health::ServiceHealth> round(HealthStatus api,
                                         HealthStatus storage = HealthStatus::kHealthy) {
  health::ServiceHealth a;
  a.service = "api";
  a.status = api;
  a.details = api == HealthStatus::kHealthy ? "" : "connection refused";
  health::ServiceHealth s;
  s.service = "storage";
  s.status = storage;
  return {a, s};
}

HealthHistory::Options options(std::string file = "") {
  HealthHistory::Options o;
  o.file = std::move(file);
  o.gap_ms = 2 * kMin;
  o.checkpoint_ms = 10 * kMin;
  return o;
}

const ServiceHistory* find(const std::vector<ServiceHistory>& all, const std::string& name) {
  for (const auto& h : all) {
    if (h.service == name) return &h;
  }
  return nullptr;
}

std::string temp_file(const std::string& name) {
  std::string path = testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
  std::remove(path.c_str());
  return path;
}

TEST(HealthHistory, RecordsTransitionsOnlyOnChange) {
  HealthHistory h(options());
  EXPECT_EQ(h.observe(round(HealthStatus::kHealthy), kT0).size(), 2u);  // first observation
  EXPECT_TRUE(h.observe(round(HealthStatus::kHealthy), kT0 + kMin).empty());
  auto changes = h.observe(round(HealthStatus::kUnhealthy), kT0 + 2 * kMin);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].service, "api");
  EXPECT_EQ(changes[0].from, HealthStatus::kHealthy);
  EXPECT_EQ(changes[0].to, HealthStatus::kUnhealthy);
  EXPECT_EQ(changes[0].details, "connection refused");
  EXPECT_EQ(h.transition_count("api"), 2u);
  EXPECT_EQ(h.transitions(10).front().to, HealthStatus::kUnhealthy);  // newest first
}

TEST(HealthHistory, UptimeCountsDegradedAsUpAndGapsAsUnobserved) {
  HealthHistory h(options());
  // 0..60 min healthy, 60..75 unhealthy, 75..90 degraded, then silence, then 2 healthy min.
  std::int64_t t = kT0;
  for (; t <= kT0 + 60 * kMin; t += kMin) h.observe(round(HealthStatus::kHealthy), t);
  for (; t <= kT0 + 75 * kMin; t += kMin) h.observe(round(HealthStatus::kUnhealthy), t);
  for (; t <= kT0 + 90 * kMin; t += kMin) h.observe(round(HealthStatus::kDegraded), t);
  std::int64_t back = kT0 + 200 * kMin;  // edgewatch was not running in between
  h.observe(round(HealthStatus::kHealthy), back);
  h.observe(round(HealthStatus::kHealthy), back + 2 * kMin);
  auto all = h.summary(back + 2 * kMin);
  const ServiceHistory* api = find(all, "api");
  ASSERT_NE(api, nullptr);
  ASSERT_EQ(api->windows.size(), 3u);
  const Uptime& day = api->windows[0];
  // A segment lasts until the next status is seen: healthy 0..61, unhealthy 61..76, degraded
  // 76..90 (then nothing was observed until 200), healthy 200..202.
  EXPECT_EQ(day.observed_ms, (61 + 15 + 14 + 2) * kMin);
  EXPECT_EQ(day.up_ms, (61 + 14 + 2) * kMin);
  EXPECT_EQ(day.healthy_ms, (61 + 2) * kMin);
  EXPECT_NEAR(*day.percent(), 100.0 * 77 / 92, 1e-9);
  EXPECT_EQ(api->current, HealthStatus::kHealthy);
  EXPECT_EQ(api->since_ms, back);
}

TEST(HealthHistory, WindowsCutOldTime) {
  HealthHistory h(options());
  std::int64_t day = HealthHistory::kDay;
  // Unhealthy 3 days ago for an hour, healthy for the last hour.
  h.observe(round(HealthStatus::kUnhealthy), kT0);
  h.observe(round(HealthStatus::kUnhealthy), kT0 + kMin);
  std::int64_t now = kT0 + 3 * day;
  h.observe(round(HealthStatus::kHealthy), now - kMin);
  h.observe(round(HealthStatus::kHealthy), now);
  auto all = h.summary(now);
  const ServiceHistory* api = find(all, "api");
  EXPECT_EQ(*api->windows[0].percent(), 100.0);  // 24 h
  EXPECT_EQ(*api->windows[1].percent(), 50.0);   // 7 d: 1 min down, 1 min up
  EXPECT_FALSE(Uptime{}.percent());
}

TEST(HealthHistory, PersistsAcrossRestartsAndCompacts) {
  std::string file = temp_file("health-history.jsonl");
  {
    HealthHistory h(options(file));
    ASSERT_FALSE(h.load(kT0));
    for (int i = 0; i <= 30; ++i) h.observe(round(HealthStatus::kHealthy), kT0 + i * kMin);
    h.observe(round(HealthStatus::kUnhealthy), kT0 + 31 * kMin);
    h.observe(round(HealthStatus::kUnhealthy), kT0 + 32 * kMin);
    h.flush(kT0 + 32 * kMin);
  }
  std::int64_t now = kT0 + 40 * kMin;
  HealthHistory again(options(file));
  EXPECT_FALSE(again.load(now));
  auto all = again.summary(now);
  const ServiceHistory* api = find(all, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_FALSE(api->current);  // nothing observed since the restart
  EXPECT_EQ(api->windows[0].observed_ms, 32 * kMin);
  EXPECT_EQ(api->windows[0].up_ms, 31 * kMin);
  EXPECT_EQ(again.transitions(10).size(), 3u);  // api and storage first seen, api down
  // Unchanged status after the restart is no transition.
  EXPECT_TRUE(again.observe(round(HealthStatus::kUnhealthy), now).empty());

  // The compacted file holds merged segments: one per status run, not one per checkpoint.
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::size_t segments = 0;
  for (std::size_t at = 0; (at = text.str().find("\"segment\"", at)) != std::string::npos; ++at) {
    ++segments;
  }
  EXPECT_EQ(segments, 3u);  // api healthy, api unhealthy, storage healthy
}

TEST(HealthHistory, DropsWhatIsOlderThanThirtyDaysAndSkipsTornLines) {
  std::string file = temp_file("health-old.jsonl");
  {
    HealthHistory h(options(file));
    h.load(kT0);
    h.observe(round(HealthStatus::kHealthy), kT0);
    h.observe(round(HealthStatus::kHealthy), kT0 + kMin);
    h.flush(kT0 + kMin);
  }
  std::ofstream(file, std::ios::app) << "{\"type\":\"segment\",\"serv";  // a crash mid-write
  HealthHistory later(options(file));
  auto problem = later.load(kT0 + 31 * HealthHistory::kDay);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("1 unreadable line"), std::string::npos);
  EXPECT_EQ(find(later.summary(kT0 + 31 * HealthHistory::kDay), "api"), nullptr);
  EXPECT_TRUE(later.transitions(10).empty());
}

TEST(HealthHistory, KeepsAtMostMaxTransitions) {
  auto o = options();
  o.max_transitions = 5;
  HealthHistory h(o);
  for (int i = 0; i < 20; ++i) {
    h.observe(round(i % 2 ? HealthStatus::kHealthy : HealthStatus::kUnhealthy), kT0 + i * kMin);
  }
  EXPECT_EQ(h.transitions(100).size(), 5u);
  EXPECT_EQ(h.transition_count("api"), 20u);  // counted even when no longer listed
}

TEST(HealthHistory, UnwritableFileFallsBackToMemory) {
  HealthHistory h(options("/nonexistent-dir/history.jsonl"));
  auto problem = h.load(kT0);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("memory only"), std::string::npos);
  EXPECT_EQ(h.observe(round(HealthStatus::kHealthy), kT0).size(), 2u);
}

TEST(HealthJson, SystemHealthHasTheSeedShape) {
  health::HealthReport r;
  r.overall = HealthStatus::kDegraded;
  r.version = "1.0.0";
  r.uptime_ms = 1234;
  r.timestamp_ms = kT0;
  health::ServiceHealth s;
  s.service = "storage";
  s.status = HealthStatus::kDegraded;
  s.response_ms = 1.23456;
  s.details = "slow";
  s.timestamp_ms = kT0;
  r.services = {s};
  EXPECT_EQ(system_health_json(r),
            "{\"overall\":\"degraded\",\"services\":[{\"details\":\"slow\",\"responseTime\":1.235,"
            "\"service\":\"storage\",\"status\":\"degraded\",\"timestamp\":"
            "\"2023-11-14T22:13:20.000Z\"}],\"timestamp\":\"2023-11-14T22:13:20.000Z\","
            "\"uptime\":1234,\"version\":\"1.0.0\"}\n");
}

TEST(HealthJson, HistoryListsUptimePerWindow) {
  HealthHistory h(options());
  h.observe(round(HealthStatus::kHealthy), kT0);
  h.observe(round(HealthStatus::kUnhealthy), kT0 + kMin);
  h.observe(round(HealthStatus::kUnhealthy), kT0 + 2 * kMin);
  std::string json = history_json(h, kT0 + 2 * kMin, 2);
  EXPECT_NE(json.find("\"uptime\":{\"24h\":50.0,\"30d\":50.0,\"7d\":50.0}"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"from\":\"healthy\",\"service\":\"api\",\"to\":\"unhealthy\""),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace ew::health
