// For targets that check that what edgewatch writes is JSON: a simdjson parser of their own
// (json::parse's thread parser may hold the element being checked).
#pragma once

#include <simdjson.h>

#include <string>

namespace ew::fuzz {

inline simdjson::dom::parser& json_checker() {
  static simdjson::dom::parser parser;
  return parser;
}

inline bool valid_json(const std::string& text) {
  simdjson::dom::element ignored;
  return json_checker().parse(text).get(ignored) == simdjson::SUCCESS;
}

}  // namespace ew::fuzz
