// Small string helpers for header parsing; all allocation-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ew::static_files {

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits off the text before the first `sep`; `rest` keeps what follows it (empty at the end).
inline std::string_view next_element(std::string_view& rest, char sep) {
  std::size_t at = rest.find(sep);
  std::string_view head = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + 1);
  return head;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000; nullopt if malformed.
std::optional<std::uint16_t> parse_qvalue(std::string_view text);

// The q of one list element's parameters ("q=0.5;level=1" after the first ';'): 1000 when absent,
// nullopt when the q parameter is malformed.
std::optional<std::uint16_t> element_quality(std::string_view params);

}  // namespace ew::static_files
