// Accept-Encoding negotiation (RFC 9110 section 12.5.3).
#include <gtest/gtest.h>

#include "static/encoding.h"

namespace ew::static_files {
namespace {

constexpr EncodingMask kAll = encoding_bit(Encoding::kBrotli) | encoding_bit(Encoding::kZstd) |
                              encoding_bit(Encoding::kGzip) | encoding_bit(Encoding::kIdentity);
constexpr EncodingMask kGzipOnly =
    encoding_bit(Encoding::kGzip) | encoding_bit(Encoding::kIdentity);
constexpr EncodingMask kIdentityOnly = encoding_bit(Encoding::kIdentity);

Encoding pick(std::string_view header, EncodingMask available = kAll, bool present = true) {
  return choose_encoding(parse_accept_encoding(header, present), available);
}

TEST(StaticEncoding, BrowserDefaultsPreferBrotliThenZstdThenGzip) {
  EXPECT_EQ(pick("gzip, deflate, br, zstd"), Encoding::kBrotli);  // Chrome
  EXPECT_EQ(pick("gzip, deflate, br"), Encoding::kBrotli);
  EXPECT_EQ(pick("gzip, deflate, zstd"), Encoding::kZstd);
  EXPECT_EQ(pick("gzip, deflate"), Encoding::kGzip);
  EXPECT_EQ(pick("gzip, deflate, br, zstd", kGzipOnly), Encoding::kGzip);
}

TEST(StaticEncoding, AbsentOrEmptyHeaderMeansIdentity) {
  EXPECT_EQ(pick("", kAll, /*present=*/false), Encoding::kIdentity);
  EXPECT_EQ(pick("", kAll, /*present=*/true), Encoding::kIdentity);
  EXPECT_EQ(pick("deflate, compress"), Encoding::kIdentity);
}

TEST(StaticEncoding, QValuesOutrankPreferenceOrder) {
  EXPECT_EQ(pick("br;q=0.5, gzip;q=0.8"), Encoding::kGzip);
  EXPECT_EQ(pick("br;q=0.8, gzip;q=0.8"), Encoding::kBrotli);  // tie: preference order
  EXPECT_EQ(pick("gzip;q=1.0, zstd;q=0.999"), Encoding::kGzip);
  EXPECT_EQ(pick("br;q=0, gzip"), Encoding::kGzip);
  EXPECT_EQ(pick("br;q=0.001"), Encoding::kBrotli);  // an unnamed identity is the last resort
  EXPECT_EQ(pick("br;q=0.5, identity"), Encoding::kIdentity);
  EXPECT_EQ(pick("br;q=0.001, identity;q=0"), Encoding::kBrotli);
}

TEST(StaticEncoding, IdentityCanBeExcluded) {
  EXPECT_EQ(pick("gzip;q=0.5, identity;q=0"), Encoding::kGzip);
  EXPECT_EQ(pick("*;q=0, br"), Encoding::kBrotli);
  // Nothing acceptable is available: the header is disregarded rather than answering 406.
  EXPECT_EQ(pick("br, identity;q=0", kGzipOnly), Encoding::kIdentity);
  EXPECT_FALSE(parse_accept_encoding("gzip, identity;q=0", true).accepts(Encoding::kIdentity));
  EXPECT_FALSE(parse_accept_encoding("*;q=0", true).accepts(Encoding::kIdentity));
  EXPECT_TRUE(parse_accept_encoding("*;q=0, identity", true).accepts(Encoding::kIdentity));
}

TEST(StaticEncoding, StarCoversUnlistedCodings) {
  EXPECT_EQ(pick("*"), Encoding::kBrotli);
  EXPECT_EQ(pick("*, br;q=0"), Encoding::kZstd);
  EXPECT_EQ(pick("gzip, *;q=0.1"), Encoding::kGzip);
  EXPECT_EQ(pick("*;q=0.5, identity"), Encoding::kIdentity);
}

TEST(StaticEncoding, CaseWhitespaceAliasesAndMalformedElements) {
  EXPECT_EQ(pick("  GZIP ;  Q=1 ,BR ; q=0.2"), Encoding::kGzip);
  EXPECT_EQ(pick("x-gzip", kGzipOnly), Encoding::kGzip);
  EXPECT_EQ(pick(",,, br ,,"), Encoding::kBrotli);
  // A malformed q drops that element only.
  EXPECT_EQ(pick("br;q=2, gzip"), Encoding::kGzip);
  EXPECT_EQ(pick("br;q=0.1234, gzip;q=0.5"), Encoding::kGzip);
  EXPECT_EQ(pick("br;q=abc"), Encoding::kIdentity);
}

TEST(StaticEncoding, OnlyAvailableVariantsAreChosen) {
  EXPECT_EQ(pick("br, gzip", kIdentityOnly), Encoding::kIdentity);
  EXPECT_EQ(pick("zstd", kGzipOnly), Encoding::kIdentity);
}

TEST(StaticEncoding, TokensAndSuffixes) {
  EXPECT_EQ(encoding_token(Encoding::kBrotli), "br");
  EXPECT_EQ(encoding_token(Encoding::kZstd), "zstd");
  EXPECT_EQ(encoding_token(Encoding::kGzip), "gzip");
  EXPECT_EQ(encoding_suffix(Encoding::kZstd), ".zst");
  EXPECT_EQ(encoding_suffix(Encoding::kIdentity), "");
}

}  // namespace
}  // namespace ew::static_files
