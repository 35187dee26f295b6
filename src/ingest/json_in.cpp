#include "ingest/json_in.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "ingest/json_error.h"
#include "ingest/text.h"
#include "util/time.h"

namespace ew::ingest::json {
namespace {

constexpr std::size_t kIdleCapacity = 64 * 1024;

struct ThreadParser {
  simdjson::dom::parser parser;
  std::string padded;
};

// One parser per depth limit and thread: simdjson fixes the depth when it allocates, and
// switching one parser between limits would reallocate it on every envelope.
ThreadParser& thread_parser(std::size_t depth) {
  thread_local std::map<std::size_t, ThreadParser> parsers;
  return parsers[depth];
}

}  // namespace

bool parse(std::string_view text, const Limits& limits, element& out, std::string& error) {
  if (text.size() > limits.max_size) {
    error = "JSON of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
            std::to_string(limits.max_size);
    return false;
  }
  ThreadParser& tp = thread_parser(limits.max_depth);
  // Large documents make the parser allocate ~14 bytes per input byte; give that back once the
  // thread is done with them so a burst of big bodies does not pin memory.
  const std::size_t want = std::max(kIdleCapacity, text.size());
  if (tp.parser.capacity() < want || tp.parser.capacity() > 4 * want) {
    if (tp.parser.allocate(want, limits.max_depth) != simdjson::SUCCESS) {
      error = "out of memory for the JSON parser";
      return false;
    }
  }
  tp.padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  tp.padded.assign(text);
  auto result = tp.parser.parse(tp.padded.data(), tp.padded.size(), false);
  if (tp.padded.capacity() > 4 * kIdleCapacity) std::string().swap(tp.padded);
  if (result.error() == simdjson::SUCCESS) {
    out = result.value_unsafe();
    return true;
  }
  const auto code = result.error();
  if (std::optional<JsonProblem> problem = find_json_problem(text, limits.max_depth)) {
    error = "malformed JSON: " + problem->to_string();
  } else if (code == simdjson::DEPTH_ERROR) {
    error = "malformed JSON: nesting deeper than " + std::to_string(limits.max_depth) + " levels";
  } else {
    error = std::string("malformed JSON: ") + simdjson::error_message(code);
  }
  return false;
}

std::optional<element> get(const object& obj, std::string_view key) {
  element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

Got get_string(const object& obj, std::string_view key, std::string_view& out) {
  auto e = get(obj, key);
  if (!e) return Got::kMissing;
  if (e->is_null()) return Got::kNull;
  if (!e->is_string()) return Got::kWrongType;
  out = e->get_string().value_unsafe();
  return Got::kOk;
}

bool is_number(const element& e) {
  return e.is_int64() || e.is_uint64() || e.is_double();
}

double as_number(const element& e) {
  if (e.is_int64()) return static_cast<double>(e.get_int64().value_unsafe());
  if (e.is_uint64()) return static_cast<double>(e.get_uint64().value_unsafe());
  return e.get_double().value_unsafe();
}

Got get_number(const object& obj, std::string_view key, double& out) {
  auto e = get(obj, key);
  if (!e) return Got::kMissing;
  if (e->is_null()) return Got::kNull;
  if (!is_number(*e)) return Got::kWrongType;
  out = as_number(*e);
  return Got::kOk;
}

Got get_object(const object& obj, std::string_view key, object& out) {
  auto e = get(obj, key);
  if (!e) return Got::kMissing;
  if (e->is_null()) return Got::kNull;
  if (!e->is_object()) return Got::kWrongType;
  out = e->get_object().value_unsafe();
  return Got::kOk;
}

Got get_array(const object& obj, std::string_view key, array& out) {
  auto e = get(obj, key);
  if (!e) return Got::kMissing;
  if (e->is_null()) return Got::kNull;
  if (!e->is_array()) return Got::kWrongType;
  out = e->get_array().value_unsafe();
  return Got::kOk;
}

Got get_bool(const object& obj, std::string_view key, bool& out) {
  auto e = get(obj, key);
  if (!e) return Got::kMissing;
  if (e->is_null()) return Got::kNull;
  if (!e->is_bool()) return Got::kWrongType;
  out = e->get_bool().value_unsafe();
  return Got::kOk;
}

std::optional<std::string> scalar_text(const element& e) {
  if (e.is_string()) return std::string(e.get_string().value_unsafe());
  if (e.is_bool()) return std::string(e.get_bool().value_unsafe() ? "true" : "false");
  if (e.is_int64()) return std::to_string(e.get_int64().value_unsafe());
  if (e.is_uint64()) return std::to_string(e.get_uint64().value_unsafe());
  if (e.is_double()) return simdjson::minify(e);
  return std::nullopt;
}

std::string minify(const element& e) {
  return simdjson::minify(e);
}

std::string capped_object(const object& obj, std::size_t max_bytes) {
  std::string whole = simdjson::minify(obj);
  if (whole.size() <= max_bytes) return whole;
  constexpr std::string_view kMark = "\"_truncated\":true}";
  std::string out = "{";
  for (auto field : obj) {
    // Keys come from valid JSON, so re-escaping them is enough.
    std::string k;
    k.push_back('"');
    for (char c : field.key) {
      if (c == '"' || c == '\\') k.push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        k += buf;
        continue;
      }
      k.push_back(c);
    }
    k += "\":";
    k += simdjson::minify(field.value);
    if (out.size() + k.size() + 1 + kMark.size() > max_bytes) continue;
    out += k;
    out.push_back(',');
  }
  out += kMark;
  return out;
}

std::optional<std::int64_t> timestamp_of(const element& e) {
  if (e.is_string()) return parse_iso8601(e.get_string().value_unsafe(), Iso8601::kLenient);
  if (!is_number(e)) return std::nullopt;
  const double v = as_number(e);
  if (!std::isfinite(v) || v < 0 || v > 1e15) return std::nullopt;
  return static_cast<std::int64_t>(v < 1e11 ? v * 1000.0 : v);
}

}  // namespace ew::ingest::json
