// Range request parsing (RFC 9110 section 14).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ew::static_files {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

enum class RangeStatus : std::uint8_t {
  kIgnore,         // no usable Range: send the whole representation with 200
  kSatisfiable,    // send 206 with `ranges`
  kUnsatisfiable,  // send 416 with Content-Range: bytes */length
};

struct RangeSet {
  RangeStatus status = RangeStatus::kIgnore;
  std::vector<ByteRange> ranges;  // satisfiable ranges, in request order, clamped to the length
};

// More ranges than this in one request are treated as an attack on the multipart encoder and
// the whole Range header is ignored (RFC 9110 section 14.2 allows ignoring it).
inline constexpr std::size_t kMaxRanges = 16;

// Parses a Range field value against a representation of `length` bytes. A header that is not
// "bytes=" or is syntactically invalid is ignored, as is one that asks for more than kMaxRanges
// ranges or whose ranges add up to more than the whole (overlap abuse). A valid header in which
// no range overlaps the representation is unsatisfiable.
RangeSet parse_range(std::string_view header, std::uint64_t length);

}  // namespace ew::static_files
