// ASCII text helpers shared by the protocol code (header names, tokens, config keys). Header-only
// so that layers below core (config) can use them without linking it.
#pragma once

#include <string>
#include <string_view>

namespace ew {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Strips spaces, tabs, CR and LF from both ends (HTTP's optional whitespace, plus line ends).
inline std::string_view trim_space(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace ew
