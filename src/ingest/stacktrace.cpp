#include "ingest/stacktrace.h"

#include <algorithm>
#include <cctype>

#include "ingest/text.h"

namespace ew::ingest {
namespace {

// Splits "url:12:34" into its parts; tolerates a missing column or line.
void split_location(std::string_view loc, Frame& frame) {
  auto trailing_number = [](std::string_view& s, int& out) {
    const std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == s.size()) return false;
    int v = 0;
    for (std::size_t i = colon + 1; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || v > 10'000'000) return false;
      v = v * 10 + (s[i] - '0');
    }
    out = v;
    s = s.substr(0, colon);
    return true;
  };
  int a = 0, b = 0;
  if (trailing_number(loc, a)) {
    if (trailing_number(loc, b)) {
      frame.line = b;
      frame.column = a;
    } else {
      frame.line = a;
    }
  }
  frame.filename = std::string(loc);
}

bool parse_v8(std::string_view line, Frame& frame) {
  if (!line.starts_with("at ")) return false;
  line.remove_prefix(3);
  line = trim_space(line);
  if (line.ends_with(")")) {
    // "fn (location)"; the location may itself hold parentheses: "eval at f (x), <anonymous>:1:1".
    std::size_t open = line.find(" (");
    if (open == std::string_view::npos) return false;
    frame.function = std::string(trim_space(line.substr(0, open)));
    std::string_view loc = line.substr(open + 2, line.size() - open - 3);
    if (loc.starts_with("eval at ")) {
      const std::size_t comma = loc.rfind(", ");
      loc = comma == std::string_view::npos ? std::string_view() : loc.substr(comma + 2);
    }
    split_location(loc, frame);
  } else {
    split_location(line, frame);
  }
  for (std::string_view prefix : {"async ", "new "}) {
    if (std::string_view(frame.function).starts_with(prefix)) {
      frame.function.erase(0, prefix.size());
    }
  }
  const std::size_t alias = frame.function.find(" [as ");
  if (alias != std::string::npos) frame.function.erase(alias);
  return true;
}

bool parse_gecko(std::string_view line, Frame& frame) {
  const std::size_t at = line.find('@');
  if (at == std::string_view::npos) {
    if (line == "[native code]") {
      frame.filename = "[native code]";
      return true;
    }
    return false;
  }
  frame.function = std::string(line.substr(0, at));
  split_location(line.substr(at + 1), frame);
  return !frame.filename.empty() || !frame.function.empty();
}

// "TypeError: ..." or "Error": an identifier, then ": " or the end.
bool error_header(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' ||
                             line[i] == '$' || line[i] == '.')) {
    ++i;
  }
  return i > 0 && (i == line.size() || line.substr(i).starts_with(": "));
}

}  // namespace

std::string_view stack_line(std::string_view stack, std::size_t index) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < index; ++i) {
    pos = stack.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  const std::size_t end = stack.find('\n', pos);
  return stack.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

ParsedStack parse_js_stack(std::string_view stack, std::size_t max_frames) {
  ParsedStack out;
  std::vector<Frame> newest_first;
  std::size_t pos = 0;
  bool first = true;
  while (pos < stack.size()) {
    std::size_t nl = stack.find('\n', pos);
    if (nl == std::string_view::npos) nl = stack.size();
    std::string_view raw = stack.substr(pos, nl - pos);
    pos = nl + 1;
    std::string_view line = trim_space(raw);
    if (line.empty()) continue;
    Frame frame;
    const bool v8 = parse_v8(line, frame);
    if (!v8 && first && (line.find('@') == std::string_view::npos || error_header(line))) {
      out.header = std::string(line);  // "TypeError: message" before V8 frames
    } else if (v8 || parse_gecko(line, frame)) {
      if (newest_first.size() < max_frames) newest_first.push_back(std::move(frame));
    }
    first = false;
  }
  // Browsers print the newest frame first; events list the oldest first.
  out.frames.assign(std::make_move_iterator(newest_first.rbegin()),
                    std::make_move_iterator(newest_first.rend()));
  return out;
}

}  // namespace ew::ingest
