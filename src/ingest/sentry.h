// The Sentry protocol side: envelopes and legacy /store/ events parsed into plain structs, and
// the auth parameters (sentry_key) from the query string, X-Sentry-Auth and DSNs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/envelope.h"
#include "ingest/grouping.h"

namespace ew::ingest {

struct SentryLimits {
  std::size_t max_event_size = 1 << 20;  // one event or transaction item
  std::size_t max_depth = 64;
  std::size_t max_items = 100;
  std::size_t max_breadcrumbs = 100;
  std::size_t max_frames = 100;
  std::size_t max_context = 8192;  // contexts, tags
  std::size_t max_extra = 16384;
  std::size_t max_message = 8192;
};

struct EnvelopeHeader {
  std::string event_id;  // normalized 32 hex, "" when absent
  std::string dsn;
  std::string release;  // from the trace (dynamic sampling context)
  std::string environment;
  std::string transaction;
};

// Splits the envelope and reads its header. False with `error` on a malformed envelope (400).
bool parse_envelope(std::string_view body, const SentryLimits& limits, EnvelopeFrames& frames,
                    EnvelopeHeader& header, std::string& error);
// The item's "type" ("" when the header has none).
std::string item_type(std::string_view item_header);

struct SentryEvent {
  std::string event_id;
  std::optional<std::int64_t> timestamp;
  std::string level = "error";
  std::string release;
  std::string environment;
  std::string transaction;
  std::string user;
  std::string session;
  std::string url;
  std::string user_agent;
  GroupingInput grouping;
  std::string message;
  std::string detail_json;
};

// An event payload (envelope item or /store/ body). False with `error` when it is not a JSON
// object or is malformed.
bool parse_sentry_event(std::string_view payload, const SentryLimits& limits, SentryEvent& out,
                        std::string& error);

struct SentryMeasurement {
  std::string name;  // "lcp", "cls", "fcp", "ttfb", "inp", ...
  double value = 0;
  std::string unit;
};

// A transaction or standalone span: what the web-vitals store needs from it.
struct SentryPerformance {
  std::optional<std::int64_t> timestamp;
  std::string release;
  std::string environment;
  std::string transaction;
  std::string url;
  std::string user_agent;
  std::vector<SentryMeasurement> measurements;
};
bool parse_sentry_performance(std::string_view payload, const SentryLimits& limits,
                              SentryPerformance& out, std::string& error);
// A span item: a standalone span (v1, with measurements), or the SDK's v2 container
// {"version":2,"items":[...]} (content type application/vnd.sentry.items.span.v2+json) whose
// spans carry web vitals as browser.web_vital.<name>.value attributes. One record per span with
// web vitals; none is not an error.
bool parse_sentry_spans(std::string_view payload, const SentryLimits& limits,
                        std::vector<SentryPerformance>& out, std::string& error);

// sentry_key from "Sentry sentry_key=abc, sentry_version=7" (X-Sentry-Auth or Authorization).
std::string sentry_key_from_auth_header(std::string_view header);
// sentry_key (or glitchtip_key) from a query string; percent-decoding is not needed for keys.
std::string sentry_key_from_query(std::string_view query);
struct DsnParts {
  std::string public_key;
  std::string project_id;
};
std::optional<DsnParts> parse_dsn(std::string_view dsn);

}  // namespace ew::ingest
