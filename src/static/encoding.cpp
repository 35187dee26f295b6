#include "static/encoding.h"

#include <optional>

#include "core/http.h"

namespace ew::static_files {
namespace {

constexpr std::uint16_t kUnset = 0xffff;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000.
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

// The q parameter of one list element ("gzip;q=0.5"): 1000 when absent, nullopt if malformed.
std::optional<std::uint16_t> element_quality(std::string_view params) {
  std::uint16_t q = 1000;
  while (!params.empty()) {
    std::size_t semi = params.find(';');
    std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      std::optional<std::uint16_t> parsed = parse_qvalue(trim(param.substr(2)));
      if (!parsed) return std::nullopt;
      q = *parsed;
    }
  }
  return q;
}

}  // namespace

std::string_view encoding_token(Encoding e) {
  switch (e) {
    case Encoding::kBrotli: return "br";
    case Encoding::kZstd: return "zstd";
    case Encoding::kGzip: return "gzip";
    case Encoding::kIdentity: return "identity";
  }
  return "identity";
}

std::string_view encoding_suffix(Encoding e) {
  switch (e) {
    case Encoding::kBrotli: return ".br";
    case Encoding::kZstd: return ".zst";
    case Encoding::kGzip: return ".gz";
    case Encoding::kIdentity: return "";
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
    std::size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    if (coding.empty()) continue;
    std::optional<std::uint16_t> q =
        element_quality(semi == std::string_view::npos ? std::string_view()
                                                       : element.substr(semi + 1));
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
      // Identity is acceptable unless excluded; other codings only when named or covered by *.
      q = star != kUnset ? star : (e == Encoding::kIdentity ? 1000 : 0);
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
