#include "static/text.h"

namespace ew::static_files {

std::optional<std::uint16_t> parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  unsigned value = (text[0] == '1') ? 1000 : 0;
  if (text.size() == 1) return static_cast<std::uint16_t>(value);
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  unsigned scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    value += static_cast<unsigned>(c - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::uint16_t> element_quality(std::string_view params) {
  std::uint16_t q = 1000;
  while (!params.empty()) {
    std::string_view param = trim_ows(next_element(params, ';'));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      std::optional<std::uint16_t> parsed = parse_qvalue(trim_ows(param.substr(2)));
      if (!parsed) return std::nullopt;
      q = *parsed;
    }
  }
  return q;
}

}  // namespace ew::static_files
