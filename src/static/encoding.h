// Content codings and Accept-Encoding negotiation (RFC 9110 section 12.5.3).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ew::static_files {

// Index order is also the preference order at equal q: the smallest coding first.
enum class Encoding : std::uint8_t { kBrotli = 0, kZstd = 1, kGzip = 2, kIdentity = 3 };
inline constexpr int kEncodingCount = 4;
inline constexpr std::array<Encoding, kEncodingCount> kAllEncodings = {
    Encoding::kBrotli, Encoding::kZstd, Encoding::kGzip, Encoding::kIdentity};

using EncodingMask = std::uint8_t;
constexpr EncodingMask encoding_bit(Encoding e) {
  return static_cast<EncodingMask>(1u << static_cast<int>(e));
}
constexpr int encoding_index(Encoding e) {
  return static_cast<int>(e);
}

// "br", "zstd", "gzip", "identity": the Content-Encoding token.
std::string_view encoding_token(Encoding e);
// ".br", ".zst", ".gz"; empty for identity: the precompressed sibling's suffix.
std::string_view encoding_suffix(Encoding e);

// The q-values (0..1000) a request grants each coding.
struct AcceptedEncodings {
  std::array<std::uint16_t, kEncodingCount> q{};

  std::uint16_t quality(Encoding e) const { return q[encoding_index(e)]; }
  bool accepts(Encoding e) const { return quality(e) > 0; }
};

// Parses Accept-Encoding. `present` is false when the request had no such header: then only
// identity is acceptable (what browsers that say nothing can be assumed to handle; nginx does
// the same). Unknown codings are ignored; "x-gzip" counts as gzip; "*" covers every coding not
// listed, identity included, so "*;q=0" without an identity entry excludes identity. Identity
// neither listed nor covered gets the lowest non-zero q, so any coding the client names wins.
AcceptedEncodings parse_accept_encoding(std::string_view header, bool present);

// Picks among `available` the coding with the highest q, ties broken by the enum order
// (br > zstd > gzip > identity). When nothing available is acceptable (say "identity;q=0" and
// no compressed variant) the header is disregarded and identity is chosen, as RFC 9110
// section 12.1 allows, rather than answering 406 to a client that will not retry.
Encoding choose_encoding(const AcceptedEncodings& accepted, EncodingMask available);

}  // namespace ew::static_files
