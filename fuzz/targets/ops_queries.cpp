// The operations API's inputs: the CI's deployment report (POST /api/deployments) and the query
// strings of the read API (time ranges, durations, limits, cursors). What is accepted is within
// its documented bounds, answers are valid JSON, and a cursor or a timestamp edgewatch writes
// reads back as the same value.
#include "check.h"
#include "deploy/deployment_json.h"
#include "ingest/api_util.h"
#include "json_check.h"
#include "util/time.h"

namespace {

constexpr std::int64_t kNow = 1'767'225'600'000;  // 2026-01-01

void check_deployment(std::string_view body) {
  ew::deploy::ParsedDeployment parsed = ew::deploy::parse_deployment(body, kNow);
  if (parsed.problems.empty()) {
    const ew::deploy::Deployment& d = parsed.deployment;
    FUZZ_CHECK(!d.version.empty() && d.version.size() <= ew::deploy::kMaxVersion);
    FUZZ_CHECK(d.environment.size() <= ew::deploy::kMaxEnvironment);
    FUZZ_CHECK(d.timestamp_ms <= kNow + ew::deploy::kMaxFutureMs);
    FUZZ_CHECK(ew::fuzz::valid_json(ew::deploy::deployment_json(d)));
  } else {
    for (const std::string& problem : parsed.problems) FUZZ_CHECK(!problem.empty());
    FUZZ_CHECK(ew::fuzz::valid_json(ew::deploy::problems_json(parsed.problems, "req-1")));
  }
}

void check_query(std::string_view query) {
  ew::ingest::ParamError error;
  if (auto range = ew::ingest::time_range(query, 3'600'000, error)) {
    FUZZ_CHECK(range->from <= range->to);
  } else {
    FUZZ_CHECK(!error.message.empty());
  }
  error = {};
  if (auto limit = ew::ingest::limit_param(query, 50, 500, error)) {
    FUZZ_CHECK(*limit >= 1 && *limit <= 500);
  }
  if (auto window = ew::ingest::duration_param(query, "window", error)) {
    FUZZ_CHECK(*window == 0 || *window >= 1000);
  }
  bool present = false;
  if (auto cursor = ew::ingest::cursor_param(query, error, present)) {
    std::string again_query = "cursor=" + ew::ingest::encode_cursor(*cursor);
    auto again = ew::ingest::cursor_param(again_query, error, present);
    FUZZ_CHECK(again && again->key == cursor->key && again->id == cursor->id);
  }
  if (auto ms = ew::parse_iso8601(query)) {
    FUZZ_CHECK(ew::parse_iso8601(ew::format_iso8601(*ms)) == ms);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ew::fuzz::as_text(data, size);
  check_deployment(text);
  check_query(text);
  return 0;
}
