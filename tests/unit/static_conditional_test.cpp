// Entity-tag lists, If-Range and HTTP dates.
#include <gtest/gtest.h>

#include "static/conditional.h"
#include "static/http_date.h"

namespace ew::static_files {
namespace {

constexpr std::string_view kTag = "\"0123456789abcdef\"";
constexpr std::int64_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(StaticConditional, IfNoneMatchUsesWeakComparison) {
  EXPECT_TRUE(if_none_match_hits(kTag, kTag));
  EXPECT_TRUE(if_none_match_hits("W/\"0123456789abcdef\"", kTag));
  EXPECT_TRUE(if_none_match_hits("\"x\", \"0123456789abcdef\"", kTag));
  EXPECT_TRUE(if_none_match_hits("\"x\",W/\"0123456789abcdef\" , \"y\"", kTag));
  EXPECT_TRUE(if_none_match_hits("*", kTag));
  EXPECT_TRUE(if_none_match_hits(" * ", kTag));
  EXPECT_FALSE(if_none_match_hits("\"0123456789abcdef-br\"", kTag));
  EXPECT_FALSE(if_none_match_hits("\"other\"", kTag));
  EXPECT_FALSE(if_none_match_hits("0123456789abcdef", kTag));  // unquoted: malformed
  EXPECT_FALSE(if_none_match_hits("\"unterminated", kTag));
  EXPECT_TRUE(if_none_match_hits("\"a,b\", \"0123456789abcdef\"", kTag));  // comma inside a tag
}

TEST(StaticConditional, IfMatchUsesStrongComparison) {
  EXPECT_TRUE(if_match_hits(kTag, kTag));
  EXPECT_TRUE(if_match_hits("*", kTag));
  EXPECT_TRUE(if_match_hits("\"a\", \"0123456789abcdef\"", kTag));
  EXPECT_FALSE(if_match_hits("W/\"0123456789abcdef\"", kTag));
  EXPECT_FALSE(if_match_hits("\"a\"", kTag));
}

TEST(StaticConditional, IfRangeNeedsAStrongValidator) {
  EXPECT_TRUE(if_range_holds(kTag, kTag, kMtime));
  EXPECT_FALSE(if_range_holds("W/\"0123456789abcdef\"", kTag, kMtime));
  EXPECT_FALSE(if_range_holds("\"other\"", kTag, kMtime));
  EXPECT_TRUE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", kTag, kMtime));
  EXPECT_FALSE(if_range_holds("Sun, 06 Nov 1994 08:49:38 GMT", kTag, kMtime));
  EXPECT_FALSE(if_range_holds("Mon, 07 Nov 1994 08:49:37 GMT", kTag, kMtime));
  EXPECT_FALSE(if_range_holds("garbage", kTag, kMtime));
}

TEST(StaticHttpDate, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(kMtime), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(StaticHttpDate, ParsesAllThreeFormats) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kMtime);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kMtime);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kMtime);
  EXPECT_EQ(parse_http_date("Wed, 16 Nov 1994 08:49:37 GMT"), kMtime + 10 * 86400);
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994"), kMtime + 10 * 86400);
}

TEST(StaticHttpDate, RejectsMalformedDates) {
  for (std::string_view bad :
       {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT trailing", "1994-11-06T08:49:37Z"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ew::static_files
