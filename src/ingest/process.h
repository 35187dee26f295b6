// From parsed payloads to storage records: timestamps settled, user agent reduced to families,
// pages normalized, errors grouped, metrics sorted into web vitals and summaries. No JSON parsing
// and no I/O here, so every rule is unit-testable.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ingest/grouping.h"
#include "ingest/seed.h"
#include "ingest/useragent.h"
#include "storage/storage.h"

namespace ew::ingest {

using storage::TimeMs;

// What the HTTP request itself tells about its sender.
struct RequestInfo {
  TimeMs received = 0;
  UserAgentInfo ua;
  std::string page;  // normalized path of the Referer, "" when none
};

// The timestamp rules: more than 365 days away from the receive time is absurd and rejected;
// more than 5 minutes ahead (a wrong client clock) or older than 30 days is replaced by the
// receive time; anything else is kept. No timestamp means the receive time.
std::optional<TimeMs> settle_timestamp(std::optional<TimeMs> ts, TimeMs received,
                                       std::string& reason);

// Web-vital values: finite, not negative, at most 10 minutes (CLS at most 100).
bool check_vital_value(std::string_view metric, double value, std::string& reason);

storage::ClientInfo client_info(const RequestInfo& request, std::string_view release,
                                std::string_view environment, std::string_view page);

storage::AnalyticsRecord analytics_record(SeedEvent&& event, TimeMs timestamp,
                                          const RequestInfo& request);

// A resource timing of edgewatch's own ingestion (the seed's PerformanceObserver reports every
// POST it makes, which would be posted again, forever).
bool is_self_timing(const SeedMetric& metric, std::span<const std::string> own_paths);

// "performance.resource.https://app.example/assets/index-4f3a9c1e.js?v=1" ->
// "performance.resource.app.example/assets/index-*.js"; at most 200 bytes.
std::string normalize_metric_name(std::string_view name);

// Low-cardinality tags of a summary: per-sample ids (sessionId, userId, id, name, rating) and the
// release and environment (stored in their own columns) left out, URLs normalized, at most 8
// tags sorted by key: "component=App,entryType=measure".
std::string summary_tags(std::span<const std::pair<std::string, std::string>> tags);

enum class VitalCheck : unsigned char { kNotVital, kOk, kRejected };
// "web_vitals.LCP" (as reportWebVital sends) becomes a vital record.
VitalCheck seed_vital(const SeedMetric& metric, TimeMs timestamp, const RequestInfo& request,
                      storage::VitalRecord& out, std::string& reason);
storage::MetricRecord metric_summary(const SeedMetric& metric, TimeMs timestamp,
                                     const RequestInfo& request);

// Groups the error; recognises and ignores the seed's generated fingerprint.
storage::ErrorRecord seed_error_record(SeedError&& error, TimeMs timestamp,
                                       const RequestInfo& request);

// Shared by the seed and Sentry paths: fills title, culprit, type and fingerprint.
void apply_grouping(const Grouping& grouping, storage::ErrorRecord& record);

}  // namespace ew::ingest

namespace ew::ingest {

struct SentryEvent;
struct SentryPerformance;

// A Sentry event as an error record. The envelope header's event_id wins over the payload's;
// with neither one is generated. A single-element fingerprint that is the seed's generated one
// (the seed passes it to Sentry.captureException too) is ignored like on the seed endpoint.
storage::ErrorRecord sentry_error_record(SentryEvent&& event, std::int64_t project,
                                         std::string_view header_event_id, TimeMs timestamp,
                                         const RequestInfo& request);

// The web vitals among a transaction's or span's measurements (lcp, fcp, cls, ttfb, inp, fid).
// Invalid values are skipped and counted in `rejected`.
void sentry_vitals(const SentryPerformance& perf, TimeMs timestamp, const RequestInfo& request,
                   std::vector<storage::VitalRecord>& out, std::size_t& rejected);

}  // namespace ew::ingest
