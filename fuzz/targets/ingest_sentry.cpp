// Sentry envelopes, as the official SDKs send them to /api/<project>/envelope/: framing, the
// envelope header, event, transaction and span items, and the grouping of an event into an
// issue. Whatever is accepted groups to a well-formed issue key and a displayable title.
#include "check.h"
#include "ingest/grouping.h"
#include "ingest/sentry.h"
#include "ingest/text.h"

using namespace ew::ingest;

namespace {

bool is_hex32(std::string_view hash) {
  if (hash.size() != 32) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void check_event(std::string_view payload, const SentryLimits& limits) {
  SentryEvent event;
  std::string error;
  if (!parse_sentry_event(payload, limits, event, error)) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(event.grouping.exceptions.size() <= limits.max_items);
  for (const auto& exception : event.grouping.exceptions) {
    FUZZ_CHECK(exception.frames.size() <= limits.max_frames);
  }
  Grouping group = group_error(event.grouping);
  FUZZ_CHECK(is_hex32(group.hash));
  FUZZ_CHECK(group.title.size() <= 200 && group.culprit.size() <= 200);
  // simdjson only hands over valid UTF-8, and a title cut to size must stay valid: it is shown
  // in the dashboard and sent in JSON answers.
  FUZZ_CHECK(!find_invalid_utf8(group.title) && !find_invalid_utf8(group.culprit));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body = ew::fuzz::as_text(data, size);
  SentryLimits limits;
  limits.max_items = 8;  // small limits, so that inputs can reach them
  limits.max_frames = 16;
  limits.max_breadcrumbs = 8;

  EnvelopeFrames frames;
  EnvelopeHeader header;
  std::string error;
  if (!parse_envelope(body, limits, frames, header, error)) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(frames.items.size() <= limits.max_items);
  FUZZ_CHECK(header.event_id.empty() || is_hex32(header.event_id));
  for (const EnvelopeItem& item : frames.items) {
    // Every view the framing hands out lies inside the body it was given.
    FUZZ_CHECK(item.payload.empty() ||
               (item.payload.data() >= body.data() &&
                item.payload.data() + item.payload.size() <= body.data() + body.size()));
    std::string type = item_type(item.header);
    if (type == "event") {
      check_event(item.payload, limits);
    } else if (type == "transaction") {
      SentryPerformance performance;
      (void)parse_sentry_performance(item.payload, limits, performance, error);
    } else if (type == "span") {
      std::vector<SentryPerformance> spans;
      (void)parse_sentry_spans(item.payload, limits, spans, error);
    }
  }
  return 0;
}
