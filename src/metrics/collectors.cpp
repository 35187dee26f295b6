#include "metrics/collectors.h"

#include <chrono>
#include <vector>

#include "proxy/proxy.h"

namespace ew::metrics {
namespace {

using telemetry::Label;

constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

template <class Hist>
void write_histogram(telemetry::MetricWriter& w, const std::vector<Label>& labels, const Hist& h) {
  auto counts = h.counts();  // per bucket, last = +Inf
  std::vector<std::uint64_t> cumulative(counts.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) cumulative[i] = running += counts[i];
  w.observe(labels, Hist::kBounds, cumulative, h.sum());
}

}  // namespace

void write_build_info(telemetry::MetricWriter& w, const BuildInfo& info,
                      double start_time_seconds) {
  w.gauge("edgewatch_build_info", "Always 1; the labels say which build is running");
  w.sample({{"version", info.version}, {"commit", info.commit}, {"build_date", info.build_date}},
           1);
  w.gauge("edgewatch_start_time_seconds", "When the process started, in seconds since the epoch");
  w.sample({}, start_time_seconds);
}

void write_traffic(telemetry::MetricWriter& w, const telemetry::TrafficStats& stats) {
  auto routes = stats.routes();
  w.counter("edgewatch_http_requests_total",
            "HTTP requests answered, by route name and status class");
  for (const auto& r : routes) {
    for (std::size_t i = 0; i < r.by_class.size(); ++i) {
      w.sample({{"route", r.name}, {"code", kClasses[i]}}, static_cast<double>(r.by_class[i]));
    }
  }
  w.histogram("edgewatch_http_request_duration_seconds",
              "Time from the start of a request to its answer (whole stream for streamed routes)");
  for (const auto& r : routes) {
    w.observe({{"route", r.name}}, telemetry::TrafficStats::kBounds, r.buckets, r.sum_seconds);
  }
  w.gauge("edgewatch_http_requests_in_flight", "Requests being handled now");
  w.sample({}, static_cast<double>(stats.in_flight()));
  w.gauge("edgewatch_http_open_connections", "Client connections open now");
  w.sample({}, static_cast<double>(stats.open_connections()));
  w.counter("edgewatch_http_connections_total", "Client connections accepted");
  w.sample({}, static_cast<double>(stats.connections_total()));
}

void write_upstreams(telemetry::MetricWriter& w, const proxy::ProxyRegistry& registry) {
  auto upstreams = proxy::upstreams_of(registry);
  auto now = proxy::Clock::now();
  auto labels = [](const proxy::UpstreamRef& ref) {
    return std::vector<Label>{{"route", ref.route}, {"upstream", ref.upstream->url()}};
  };
  w.gauge("edgewatch_upstream_up",
          "1 when the upstream passes its active health checks and its circuit is not open");
  for (const auto& ref : upstreams) {
    bool up = ref.upstream->healthy() && ref.upstream->circuit(now) != proxy::CircuitState::kOpen;
    w.sample(labels(ref), up ? 1 : 0);
  }
  w.gauge("edgewatch_upstream_circuit_state", "Circuit breaker state: 1 for the current one");
  for (const auto& ref : upstreams) {
    auto current = ref.upstream->circuit(now);
    for (auto state : {proxy::CircuitState::kClosed, proxy::CircuitState::kOpen,
                       proxy::CircuitState::kHalfOpen}) {
      auto l = labels(ref);
      l.emplace_back("state", proxy::to_string(state));
      w.sample(l, state == current ? 1 : 0);
    }
  }
  struct Counter {
    const char* name;
    const char* help;
    std::atomic<std::uint64_t> proxy::UpstreamStats::*field;
  };
  static constexpr Counter kCounters[] = {
      {"edgewatch_upstream_requests_total", "Attempts sent to the upstream (retries included)",
       &proxy::UpstreamStats::requests},
      {"edgewatch_upstream_failures_total",
       "Attempts that failed: connect errors, resets, timeouts, 5xx",
       &proxy::UpstreamStats::failures},
      {"edgewatch_upstream_retries_total", "Attempts that were retries of an earlier failure",
       &proxy::UpstreamStats::retries},
      {"edgewatch_upstream_client_aborts_total",
       "Requests or streams the client abandoned before the end",
       &proxy::UpstreamStats::client_aborts},
      {"edgewatch_upstream_sent_bytes_total", "Request bytes sent to the upstream",
       &proxy::UpstreamStats::bytes_to_upstream},
      {"edgewatch_upstream_received_bytes_total", "Response bytes received from the upstream",
       &proxy::UpstreamStats::bytes_from_upstream},
  };
  for (const auto& c : kCounters) {
    w.counter(c.name, c.help);
    for (const auto& ref : upstreams) {
      w.sample(labels(ref), static_cast<double>((ref.upstream->stats.*c.field).load()));
    }
  }
  w.counter("edgewatch_upstream_responses_total", "Upstream responses by status class");
  for (const auto& ref : upstreams) {
    for (std::size_t i = 0; i < 5; ++i) {
      auto l = labels(ref);
      l.emplace_back("code", kClasses[i]);
      w.sample(l, static_cast<double>(ref.upstream->stats.responses_by_class[i].load()));
    }
  }
  w.gauge("edgewatch_upstream_open_streams", "Streamed responses (SSE and others) open now");
  for (const auto& ref : upstreams) {
    w.sample(labels(ref), static_cast<double>(ref.upstream->stats.open_streams.load()));
  }
  w.gauge("edgewatch_upstream_open_websockets", "WebSocket tunnels open now");
  for (const auto& ref : upstreams) {
    w.sample(labels(ref), static_cast<double>(ref.upstream->stats.open_websockets.load()));
  }
  w.gauge("edgewatch_upstream_active_requests", "Requests in progress on the upstream now");
  for (const auto& ref : upstreams) {
    w.sample(labels(ref), static_cast<double>(ref.upstream->active()));
  }
  w.histogram("edgewatch_upstream_time_to_first_byte_seconds",
              "Time from sending a request to the first response byte");
  for (const auto& ref : upstreams) {
    write_histogram(w, labels(ref), ref.upstream->stats.time_to_first_byte);
  }
  w.histogram("edgewatch_upstream_stream_duration_seconds",
              "Length of streamed responses and WebSocket sessions");
  for (const auto& ref : upstreams) {
    write_histogram(w, labels(ref), ref.upstream->stats.stream_duration);
  }
}

}  // namespace ew::metrics
