#include "static/encoding.h"

#include <optional>

#include "core/http.h"
#include "static/text.h"

namespace ew::static_files {
namespace {

constexpr std::uint16_t kUnset = 0xffff;
constexpr std::uint16_t kLastResort = 1;  // q=0.001

}  // namespace

std::string_view encoding_token(Encoding e) {
  switch (e) {
    case Encoding::kBrotli:
      return "br";
    case Encoding::kZstd:
      return "zstd";
    case Encoding::kGzip:
      return "gzip";
    case Encoding::kIdentity:
      return "identity";
  }
  return "identity";
}

std::string_view encoding_suffix(Encoding e) {
  switch (e) {
    case Encoding::kBrotli:
      return ".br";
    case Encoding::kZstd:
      return ".zst";
    case Encoding::kGzip:
      return ".gz";
    case Encoding::kIdentity:
      return "";
  }
  return "";
}

AcceptedEncodings parse_accept_encoding(std::string_view header, bool present) {
  AcceptedEncodings out;
  if (!present) {
    out.q[encoding_index(Encoding::kIdentity)] = 1000;
    return out;
  }
  std::array<std::uint16_t, kEncodingCount> explicit_q;
  explicit_q.fill(kUnset);
  std::uint16_t star = kUnset;
  while (!header.empty()) {
    std::string_view element = next_element(header, ',');
    std::size_t semi = element.find(';');
    std::string_view coding = trim_ows(element.substr(0, semi));
    if (coding.empty()) continue;
    std::optional<std::uint16_t> q = element_quality(
        semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1));
    if (!q) continue;  // a malformed element is ignored, not the whole header
    if (coding == "*") {
      star = *q;
    } else if (iequals(coding, "br")) {
      explicit_q[encoding_index(Encoding::kBrotli)] = *q;
    } else if (iequals(coding, "zstd")) {
      explicit_q[encoding_index(Encoding::kZstd)] = *q;
    } else if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      explicit_q[encoding_index(Encoding::kGzip)] = *q;
    } else if (iequals(coding, "identity")) {
      explicit_q[encoding_index(Encoding::kIdentity)] = *q;
    }
  }
  for (Encoding e : kAllEncodings) {
    std::uint16_t q = explicit_q[encoding_index(e)];
    if (q == kUnset) {
      // Identity is acceptable unless excluded, but only as the last resort: a client that
      // names a coding at any q prefers it to an unnamed identity. Other codings count only
      // when named or covered by "*".
      q = star != kUnset ? star : (e == Encoding::kIdentity ? kLastResort : 0);
    }
    out.q[encoding_index(e)] = q;
  }
  return out;
}

Encoding choose_encoding(const AcceptedEncodings& accepted, EncodingMask available) {
  Encoding best = Encoding::kIdentity;
  std::uint16_t best_q = 0;
  for (Encoding e : kAllEncodings) {
    if (!(available & encoding_bit(e))) continue;
    std::uint16_t q = accepted.quality(e);
    if (q > best_q) {
      best = e;
      best_q = q;
    }
  }
  return best;
}

}  // namespace ew::static_files
