// The request headers the static edge interprets: Accept-Encoding (negotiation), If-None-Match,
// If-Match, If-Range and HTTP dates. The first byte picks which precompressed variants exist.
#include "check.h"
#include "static/conditional.h"
#include "static/encoding.h"
#include "static/http_date.h"

using namespace ew::static_files;

namespace {

constexpr std::string_view kEtag = "\"5d8c72a5edda8d6a\"";

void check_negotiation(std::string_view header, EncodingMask available) {
  AcceptedEncodings accepted = parse_accept_encoding(header, true);
  for (Encoding e : kAllEncodings) FUZZ_CHECK(accepted.quality(e) <= 1000);

  Encoding chosen = choose_encoding(accepted, available);
  bool identity = chosen == Encoding::kIdentity;
  FUZZ_CHECK(identity || (available & encoding_bit(chosen)) != 0);
  if (!identity) {
    // A compressed variant goes out only when the client accepts it, and nothing available
    // that it prefers was passed over.
    FUZZ_CHECK(accepted.accepts(chosen));
    for (Encoding e : kAllEncodings) {
      if (e == Encoding::kIdentity || (available & encoding_bit(e)) == 0) continue;
      FUZZ_CHECK(accepted.quality(e) <= accepted.quality(chosen));
    }
  }
}

void check_dates(std::string_view text) {
  std::optional<std::int64_t> when = parse_http_date(text);
  if (!when) return;
  // Any date accepted is one edgewatch can write back, and reads again as the same instant.
  std::string written = format_http_date(*when);
  FUZZ_CHECK(parse_http_date(written) == when);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto available = static_cast<EncodingMask>(data[0] & 0x7);
  std::string_view header = ew::fuzz::as_text(data + 1, size - 1);

  check_negotiation(header, available);
  check_dates(header);

  bool none_match = if_none_match_hits(header, kEtag);
  if (header == kEtag || header == "*") FUZZ_CHECK(none_match);
  (void)if_match_hits(header, kEtag);
  (void)if_range_holds(header, kEtag, 1767225600);
  return 0;
}
