// Wall-clock time as edgewatch shows and reads it: milliseconds since the Unix epoch, and
// RFC 3339 / ISO 8601 text in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ew {

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();

// "2024-05-01T12:00:00.123Z".
std::string format_iso8601(std::int64_t ms);

// How strict parse_iso8601 is. Operator input (deployment reports, query ranges) is strict;
// client payloads (a browser's or an SDK's timestamps) are read as leniently as Sentry does.
enum class Iso8601 : std::uint8_t {
  // "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" from 1970 on: a time without a zone is refused as
  // ambiguous.
  kStrict,
  // Also a space for 'T', a comma for the fraction, a date alone, "+HHMM" and "+HH" offsets,
  // no zone (read as UTC), and years before 1970.
  kLenient,
};

// Milliseconds since the epoch; nullopt when malformed or not a real date.
std::optional<std::int64_t> parse_iso8601(std::string_view text, Iso8601 mode = Iso8601::kStrict);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace ew
