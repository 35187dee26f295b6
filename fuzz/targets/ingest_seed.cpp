// The seed client's three JSON payloads (analytics events, metrics, errors; one object or an
// array). The first byte picks the endpoint. Every item is either kept or listed as rejected,
// and a refused body says why.
#include "check.h"
#include "ingest/seed.h"

using namespace ew::ingest;

namespace {

template <typename Record>
void check_result(const ParseResult& result, const std::vector<Record>& kept,
                  const SeedLimits& limits) {
  if (result.status != 200) {
    FUZZ_CHECK(result.status == 400 || result.status == 413);
    FUZZ_CHECK(!result.message.empty());
    return;
  }
  FUZZ_CHECK(result.items <= limits.max_items);
  FUZZ_CHECK(kept.size() + result.rejected.size() == result.items);
  for (const Rejection& r : result.rejected) {
    FUZZ_CHECK(r.index < result.items && !r.reason.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body = ew::fuzz::as_text(data + 1, size - 1);
  SeedLimits limits;
  limits.max_items = 8;  // small limits, so that inputs can reach them
  limits.max_depth = 8;
  limits.max_name = 32;
  limits.max_properties = 256;
  limits.max_context = 256;
  limits.max_message = 256;
  limits.max_stack = 1024;

  switch (data[0] % 3) {
    case 0: {
      std::vector<SeedEvent> events;
      check_result(parse_seed_events(body, limits, events), events, limits);
      for (const SeedEvent& e : events) FUZZ_CHECK(e.name.size() <= limits.max_name);
      break;
    }
    case 1: {
      std::vector<SeedMetric> metrics;
      check_result(parse_seed_metrics(body, limits, metrics), metrics, limits);
      break;
    }
    default: {
      std::vector<SeedError> errors;
      check_result(parse_seed_errors(body, limits, errors), errors, limits);
      for (const SeedError& e : errors) FUZZ_CHECK(e.message.size() <= limits.max_message);
      break;
    }
  }
  return 0;
}
