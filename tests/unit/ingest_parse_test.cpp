// Untrusted input: JSON error messages, UTF-8, seed payload validation item by item, envelope
// framing, Sentry events, auth parameters and compressed bodies with their caps.
#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "../common/gzip.h"
#include "ingest/api_util.h"
#include "ingest/body.h"
#include "ingest/envelope.h"
#include "ingest/json_error.h"
#include "ingest/seed.h"
#include "ingest/sentry.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

using ew::test::gzip;

std::string brotli(const std::string& data) {
  std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
  std::size_t size = out.size();
  BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, data.size(),
                        reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                        reinterpret_cast<std::uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

TEST(IngestParse, JsonProblemsSayWhatAndWhere) {
  EXPECT_FALSE(find_json_problem(R"({"a":[1,2,{"b":null}]})", 32).has_value());
  auto p = find_json_problem(R"({"name":"x",)", 32);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->offset, 12u);
  EXPECT_EQ(p->to_string(), "unexpected end of input, expected an object key at byte 12");
  p = find_json_problem(R"({"a" 1})", 32);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->to_string(), "expected ':' after an object key at byte 5");
  p = find_json_problem(std::string(100, '[') + std::string(100, ']'), 32);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->to_string(), "nesting deeper than 32 levels at byte 32");
  p = find_json_problem("{\"a\":\"\xff\"}", 32);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->to_string(), "invalid UTF-8 in a string at byte 6");
  p = find_json_problem("", 32);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->what, "empty body, expected a JSON value");
  EXPECT_TRUE(find_json_problem("[1] x", 32).has_value());
  EXPECT_TRUE(find_json_problem("[01]", 32).has_value());
}

// What the JSON grammar allows but the parser refuses gets its own message too (found by
// fuzz/targets/ingest_json.cpp: these bodies were refused with no position).
TEST(IngestParse, JsonProblemsBeyondTheGrammar) {
  auto problem = [](std::string_view text) {
    auto p = find_json_problem(text, 32);
    return p ? p->to_string() : std::string("none");
  };
  EXPECT_EQ(problem("[1e400]"), "number out of range (larger than a double) at byte 1");
  EXPECT_EQ(problem("[-2e308]"), "number out of range (larger than a double) at byte 1");
  EXPECT_EQ(problem("[1e-400, 4.9e-324, 1.7976931348623157e308]"), "none");  // underflow is 0
  EXPECT_EQ(problem("[18446744073709551615, -9223372036854775808]"), "none");
  EXPECT_EQ(problem("[18446744073709551616]"), "integer out of range (at most 64 bits) at byte 1");
  EXPECT_EQ(problem("[-9223372036854775809]"), "integer out of range (at most 64 bits) at byte 1");
  EXPECT_EQ(problem(R"(["\ud83d\ude00 \u00e9"])"), "none");
  EXPECT_EQ(problem(R"(["\ude00"])"),
            "\\u escape of a low surrogate without a high surrogate before it at byte 2");
  EXPECT_EQ(problem(R"(["ab\ud83d"])"),
            "\\u escape of a high surrogate not followed by a low surrogate at byte 4");
  EXPECT_EQ(problem(R"(["\ud83d\u0041"])"),
            "\\u escape of a high surrogate not followed by a low surrogate at byte 2");
  EXPECT_EQ(problem(R"(["\u12G4"])"), "invalid \\u escape in a string at byte 2");
}

// from/to: epoch seconds below 1e11, else milliseconds, or ISO 8601; nothing before 1970 (a
// large negative number of seconds overflowed when scaled to milliseconds; found by
// fuzz/targets/ops_queries.cpp under UBSan).
TEST(IngestApi, TimeRangeParameters) {
  ParamError error;
  auto range = time_range("from=1767225600&to=1767225601000", 3'600'000, error);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->from, 1'767'225'600'000);
  EXPECT_EQ(range->to, 1'767'225'601'000);
  range = time_range("from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:01Z", 3'600'000, error);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->to - range->from, 1000);
  EXPECT_FALSE(time_range("to=-535012051203042103", 3'600'000, error).has_value());
  EXPECT_EQ(error.message, "to: expected an ISO 8601 date-time or epoch milliseconds");
  EXPECT_FALSE(time_range("from=-1", 3'600'000, error).has_value());
  EXPECT_EQ(error.message, "from: expected an ISO 8601 date-time or epoch milliseconds");
  EXPECT_FALSE(time_range("from=2000&to=1000", 3'600'000, error).has_value());
  EXPECT_EQ(error.message, "to: must not be before from");
}

TEST(IngestParse, Utf8Helpers) {
  EXPECT_FALSE(find_invalid_utf8("héllo €").has_value());
  EXPECT_EQ(find_invalid_utf8("ab\xc3"), 2u);
  EXPECT_EQ(find_invalid_utf8("a\xed\xa0\x80"), 1u);  // a surrogate
  EXPECT_EQ(utf8_prefix("a€b", 2), "a");              // never splits the euro sign
  EXPECT_EQ(utf8_prefix("a€b", 4), "a€");
  EXPECT_EQ(utf8_to_latin1("é"), std::string("\xe9"));
  EXPECT_FALSE(utf8_to_latin1("€").has_value());
  EXPECT_EQ(parse_iso8601("2024-05-01T12:00:00.123Z"), 1714564800123);
  EXPECT_EQ(parse_iso8601("2024-05-01T14:00:00+02:00"), 1714564800000);
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
  EXPECT_EQ(format_iso8601(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(normalize_event_id("9EC79C33-EC99-42AB-8353-589FCB2E04DC"),
            "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_FALSE(normalize_event_id("xyz").has_value());
}

TEST(IngestParse, SeedMetricsAreValidatedItemByItem) {
  SeedLimits limits;
  std::vector<SeedMetric> items;
  ParseResult r = parse_seed_metrics(
      R"([{"name":"web_vitals.LCP","value":2100.5,"unit":"ms","tags":{"id":"v3-1","rating":"good","sessionId":"s1","userId":"anonymous","environment":"production","version":"1.2.3"},"timestamp":"2024-05-01T12:00:00.000Z"},
          {"name":"x","value":"12"},
          {"name":"y","value":null},
          {"value":1},
          {"name":"z","value":1,"tags":"nope"},
          {"name":"w","value":1,"timestamp":"soon"},
          42])",
      limits, items);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.items, 7u);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].name, "web_vitals.LCP");
  EXPECT_DOUBLE_EQ(items[0].value, 2100.5);
  EXPECT_EQ(items[0].timestamp, 1714564800000);
  ASSERT_EQ(items[0].tags.size(), 6u);
  EXPECT_EQ(items[0].tags[2].first, "sessionId");
  ASSERT_EQ(r.rejected.size(), 6u);
  EXPECT_EQ(r.rejected[0].index, 1u);
  EXPECT_EQ(r.rejected[0].reason, "value: expected a finite number");
  EXPECT_EQ(r.rejected[1].reason, "value: expected a finite number");
  EXPECT_EQ(r.rejected[2].reason, "name: required");
  EXPECT_EQ(r.rejected[3].reason, "tags: expected an object");
  EXPECT_NE(r.rejected[4].reason.find("timestamp"), std::string::npos);
  EXPECT_EQ(r.rejected[5].reason, "expected an object, found a number");
}

TEST(IngestParse, SeedBodiesRefusedAsAWhole) {
  SeedLimits limits;
  limits.max_items = 3;
  std::vector<SeedEvent> items;
  EXPECT_EQ(parse_seed_events("", limits, items).status, 400);
  EXPECT_EQ(parse_seed_events("  ", limits, items).status, 400);
  EXPECT_EQ(parse_seed_events("[]", limits, items).status, 400);
  EXPECT_EQ(parse_seed_events("\"x\"", limits, items).status, 400);
  ParseResult r =
      parse_seed_events(R"([{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}])", limits, items);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.message, "4 items exceed the limit of 3 per request");
  r = parse_seed_events(R"({"name":"a","properties":{"x":1})", limits, items);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message, "malformed JSON: unexpected end of input inside an object at byte 32");
  r = parse_seed_events(std::string(64, '[') + std::string(64, ']'), limits, items);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message, "malformed JSON: nesting deeper than 32 levels at byte 32");
  r = parse_seed_events("{\"name\":\"caf\xe9\"}", limits, items);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.message, "malformed JSON: invalid UTF-8 in a string at byte 12");
  EXPECT_TRUE(items.empty());
}

TEST(IngestParse, SeedEventsCapPropertiesAndIds) {
  SeedLimits limits;
  limits.max_properties = 64;
  std::vector<SeedEvent> items;
  std::string big(100, 'v');
  ParseResult r = parse_seed_events(R"({"name":"checkout","properties":{"a":1,"big":")" + big +
                                        R"(","b":true},"sessionId":")" + std::string(500, 's') +
                                        R"(","userId":42})",
                                    limits, items);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].properties_json, R"({"a":1,"b":true,"_truncated":true})");
  EXPECT_EQ(items[0].session.size(), limits.max_id);
  EXPECT_EQ(items[0].user, "42");
  r = parse_seed_events(R"({"name":"x","properties":[1]})", limits, items);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].reason, "properties: expected an object");
  r = parse_seed_events(R"({"name":"   "})", limits, items);
  EXPECT_EQ(r.rejected[0].reason, "name: must not be empty");
}

TEST(IngestParse, SeedFieldsOfTheWrongTypeAreRefusedByName) {
  SeedLimits limits;
  std::vector<SeedError> errors;
  ParseResult r = parse_seed_errors(
      R"([{"stack":5},
          {"message":"m","fingerprint":["a"]},
          {"message":"m","name":true},
          {"message":"m","level":3},
          {"message":"m","environment":1},
          {"message":"m","page":{}},
          {"message":"m","context":"c"},
          {"message":"m","sessionId":7,"userId":42,"release":3}])",
      limits, errors);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.rejected.size(), 7u);
  EXPECT_EQ(r.rejected[0].reason, "stack: expected a string, found a number");
  EXPECT_EQ(r.rejected[1].reason, "fingerprint: expected a string, found an array");
  EXPECT_EQ(r.rejected[2].reason, "name: expected a string, found a boolean");
  EXPECT_EQ(r.rejected[3].reason, "level: expected a string, found a number");
  EXPECT_EQ(r.rejected[4].reason, "environment: expected a string, found a number");
  EXPECT_EQ(r.rejected[5].reason, "page: expected a string, found an object");
  EXPECT_EQ(r.rejected[6].reason, "context: expected an object");
  // Identifiers and releases may be numbers.
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].session, "7");
  EXPECT_EQ(errors[0].user, "42");
  EXPECT_EQ(errors[0].release, "3");

  std::vector<SeedEvent> events;
  r = parse_seed_events(R"([{"name":"n","sessionId":{}},{"name":"n","timestamp":true}])", limits,
                        events);
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].reason, "sessionId: expected a string, found an object");
  EXPECT_NE(r.rejected[1].reason.find("timestamp:"), std::string::npos);
  std::vector<SeedMetric> metrics;
  r = parse_seed_metrics(R"({"name":"n","value":1,"unit":3})", limits, metrics);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].reason, "unit: expected a string, found a number");
}

TEST(IngestParse, SeedErrorsTakeReleaseFromContext) {
  SeedLimits limits;
  limits.max_stack = 32;
  std::vector<SeedError> items;
  ParseResult r = parse_seed_errors(
      R"J({"message":"boom","stack":"Error: boom\n    at a (https://x/app.js:1:1)\n    at b (https://x/app.js:2:2)","context":{"version":"2.0.0","environment":"staging"},"sessionId":"s","timestamp":"2024-05-01T12:00:00.000Z","fingerprint":"abc","error":{}})J",
      limits, items);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].release, "2.0.0");
  EXPECT_EQ(items[0].environment, "staging");
  EXPECT_EQ(items[0].stack.size(), 32u);
  EXPECT_EQ(items[0].fingerprint, "abc");
  r = parse_seed_errors(R"({"context":{}})", limits, items);
  EXPECT_EQ(r.rejected[0].reason, "message: required (or a stack)");
}

ItemLengthReader naive_length() {
  // Test-side reader: finds "length":N in the header (the real one parses JSON).
  return [](std::string_view header) {
    ItemLength info;
    info.valid = header.starts_with("{");
    const std::size_t at = header.find("\"length\":");
    if (at != std::string_view::npos) info.length = std::stoul(std::string(header.substr(at + 9)));
    return info;
  };
}

TEST(IngestParse, EnvelopeFraming) {
  EnvelopeFrames f;
  std::string error;
  // The JS SDK: no lengths, no trailing newline.
  ASSERT_TRUE(split_envelope("{\"event_id\":\"x\"}\n{\"type\":\"event\"}\n{\"a\":1}",
                             naive_length(), 100, f, error));
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].payload, "{\"a\":1}");
  // Explicit length with newlines inside, then an implicit item and a trailing newline.
  ASSERT_TRUE(
      split_envelope("{}\n{\"type\":\"attachment\",\"length\":7}\nab\ncd\n\n\n{\"type\":"
                     "\"session\"}\n{\"s\":1}\n",
                     naive_length(), 100, f, error));
  ASSERT_EQ(f.items.size(), 2u);
  EXPECT_EQ(f.items[0].payload, "ab\ncd\n\n");
  EXPECT_EQ(f.items[1].payload, "{\"s\":1}");
  // A header alone, and an item header at the very end.
  ASSERT_TRUE(split_envelope("{}", naive_length(), 100, f, error));
  EXPECT_TRUE(f.items.empty());
  ASSERT_TRUE(split_envelope("{}\n{\"type\":\"x\"}", naive_length(), 100, f, error));
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].payload, "");
  // Malformed: short read, garbage after an explicit payload, bad item header, too many items.
  EXPECT_FALSE(split_envelope("{}\n{\"length\":10}\nabc", naive_length(), 100, f, error));
  EXPECT_NE(error.find("\"length\" 10 points beyond the envelope"), std::string::npos) << error;
  EXPECT_FALSE(split_envelope("{}\n{\"length\":2}\nabc", naive_length(), 100, f, error));
  EXPECT_NE(error.find("expected a newline"), std::string::npos);
  EXPECT_FALSE(split_envelope("{}\nnot json\nx", naive_length(), 100, f, error));
  EXPECT_FALSE(split_envelope("{}\n{}\n1\n{}\n2\n{}\n3", naive_length(), 2, f, error));
  EXPECT_FALSE(split_envelope("", naive_length(), 100, f, error));
}

// Item headers whose "length" is not a non-negative integer that fits in the envelope are
// refused, naming the item and what is wrong; before, a negative length, a string or 2^64-1 was
// read as "no length" and a float was rounded, so the payload boundary was a guess.
struct FramedEnvelope {
  bool ok = false;
  std::string error;
  EnvelopeFrames frames;
};

FramedEnvelope parse_framed(const std::string& body) {
  FramedEnvelope p;
  SentryLimits limits;
  EnvelopeHeader header;
  p.ok = parse_envelope(body, limits, p.frames, header, p.error);
  return p;
}

// A valid first item, then a second whose header carries `length`.
std::string with_second_length(const std::string& length) {
  return "{}\n{\"type\":\"session\",\"length\":2}\n{}\n{\"type\":\"event\",\"length\":" + length +
         "}\n{}\n";
}

TEST(IngestEnvelopeLength, WellFormedLengthsAreAccepted) {
  FramedEnvelope p = parse_framed(with_second_length("2"));
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.frames.items.size(), 2u);
  EXPECT_EQ(p.frames.items[1].payload, "{}");
  // Zero, absent and null lengths: an empty payload, or one running to the newline.
  p = parse_framed("{}\n{\"type\":\"x\",\"length\":0}\n\n{\"type\":\"y\",\"length\":null}\n{}\n");
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.frames.items.size(), 2u);
  EXPECT_EQ(p.frames.items[0].payload, "");
  EXPECT_EQ(p.frames.items[1].payload, "{}");
}

TEST(IngestEnvelopeLength, NegativeLengthIsRefusedNamingTheItem) {
  FramedEnvelope p = parse_framed(with_second_length("-1"));
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("item 1 "), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("\"length\" is negative (-1)"), std::string::npos) << p.error;
}

TEST(IngestEnvelopeLength, FloatLengthIsRefused) {
  for (const std::string length : {"1.5", "2.0", "1e3"}) {
    FramedEnvelope p = parse_framed(with_second_length(length));
    EXPECT_FALSE(p.ok) << length;
    EXPECT_NE(p.error.find("item 1 "), std::string::npos) << p.error;
    EXPECT_NE(p.error.find("\"length\" is not an integer"), std::string::npos) << p.error;
  }
}

TEST(IngestEnvelopeLength, StringAndOtherTypesAreRefused) {
  FramedEnvelope p = parse_framed(with_second_length("\"2\""));
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("item 1 "), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("\"length\" is a string"), std::string::npos) << p.error;
  for (const std::string length : {"true", "[2]", "{}"}) {
    p = parse_framed(with_second_length(length));
    EXPECT_FALSE(p.ok) << length;
    EXPECT_NE(p.error.find("\"length\" is not a number"), std::string::npos) << p.error;
  }
}

TEST(IngestEnvelopeLength, LengthBeyondTheEnvelopeIsRefused) {
  FramedEnvelope p = parse_framed(with_second_length("18446744073709551615"));  // 2^64-1
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("item 1 "), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("\"length\" 18446744073709551615 points beyond the envelope"),
            std::string::npos)
      << p.error;
  p = parse_framed(with_second_length("4"));
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("points beyond the envelope (3 bytes follow its header)"),
            std::string::npos)
      << p.error;
  // An item header at the very end that promises bytes.
  p = parse_framed("{}\n{\"type\":\"event\",\"length\":5}");
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("item 0 "), std::string::npos) << p.error;
  EXPECT_NE(p.error.find("points beyond the envelope"), std::string::npos) << p.error;
}

TEST(IngestParse, EnvelopeHeaderAndSentryEvent) {
  SentryLimits limits;
  EnvelopeFrames f;
  EnvelopeHeader h;
  std::string error;
  const std::string body =
      R"({"event_id":"9EC79C33EC9942AB8353589FCB2E04DC","dsn":"http://pk@localhost:8080/_edgewatch/sentry/42","trace":{"release":"web@1","environment":"prod"}})"
      "\n{\"type\":\"event\",\"length\":2}\n{}\n";
  ASSERT_TRUE(parse_envelope(body, limits, f, h, error)) << error;
  EXPECT_EQ(h.event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
  EXPECT_EQ(h.release, "web@1");
  EXPECT_EQ(item_type(f.items[0].header), "event");
  EXPECT_FALSE(parse_envelope("{\"event_id\":\"nothex\"}", limits, f, h, error));
  EXPECT_FALSE(parse_envelope("[1,2]\n", limits, f, h, error));

  SentryEvent ev;
  ASSERT_TRUE(parse_sentry_event(
      R"({"event_id":"a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5","timestamp":1714564800.5,"level":"warning","release":"web@1.4.0","exception":{"values":[{"type":"TypeError","value":"x is undefined","mechanism":{"type":"generic","handled":true},"stacktrace":{"frames":[{"filename":"https://app.example/assets/index-4f3a9c1e.js","function":"handleSave","lineno":1,"colno":4521,"in_app":true}]}}]},"breadcrumbs":{"values":[{"category":"ui.click","message":"button#save"}]},"user":{"id":"42","ip_address":"{{auto}}"},"extra":{"sessionId":"session-7"},"request":{"url":"https://app.example/cart/123","headers":{"User-Agent":"UA/1"}},"fingerprint":["{{ default }}","checkout"]})",
      limits, ev, error))
      << error;
  EXPECT_EQ(ev.event_id, "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5");
  EXPECT_EQ(ev.timestamp, 1714564800500);
  EXPECT_EQ(ev.level, "warning");
  EXPECT_EQ(ev.user, "42");
  EXPECT_EQ(ev.session, "session-7");
  EXPECT_EQ(ev.url, "https://app.example/cart/123");
  EXPECT_EQ(ev.user_agent, "UA/1");
  ASSERT_EQ(ev.grouping.exceptions.size(), 1u);
  EXPECT_EQ(ev.grouping.exceptions[0].frames[0].line, 1);
  EXPECT_EQ(ev.grouping.fingerprint.size(), 2u);
  EXPECT_NE(ev.detail_json.find("\"breadcrumbs\":[{\"category\":\"ui.click\""), std::string::npos);
  EXPECT_EQ(ev.detail_json.find("ip_address"), std::string::npos);
  EXPECT_FALSE(parse_sentry_event("[1]", limits, ev, error));
  EXPECT_FALSE(parse_sentry_event("{\"timestamp\":\"later\"}", limits, ev, error));

  SentryPerformance perf;
  ASSERT_TRUE(parse_sentry_performance(
      R"({"type":"transaction","transaction":"/cart/:id","timestamp":1714564800.5,"measurements":{"lcp":{"value":1800.5,"unit":"millisecond"},"cls":{"value":0.02,"unit":""},"fp":{"value":10}}})",
      limits, perf, error));
  EXPECT_EQ(perf.measurements.size(), 3u);
}

TEST(IngestParse, SentrySpanItemsV1AndV2) {
  SentryLimits limits;
  std::string error;
  std::vector<SentryPerformance> out;
  // v1: a standalone span with measurements.
  ASSERT_TRUE(parse_sentry_spans(
      R"({"op":"ui.interaction.click","measurements":{"inp":{"value":232,"unit":"millisecond"}}})",
      limits, out, error));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].measurements[0].name, "inp");

  // v2: only spans with browser.web_vital.<name>.value attributes give records; details such as
  // .element or .render_time, non-numeric values and nested names are not values; the child
  // takes its parent's URL.
  out.clear();
  ASSERT_TRUE(parse_sentry_spans(R"({"version":2,"items":[
    {"span_id":"a1","is_segment":true,"end_timestamp":1714564800.5,"attributes":{
      "url.full":{"value":"https://shop.example/cart/7","type":"string"},
      "sentry.release":{"value":"shop@1","type":"string"},
      "browser.web_vital.fcp.value":{"value":900,"type":"integer"},
      "browser.web_vital.ttfb.request_time":{"value":50,"type":"double"}}},
    {"span_id":"b2","parent_span_id":"a1","attributes":{
      "browser.web_vital.lcp.value":{"value":1200.5,"type":"double"},
      "browser.web_vital.lcp.element":{"value":"body > h1","type":"string"},
      "browser.web_vital.cls.value":{"value":"high","type":"string"},
      "browser.web_vital.a.b.value":{"value":1,"type":"integer"}}},
    {"span_id":"c3","attributes":{"sentry.op":{"value":"resource.script","type":"string"}}},
    {"span_id":"d4","attributes":"not an object"},
    "not a span"]})",
                                 limits, out, error))
      << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].url, "https://shop.example/cart/7");
  EXPECT_EQ(out[0].release, "shop@1");
  ASSERT_EQ(out[0].measurements.size(), 1u);
  EXPECT_EQ(out[0].measurements[0].name, "fcp");
  ASSERT_TRUE(out[0].timestamp.has_value());
  EXPECT_EQ(out[1].url, "https://shop.example/cart/7");
  ASSERT_EQ(out[1].measurements.size(), 1u);
  EXPECT_EQ(out[1].measurements[0].name, "lcp");
  EXPECT_DOUBLE_EQ(out[1].measurements[0].value, 1200.5);

  out.clear();
  EXPECT_FALSE(parse_sentry_spans("[1,2]", limits, out, error));
  EXPECT_FALSE(parse_sentry_spans("{\"version\":2,\"items\":[", limits, out, error));
  EXPECT_TRUE(out.empty());
}

TEST(IngestParse, SentryAuthParameters) {
  EXPECT_EQ(sentry_key_from_query("sentry_version=7&sentry_key=abc&sentry_client=x%2F1"), "abc");
  EXPECT_EQ(sentry_key_from_query("glitchtip_key=def"), "def");
  EXPECT_EQ(sentry_key_from_query("x=1"), "");
  EXPECT_EQ(sentry_key_from_auth_header(
                "Sentry sentry_version=7, sentry_client=raven/1, sentry_key=k1, sentry_secret=s"),
            "k1");
  auto dsn = parse_dsn("https://pk:sk@o1.example:8080/_edgewatch/sentry/42");
  ASSERT_TRUE(dsn.has_value());
  EXPECT_EQ(dsn->public_key, "pk");
  EXPECT_EQ(dsn->project_id, "42");
  EXPECT_FALSE(parse_dsn("not a dsn").has_value());
}

TEST(IngestParse, CompressedBodiesAndBombs) {
  const std::string json = R"({"name":"compressed"})";
  std::string out, message;
  ASSERT_EQ(decode_body("gzip", gzip(json), 1024, out, message), DecodeStatus::kOk);
  EXPECT_EQ(out, json);
  ASSERT_EQ(decode_body("deflate", gzip(json, 15), 1024, out, message), DecodeStatus::kOk);
  EXPECT_EQ(out, json);
  ASSERT_EQ(decode_body("deflate", gzip(json, -15), 1024, out, message), DecodeStatus::kOk);
  EXPECT_EQ(out, json);
  ASSERT_EQ(decode_body("br", brotli(json), 1024, out, message), DecodeStatus::kOk);
  EXPECT_EQ(out, json);
  ASSERT_EQ(decode_body("gzip, br", brotli(gzip(json)), 1024, out, message), DecodeStatus::kOk);
  EXPECT_EQ(out, json);
  // 64 MiB of zeros compress to about 64 KiB; decoding stops at the cap.
  const std::string bomb = gzip(std::string(64 << 20, '\0'));
  EXPECT_LT(bomb.size(), 100'000u);
  EXPECT_EQ(decode_body("gzip", bomb, 1 << 20, out, message), DecodeStatus::kTooLarge);
  EXPECT_LE(out.size(), (1u << 20) + 1);
  EXPECT_EQ(decode_body("br", brotli(std::string(64 << 20, 'a')), 1 << 20, out, message),
            DecodeStatus::kTooLarge);
  EXPECT_EQ(decode_body("gzip", "not gzip at all", 1024, out, message), DecodeStatus::kCorrupt);
  EXPECT_EQ(decode_body("gzip", gzip(json).substr(0, 10), 1024, out, message),
            DecodeStatus::kCorrupt);
  EXPECT_EQ(decode_body("compress", json, 1024, out, message), DecodeStatus::kUnsupported);
  EXPECT_EQ(media_type("Text/Plain;charset=UTF-8"), "text/plain");
}

}  // namespace
}  // namespace ew::ingest
