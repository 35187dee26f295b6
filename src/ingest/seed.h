// The seed client's three payloads (productionMonitoring.ts: sendToAnalyticsEndpoint,
// sendToMetricsEndpoint, sendToErrorEndpoint), parsed from untrusted JSON into plain structs.
// A body is one object or an array of them; each item is validated on its own, so one bad item
// is listed as rejected while the others are kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ew::ingest {

struct SeedLimits {
  std::size_t max_items = 100;
  std::size_t max_size = 1 << 20;  // decoded body
  std::size_t max_depth = 32;
  std::size_t max_name = 200;
  std::size_t max_properties = 4096;
  std::size_t max_context = 8192;
  std::size_t max_message = 8192;
  std::size_t max_stack = 64 * 1024;
  std::size_t max_id = 128;  // session and user ids
};

struct Rejection {
  std::size_t index = 0;
  std::string reason;
};

struct ParseResult {
  int status = 200;     // 400 or 413 when the body as a whole is refused
  std::string message;  // why, for the error answer
  std::size_t items = 0;
  std::vector<Rejection> rejected;
};

// Optional fields every payload may carry beyond the seed's own: edgewatch extensions for
// clients that know them.
struct SeedCommon {
  std::size_t index = 0;
  std::optional<std::int64_t> timestamp;
  std::string session;
  std::string user;
  std::string release;
  std::string environment;
  std::string page;
};

// {name, properties?, timestamp?, userId?, sessionId?}
struct SeedEvent : SeedCommon {
  std::string name;
  std::string properties_json = "{}";
};

// {name, value, unit, tags: {..., sessionId, userId, environment, version}, timestamp?}
struct SeedMetric : SeedCommon {
  std::string name;
  double value = 0;
  std::string unit;
  std::vector<std::pair<std::string, std::string>> tags;  // string values only, in order
};

// {message, stack?, context?, userId?, sessionId?, timestamp?, fingerprint?}
struct SeedError : SeedCommon {
  std::string message;
  std::string stack;
  std::string context_json;  // "" when absent
  std::string fingerprint;
  std::string name;  // extension: error.name, when the client sends it
  std::string level;
};

ParseResult parse_seed_events(std::string_view body, const SeedLimits& limits,
                              std::vector<SeedEvent>& out);
ParseResult parse_seed_metrics(std::string_view body, const SeedLimits& limits,
                               std::vector<SeedMetric>& out);
ParseResult parse_seed_errors(std::string_view body, const SeedLimits& limits,
                              std::vector<SeedError>& out);

}  // namespace ew::ingest
