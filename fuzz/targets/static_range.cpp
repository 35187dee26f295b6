// Range headers (RFC 9110 section 14): whatever parse_range answers must be something the
// range reply can send as is, for a representation of the length given after the first '\n'.
#include <charconv>

#include "check.h"
#include "static/range.h"

using namespace ew::static_files;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [header, length_text] = ew::fuzz::split_once(ew::fuzz::as_text(data, size), '\n');
  std::uint64_t length = 1000;
  std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);

  RangeSet set = parse_range(header, length);
  switch (set.status) {
    case RangeStatus::kIgnore:
    case RangeStatus::kUnsatisfiable:
      FUZZ_CHECK(set.ranges.empty());
      break;
    case RangeStatus::kSatisfiable: {
      FUZZ_CHECK(!set.ranges.empty() && set.ranges.size() <= kMaxRanges);
      std::uint64_t total = 0;
      for (const ByteRange& r : set.ranges) {
        FUZZ_CHECK(r.first <= r.last && r.last < length);
        total += r.length();
      }
      FUZZ_CHECK(total <= length);  // overlap abuse is ignored, never served
      break;
    }
  }
  return 0;
}
