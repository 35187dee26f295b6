// Explains why a body is not acceptable JSON: what is wrong and at which byte. simdjson parses the
// good bodies fast but reports only an error code; this small validator re-reads a rejected body
// once to produce the message a client developer needs ("expected ':' after an object key at byte
// 17"). It follows RFC 8259, enforces the same nesting limit and checks UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ew::ingest {

struct JsonProblem {
  std::size_t offset = 0;         // 0-based byte offset
  std::string what;               // "expected ',' or '}' after an object member"
  std::string to_string() const;  // "<what> at byte <offset>"
};

// nullopt when `text` is one valid JSON value within max_depth levels of nesting.
std::optional<JsonProblem> find_json_problem(std::string_view text, std::size_t max_depth);

}  // namespace ew::ingest
