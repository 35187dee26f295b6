// The free text inside monitoring payloads that edgewatch takes apart: JavaScript stack traces,
// user agents, messages and URLs normalized for grouping, and Sentry's auth header, query key and
// DSN. Each must stay within its bounds; grouping a made-up error from the stack must give a
// well-formed issue.
#include "check.h"
#include "ingest/grouping.h"
#include "ingest/normalize.h"
#include "ingest/sentry.h"
#include "ingest/stacktrace.h"
#include "ingest/text.h"
#include "ingest/useragent.h"

using namespace ew::ingest;

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_stack(std::string_view text) {
  constexpr std::size_t kMaxFrames = 12;
  ParsedStack stack = parse_js_stack(text, kMaxFrames);
  FUZZ_CHECK(stack.frames.size() <= kMaxFrames);
  FUZZ_CHECK(inside(stack_line(text, 1), text));

  GroupingInput input;
  input.exceptions.push_back({"TypeError", std::string(text.substr(0, 300)), false, stack.frames});
  Grouping group = group_error(input);
  FUZZ_CHECK(group.hash.size() == 32);
  FUZZ_CHECK(group.title.size() <= 200 && group.culprit.size() <= 200);
  if (!find_invalid_utf8(text)) {
    FUZZ_CHECK(!find_invalid_utf8(group.title) && !find_invalid_utf8(group.culprit));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ew::fuzz::as_text(data, size);
  check_stack(text);

  UserAgentInfo agent = parse_user_agent(text);
  if (!text.empty()) FUZZ_CHECK(!agent.browser.empty() && !agent.os.empty());

  (void)normalize_message(text);
  (void)normalize_page_path(text);
  (void)normalize_resource_url(text);
  (void)strip_build_hash(text);
  (void)split_url(text);
  (void)module_from_url(text);
  (void)grouping_function(text);

  (void)sentry_key_from_auth_header(text);
  (void)sentry_key_from_query(text);
  if (std::optional<DsnParts> dsn = parse_dsn(text)) {
    FUZZ_CHECK(!dsn->public_key.empty() && !dsn->project_id.empty());
  }
  std::string cut = truncate_utf8(text, 17);
  FUZZ_CHECK(cut.size() <= 17);
  if (!find_invalid_utf8(text)) FUZZ_CHECK(!find_invalid_utf8(cut));
  return 0;
}
