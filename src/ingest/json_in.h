// Reading untrusted JSON with simdjson: one parser per thread with a depth limit and bounded
// memory, typed field access that distinguishes missing, null and wrong-typed values, and error
// messages that say what is wrong and at which byte. Only the parsing files include this header
// (simdjson.h is large).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ew::ingest::json {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Limits {
  std::size_t max_size = 1 << 20;
  std::size_t max_depth = 32;
};

// Parses `text` into the calling thread's parser. On failure `error` is a sentence with the
// byte offset. The element is valid until the next parse on this thread.
bool parse(std::string_view text, const Limits& limits, element& out, std::string& error);

enum class Got : unsigned char { kMissing, kNull, kOk, kWrongType };

Got get_string(const object& obj, std::string_view key, std::string_view& out);
Got get_number(const object& obj, std::string_view key, double& out);
Got get_object(const object& obj, std::string_view key, object& out);
Got get_array(const object& obj, std::string_view key, array& out);
Got get_bool(const object& obj, std::string_view key, bool& out);
std::optional<element> get(const object& obj, std::string_view key);

bool is_number(const element& e);
double as_number(const element& e);  // for numeric elements
// Scalars as text: strings as they are, numbers and booleans printed; nullopt for the rest.
std::optional<std::string> scalar_text(const element& e);

// An object minified, at most max_bytes: members that do not fit are left out and
// "_truncated":true added.
std::string capped_object(const object& obj, std::size_t max_bytes);
std::string minify(const element& e);

// Milliseconds since the epoch from an ISO 8601 string or a number (seconds when below 1e11,
// else milliseconds). nullopt when malformed.
std::optional<std::int64_t> timestamp_of(const element& e);

}  // namespace ew::ingest::json
