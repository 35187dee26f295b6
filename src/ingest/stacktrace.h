// Stack frames, and a parser for the Error.stack strings browsers produce (the seed client sends
// error.stack verbatim): V8 ("    at fn (url:1:2)"), SpiderMonkey and JavaScriptCore
// ("fn@url:1:2").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew::ingest {

struct Frame {
  std::string function;  // as written; "" when anonymous
  std::string filename;  // script URL or path
  std::string module;    // when an SDK sent one; usually derived later
  int line = 0;
  int column = 0;
  std::optional<bool> in_app;
};

struct ParsedStack {
  std::string header;         // V8's first line, "TypeError: x is undefined"; "" otherwise
  std::vector<Frame> frames;  // oldest first, as in Sentry events: the last frame threw
};

// Lines that are not frames are skipped; at most max_frames (the newest) are kept.
ParsedStack parse_js_stack(std::string_view stack, std::size_t max_frames = 100);

// The first frame line of a stack as the seed's generateErrorFingerprint sees it:
// error.stack.split('\n')[1], or "" when there is none.
std::string_view stack_line(std::string_view stack, std::size_t index);

}  // namespace ew::ingest
