#include "static/range.h"

#include <limits>
#include <optional>

#include "core/http.h"
#include "static/text.h"

namespace ew::static_files {
namespace {

constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();

// 1*DIGIT; values too large for 64 bits saturate, which is still "beyond the end".
std::optional<std::uint64_t> parse_digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kUnbounded - digit) / 10) {
      value = kUnbounded;
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

// One range-spec. Returns false when malformed; sets `satisfiable` and `out` otherwise.
bool parse_spec(std::string_view spec, std::uint64_t length, bool& satisfiable, ByteRange& out) {
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view first_text = spec.substr(0, dash);
  std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // suffix-range: the last N bytes
    std::optional<std::uint64_t> suffix = parse_digits(last_text);
    if (!suffix) return false;
    satisfiable = *suffix > 0 && length > 0;
    if (satisfiable) out = {*suffix >= length ? 0 : length - *suffix, length - 1};
    return true;
  }
  std::optional<std::uint64_t> first = parse_digits(first_text);
  if (!first) return false;
  std::uint64_t last = kUnbounded;
  if (!last_text.empty()) {
    std::optional<std::uint64_t> parsed = parse_digits(last_text);
    if (!parsed || *parsed < *first) return false;
    last = *parsed;
  }
  satisfiable = *first < length;
  if (satisfiable) out = {*first, last >= length ? length - 1 : last};
  return true;
}

}  // namespace

RangeSet parse_range(std::string_view header, std::uint64_t length) {
  RangeSet result;
  header = trim_ows(header);
  std::size_t eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim_ows(header.substr(0, eq)), "bytes")) {
    return result;
  }
  std::string_view rest = header.substr(eq + 1);
  std::size_t specs = 0;
  std::uint64_t total = 0;
  std::vector<ByteRange> ranges;
  while (!rest.empty()) {
    std::string_view spec = trim_ows(next_element(rest, ','));
    if (spec.empty()) continue;  // "#rule" lists tolerate empty elements
    if (++specs > kMaxRanges) return result;
    bool satisfiable = false;
    ByteRange range;
    if (!parse_spec(spec, length, satisfiable, range)) return result;
    if (!satisfiable) continue;
    total += range.length();
    if (total > length) return result;
    ranges.push_back(range);
  }
  if (specs == 0) return result;
  result.status = ranges.empty() ? RangeStatus::kUnsatisfiable : RangeStatus::kSatisfiable;
  result.ranges = std::move(ranges);
  return result;
}

}  // namespace ew::static_files
