// The Prometheus exposition writer, the collector registry and the server's traffic counters.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "metrics/collectors.h"
#include "telemetry/prometheus.h"
#include "telemetry/registry.h"
#include "telemetry/traffic_stats.h"

namespace ew::telemetry {
namespace {

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value(R"(a"b\c)"
                               "\n"
                               "d"),
            R"(a\"b\\c\nd)");
  EXPECT_EQ(escape_help("line\\one\ntwo \"quoted\""), "line\\\\one\\ntwo \"quoted\"");
}

TEST(Prometheus, FormatsValues) {
  EXPECT_EQ(format_value(1), "1");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
  EXPECT_EQ(format_value(12345678901234.0), "12345678901234");
}

TEST(Prometheus, ValidatesNames) {
  EXPECT_TRUE(valid_metric_name("edgewatch_http_requests_total"));
  EXPECT_TRUE(valid_metric_name("a:b_c"));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("route"));
  EXPECT_FALSE(valid_label_name("__reserved"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

TEST(Prometheus, WritesFamiliesTogetherWhateverTheOrderOfContributions) {
  MetricWriter w;
  w.counter("x_total", "X things");
  w.sample({{"k", "a"}}, 1);
  w.gauge("y", "Y now");
  w.sample({}, 2);
  w.counter("x_total", "X things");
  w.sample({{"k", "b\"q"}}, 3);
  EXPECT_EQ(w.text(),
            "# HELP x_total X things\n# TYPE x_total counter\nx_total{k=\"a\"} 1\n"
            "x_total{k=\"b\\\"q\"} 3\n# HELP y Y now\n# TYPE y gauge\ny 2\n");
  EXPECT_TRUE(w.errors().empty());
}

TEST(Prometheus, RefusesMalformedFamilies) {
  MetricWriter w;
  w.counter("requests", "a counter without _total");
  w.sample({}, 1);
  w.gauge("bad-name", "");
  w.sample({}, 1);
  w.gauge("ok", "fine");
  w.sample({{"bad:label", "v"}, {"good", "v"}}, 1);
  w.counter("ok", "same name, another type");
  EXPECT_EQ(w.errors().size(), 4u);
  EXPECT_EQ(w.text().find("requests"), std::string::npos);
  EXPECT_EQ(w.text().find("bad-name"), std::string::npos);
}

TEST(Prometheus, WritesHistograms) {
  MetricWriter w;
  w.histogram("d_seconds", "Durations");
  std::vector<double> bounds{0.1, 1};
  std::vector<std::uint64_t> cumulative{1, 3, 4};
  w.observe({{"route", "r"}}, bounds, cumulative, 2.5);
  EXPECT_EQ(w.text(),
            "# HELP d_seconds Durations\n# TYPE d_seconds histogram\n"
            "d_seconds_bucket{route=\"r\",le=\"0.1\"} 1\n"
            "d_seconds_bucket{route=\"r\",le=\"1\"} 3\n"
            "d_seconds_bucket{route=\"r\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{route=\"r\"} 2.5\nd_seconds_count{route=\"r\"} 4\n");
}

TEST(MetricsRegistry, RunsCollectorsAndCountsFailures) {
  MetricsRegistry registry;
  registry.add("a", [](MetricWriter& w) {
    w.gauge("a_value", "A");
    w.sample({}, 1);
  });
  registry.add("boom", [](MetricWriter&) { throw std::runtime_error("broken collector"); });
  registry.add("a", [](MetricWriter& w) {  // replaces the first "a"
    w.gauge("a_value", "A");
    w.sample({}, 2);
  });
  std::string text = registry.scrape();
  EXPECT_NE(text.find("a_value 2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("a_value 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edgewatch_metrics_collector_errors_total 1\n"), std::string::npos);
  registry.remove("boom");
  EXPECT_NE(registry.scrape().find("edgewatch_metrics_collector_errors_total 1\n"),
            std::string::npos);
  EXPECT_EQ(registry.names(), std::vector<std::string>{"a"});
}

TEST(TrafficStats, CountsByRouteAndStatusClass) {
  TrafficStats stats;
  stats.record("static", false, 200, std::chrono::microseconds(300));
  stats.record("static", false, 304, std::chrono::milliseconds(2));
  stats.record("static", false, 404, std::chrono::seconds(20));
  stats.record("/api/", false, 502, std::chrono::milliseconds(30));
  stats.record("/api/", false, 0, std::chrono::milliseconds(1));  // no status: counted as 5xx
  auto routes = stats.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].name, "/api/");
  EXPECT_EQ(routes[0].by_class[4], 2u);
  EXPECT_EQ(routes[1].name, "static");
  EXPECT_EQ(routes[1].by_class[1], 1u);
  EXPECT_EQ(routes[1].by_class[2], 1u);
  EXPECT_EQ(routes[1].by_class[3], 1u);
  EXPECT_EQ(routes[1].count, 3u);
  EXPECT_EQ(routes[1].buckets[0], 1u);         // <= 0.5 ms
  EXPECT_EQ(routes[1].buckets[3], 2u);         // <= 5 ms, cumulative
  EXPECT_EQ(routes[1].buckets.end()[-2], 2u);  // <= 10 s
  EXPECT_EQ(routes[1].buckets.back(), 3u);     // +Inf
  EXPECT_NEAR(routes[1].sum_seconds, 20.0023, 1e-6);
}

TEST(TrafficStats, ConnectionsAndInFlight) {
  TrafficStats stats;
  stats.connection_opened();
  stats.connection_opened();
  stats.connection_closed();
  stats.request_started();
  EXPECT_EQ(stats.open_connections(), 1u);
  EXPECT_EQ(stats.connections_total(), 2u);
  EXPECT_EQ(stats.in_flight(), 1);
  stats.request_finished();
  EXPECT_EQ(stats.in_flight(), 0);
}

TEST(TrafficStats, RouteNamesBeyondTheLimitShareOneEntry) {
  TrafficStats stats;
  for (std::size_t i = 0; i < TrafficStats::kMaxRoutes + 10; ++i) {
    stats.record("route" + std::to_string(i), false, 200, std::chrono::milliseconds(1));
  }
  auto routes = stats.routes();
  EXPECT_EQ(routes.size(), TrafficStats::kMaxRoutes + 1);
  std::uint64_t overflow = 0;
  for (const auto& r : routes) {
    if (r.name == TrafficStats::kOverflowRoute) overflow = r.count;
  }
  EXPECT_EQ(overflow, 10u);
}

TEST(TrafficStats, ConcurrentRecordingLosesNothing) {
  TrafficStats stats;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < 10'000; ++i) {
        stats.record(t % 2 ? "a" : "b", false, 200, std::chrono::microseconds(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::uint64_t total = 0;
  for (const auto& r : stats.routes()) total += r.count;
  EXPECT_EQ(total, 80'000u);
}

TEST(MetricsCollectors, TrafficExpositionPassesPromtool) {
  TrafficStats stats;
  stats.record("static", false, 200, std::chrono::milliseconds(3));
  stats.record("with \"quote\"", false, 500, std::chrono::milliseconds(3));
  MetricWriter w;
  metrics::write_build_info(w, {"1.2.3", "abcdef", "2024-01-01T00:00:00Z"}, 1700000000.5);
  metrics::write_traffic(w, stats);
  std::string text = w.text();
  EXPECT_NE(text.find("edgewatch_http_requests_total{route=\"static\",code=\"2xx\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("edgewatch_build_info{version=\"1.2.3\",commit=\"abcdef\""),
            std::string::npos);
  if (std::FILE* f = std::fopen("/usr/bin/promtool", "r")) {
    std::fclose(f);
    std::string path = testing::TempDir() + "/exposition-" + std::to_string(::getpid()) + ".txt";
    std::ofstream(path) << text;
    EXPECT_EQ(std::system(("/usr/bin/promtool check metrics < " + path + " > /dev/null").c_str()),
              0)
        << text;
  }
}

}  // namespace
}  // namespace ew::telemetry
