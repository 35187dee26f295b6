// Wall-clock time as the operations endpoints show it: milliseconds since the Unix epoch and
// ISO 8601 text in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ew::ops {

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();
// "2024-05-01T12:00:00.123Z".
std::string iso8601(std::int64_t ms);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" from 1970 on; nullopt when malformed or
// out of range. A time without a zone is refused: it would be ambiguous.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

}  // namespace ew::ops
