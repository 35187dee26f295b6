// The pieces without sockets: JSON, query parameters, the reply sentence and its tokens, modes
// and durations.
#include "orchestrator.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace orchestrator {
namespace {

constexpr int kMaxTokens = 100000;

}  // namespace

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> json_string_field(std::string_view body, std::string_view key) {
  static simdjson::dom::parser parser;  // one thread; reusing it keeps its buffers
  simdjson::dom::element document;
  if (parser.parse(body.data(), body.size()).get(document)) return std::nullopt;
  std::string_view value;
  if (document[key].get(value)) return std::nullopt;
  return std::string(value);
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

Query parse_query(std::string_view target) {
  Query query;
  std::size_t start = target.find('?');
  if (start == std::string_view::npos) return query;
  std::string_view rest = target.substr(start + 1);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      query.emplace(std::string(pair), "");
    } else {
      query.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    }
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return query;
}

int query_int(const Query& query, std::string_view key, int fallback) {
  auto it = query.find(key);
  if (it == query.end()) return fallback;
  int value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return fallback;
  return value;
}

ReplyPlan plan_reply(const Query& query, const Options& options) {
  ReplyPlan plan;
  int delay_ms = query_int(query, "delay_ms", static_cast<int>(options.token_delay.count()));
  plan.delay = std::chrono::milliseconds(std::max(0, delay_ms));
  plan.tokens = std::min(query_int(query, "tokens", -1), kMaxTokens);
  plan.drop_after = query_int(query, "drop_after", -1);
  auto drop = query.find("drop");
  plan.drop_with_reset = drop != query.end() && drop->second == "rst";
  return plan;
}

std::vector<std::string> reply_tokens(std::string_view message, int count) {
  std::string sentence = "You said: " + std::string(message) +
                         ". Here is a streamed reply from the example orchestrator, sent one "
                         "token at a time so that every hop shows its latency.";
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < sentence.size()) {
    std::size_t space = sentence.find(' ', pos);
    if (space == std::string::npos) space = sentence.size();
    if (space > pos) words.push_back(sentence.substr(pos, space - pos));
    pos = space + 1;
  }
  if (count < 0) count = static_cast<int>(words.size());
  // Each token but the first carries its leading space, so the tokens concatenate to the text;
  // a longer reply than the sentence starts over from its first word.
  std::vector<std::string> tokens;
  tokens.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::string& word = words[static_cast<std::size_t>(i) % words.size()];
    tokens.push_back(i == 0 ? word : " " + word);
  }
  return tokens;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::kHealthy:
      return "healthy";
    case Mode::kFail:
      return "fail";
    case Mode::kHang:
      return "hang";
  }
  return "healthy";
}

bool parse_mode(std::string_view name, Mode& mode) {
  for (Mode m : {Mode::kHealthy, Mode::kFail, Mode::kHang}) {
    if (name == mode_name(m)) {
      mode = m;
      return true;
    }
  }
  return false;
}

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return false;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty() || unit == "ms") {
    out = std::chrono::milliseconds(value);
  } else if (unit == "s") {
    out = std::chrono::seconds(value);
  } else {
    return false;
  }
  return true;
}

}  // namespace orchestrator
