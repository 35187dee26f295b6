// JSON from clients. Three properties:
// - the validator that explains rejected bodies (find_json_problem) agrees with simdjson on what
//   is valid, so a client is never told "malformed" without being told where;
// - what edgewatch writes back from a parsed body (minify, capped_object) is valid JSON;
// - append_json_string turns any UTF-8 text into a JSON string that reads back as that text.
#include <simdjson.h>

#include "check.h"
#include "ingest/json_error.h"
#include "ingest/json_in.h"
#include "ingest/text.h"
#include "json_check.h"
#include "util/json_text.h"

using namespace ew::ingest;

namespace {

constexpr std::size_t kDepth = 16;

void check_parse(std::string_view text) {
  json::element doc;
  std::string error;
  bool parsed = json::parse(text, {1 << 20, kDepth}, doc, error);
  std::optional<JsonProblem> problem = find_json_problem(text, kDepth);
  if (parsed) {
    FUZZ_CHECK(!problem);
    std::string minified = json::minify(doc);
    FUZZ_CHECK(ew::fuzz::valid_json(minified));
    if (doc.is_object()) {
      FUZZ_CHECK(ew::fuzz::valid_json(json::capped_object(doc.get_object().value_unsafe(), 64)));
    }
    return;
  }
  FUZZ_CHECK(!error.empty());
  if (problem) {
    FUZZ_CHECK(problem->offset <= text.size());
  } else {
    // simdjson refused what the validator accepts: only the nesting limit may differ.
    FUZZ_CHECK(error.find("nesting deeper") != std::string::npos);
  }
}

void check_string_escape(std::string_view text) {
  if (find_invalid_utf8(text)) return;
  std::string quoted;
  ew::append_json_string(quoted, text);
  std::string_view back;
  FUZZ_CHECK(ew::fuzz::json_checker().parse(quoted).get_string().get(back) == simdjson::SUCCESS);
  FUZZ_CHECK(back == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ew::fuzz::as_text(data, size);
  check_parse(text);
  check_string_escape(text);
  return 0;
}
