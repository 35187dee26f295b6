// HTTP dates (RFC 9110 section 5.6.7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ew::static_files {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::int64_t unix_seconds);

// Accepts all three formats a recipient must accept: IMF-fixdate, the obsolete RFC 850 form
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994"). The weekday is
// not checked against the date. nullopt when malformed.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace ew::static_files
