// From accepted payloads to what is stored: the seed's errors, metrics and events and Sentry's
// events, each turned into storage records as the ingestion routes do. The first byte picks the
// payload kind. Every text field stored is valid UTF-8 and every JSON field is valid JSON, since
// the dashboard and the query API send them on as JSON; issue keys and titles are well-formed.
#include <cmath>

#include "check.h"
#include "ingest/process.h"
#include "ingest/sentry.h"
#include "ingest/text.h"
#include "json_check.h"

using namespace ew::ingest;

namespace {

constexpr TimeMs kNow = 1'767'225'600'000;

bool utf8(std::string_view text) {
  return !find_invalid_utf8(text);
}

void check_client(const ew::storage::ClientInfo& c) {
  FUZZ_CHECK(utf8(c.release) && utf8(c.environment) && utf8(c.page));
}

void check_error(const ew::storage::ErrorRecord& r) {
  FUZZ_CHECK(r.fingerprint.size() == 32 && r.event_id.size() == 32);
  FUZZ_CHECK(r.title.size() <= 200 && r.culprit.size() <= 200);
  FUZZ_CHECK(utf8(r.title) && utf8(r.culprit) && utf8(r.type) && utf8(r.message));
  FUZZ_CHECK(utf8(r.level) && utf8(r.session) && utf8(r.user));
  FUZZ_CHECK(r.detail_json.empty() || ew::fuzz::valid_json(r.detail_json));
  check_client(r.client);
}

RequestInfo request_info() {
  RequestInfo info;
  info.received = kNow;
  info.ua = parse_user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0 Safari/537.36");
  info.page = "/chat";
  return info;
}

void seed_payloads(int kind, std::string_view body) {
  SeedLimits limits;
  limits.max_items = 8;
  const RequestInfo info = request_info();
  std::string reason;
  if (kind == 0) {
    std::vector<SeedError> errors;
    parse_seed_errors(body, limits, errors);
    for (SeedError& e : errors) {
      auto ts = settle_timestamp(e.timestamp, kNow, reason);
      if (ts) check_error(seed_error_record(std::move(e), *ts, info));
    }
  } else if (kind == 1) {
    std::vector<SeedMetric> metrics;
    parse_seed_metrics(body, limits, metrics);
    for (const SeedMetric& m : metrics) {
      ew::storage::VitalRecord vital;
      if (seed_vital(m, kNow, info, vital, reason) == VitalCheck::kNotVital) {
        ew::storage::MetricRecord summary = metric_summary(m, kNow, info);
        FUZZ_CHECK(summary.name.size() <= 200 && utf8(summary.name) && utf8(summary.tags));
        FUZZ_CHECK(utf8(summary.unit) && utf8(summary.release) && utf8(summary.environment));
      }
    }
  } else {
    std::vector<SeedEvent> events;
    parse_seed_events(body, limits, events);
    for (SeedEvent& e : events) {
      ew::storage::AnalyticsRecord r = analytics_record(std::move(e), kNow, info);
      FUZZ_CHECK(utf8(r.name) && utf8(r.session) && utf8(r.user));
      FUZZ_CHECK(ew::fuzz::valid_json(r.properties_json));
      check_client(r.client);
    }
  }
}

void sentry_payload(std::string_view payload) {
  SentryLimits limits;
  SentryEvent event;
  std::string error;
  if (parse_sentry_event(payload, limits, event, error)) {
    check_error(sentry_error_record(std::move(event), 1, "", kNow, request_info()));
  }
  SentryPerformance performance;
  if (parse_sentry_performance(payload, limits, performance, error)) {
    std::vector<ew::storage::VitalRecord> vitals;
    std::size_t rejected = 0;
    sentry_vitals(performance, kNow, request_info(), vitals, rejected);
    for (const auto& v : vitals) {
      FUZZ_CHECK(std::isfinite(v.value) && v.value >= 0);
      check_client(v.client);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body = ew::fuzz::as_text(data + 1, size - 1);
  int kind = data[0] % 4;
  if (kind < 3) {
    seed_payloads(kind, body);
  } else {
    sentry_payload(body);
  }
  return 0;
}
