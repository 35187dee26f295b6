// Range header parsing (RFC 9110 section 14).
#include <gtest/gtest.h>

#include "static/range.h"

namespace ew::static_files {
namespace {

RangeSet parse(std::string_view header, std::uint64_t length = 1000) {
  return parse_range(header, length);
}

void expect_ranges(const RangeSet& set, std::vector<std::pair<std::uint64_t, std::uint64_t>> want) {
  ASSERT_EQ(set.status, RangeStatus::kSatisfiable);
  ASSERT_EQ(set.ranges.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(set.ranges[i].first, want[i].first) << i;
    EXPECT_EQ(set.ranges[i].last, want[i].second) << i;
  }
}

TEST(StaticRange, SingleRangeForms) {
  expect_ranges(parse("bytes=0-499"), {{0, 499}});
  expect_ranges(parse("bytes=500-"), {{500, 999}});
  expect_ranges(parse("bytes=-200"), {{800, 999}});
  expect_ranges(parse("bytes=0-0"), {{0, 0}});
  expect_ranges(parse("bytes=999-999"), {{999, 999}});
}

TEST(StaticRange, ClampsToTheRepresentation) {
  expect_ranges(parse("bytes=900-5000"), {{900, 999}});
  expect_ranges(parse("bytes=-5000"), {{0, 999}});
  expect_ranges(parse("bytes=0-99999999999999999999999"), {{0, 999}});  // saturates, no overflow
}

TEST(StaticRange, MultipleRangesKeepRequestOrder) {
  expect_ranges(parse("bytes=0-9, 20-29,-5"), {{0, 9}, {20, 29}, {995, 999}});
  expect_ranges(parse("bytes=500-599,0-99"), {{500, 599}, {0, 99}});
  // Unsatisfiable members are dropped when others are satisfiable.
  expect_ranges(parse("bytes=2000-3000, 0-1"), {{0, 1}});
}

TEST(StaticRange, UnsatisfiableWhenNothingOverlaps) {
  EXPECT_EQ(parse("bytes=1000-").status, RangeStatus::kUnsatisfiable);
  EXPECT_EQ(parse("bytes=5000-6000").status, RangeStatus::kUnsatisfiable);
  EXPECT_EQ(parse("bytes=-0").status, RangeStatus::kUnsatisfiable);
  EXPECT_EQ(parse("bytes=0-", 0).status, RangeStatus::kUnsatisfiable);
  EXPECT_EQ(parse("bytes=-10", 0).status, RangeStatus::kUnsatisfiable);
}

TEST(StaticRange, MalformedOrForeignUnitsAreIgnored) {
  for (std::string_view bad :
       {"", "bytes", "bytes=", "bytes=abc", "bytes=5-1", "bytes=1-2-3", "bytes=--5", "bytes=0-1,x",
        "items=0-5", "bytes 0-5", "=0-5", "bytes=+1-2", "bytes=1 -2"}) {
    EXPECT_EQ(parse(bad).status, RangeStatus::kIgnore) << bad;
  }
  expect_ranges(parse("BYTES=0-1"), {{0, 1}});  // the unit is case-insensitive
}

TEST(StaticRange, AbuseIsIgnoredRatherThanAmplified) {
  std::string many = "bytes=";
  for (int i = 0; i < 17; ++i)
    many += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
  EXPECT_EQ(parse(many).status, RangeStatus::kIgnore);
  // Overlapping ranges adding up to more than the whole file.
  EXPECT_EQ(parse("bytes=0-999,0-999").status, RangeStatus::kIgnore);
  EXPECT_EQ(parse("bytes=0-,0-,0-").status, RangeStatus::kIgnore);
  std::string sixteen = "bytes=";
  for (int i = 0; i < 16; ++i)
    sixteen += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
  EXPECT_EQ(parse(sixteen).status, RangeStatus::kSatisfiable);
}

}  // namespace
}  // namespace ew::static_files
