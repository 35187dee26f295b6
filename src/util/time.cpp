#include "util/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace ew {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

bool leap_year(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : kDays[month - 1];
}

struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int millis = 0;
  int offset_minutes = 0;
};

// "[.,]digits": at most 9 digits, the first three kept as milliseconds.
bool fraction(std::string_view t, std::size_t& i, bool comma_too, int& millis) {
  if (i >= t.size() || !(t[i] == '.' || (comma_too && t[i] == ','))) return true;
  const std::size_t start = ++i;
  int value = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    if (i - start < 3) value = value * 10 + (t[i] - '0');
    ++i;
  }
  if (i == start || i - start > 9) return false;
  for (std::size_t n = i - start; n < 3; ++n) value *= 10;
  millis = value;
  return true;
}

// "Z", "±HH:MM"; leniently also "±HHMM", "±HH" and nothing (UTC).
bool zone(std::string_view t, std::size_t& i, bool lenient, int& offset_minutes) {
  if (i == t.size()) return lenient;
  if (t[i] == 'Z' || t[i] == 'z') {
    ++i;
    return true;
  }
  if (t[i] != '+' && t[i] != '-') return false;
  const int sign = t[i] == '+' ? 1 : -1;
  int hours = 0, minutes = 0;
  if (!digits(t, i + 1, 2, hours)) return false;
  std::size_t at = i + 3;
  if (at < t.size() && t[at] == ':') {
    if (!digits(t, at + 1, 2, minutes)) return false;
    at += 3;
  } else if (lenient && at < t.size()) {
    if (!digits(t, at, 2, minutes)) return false;
    at += 2;
  } else if (!lenient) {
    return false;
  }
  if (hours > 23 || minutes > 59) return false;
  offset_minutes = sign * (hours * 60 + minutes);
  i = at;
  return true;
}

bool parse_fields(std::string_view t, bool lenient, Fields& f) {
  if (!digits(t, 0, 4, f.year) || t.size() < 10 || t[4] != '-' || !digits(t, 5, 2, f.month) ||
      t[7] != '-' || !digits(t, 8, 2, f.day)) {
    return false;
  }
  std::size_t i = 10;
  const bool has_time = i < t.size() && (t[i] == 'T' || t[i] == 't' || (lenient && t[i] == ' '));
  if (!has_time && !lenient) return false;
  if (has_time) {
    if (!digits(t, i + 1, 2, f.hour) || i + 3 >= t.size() || t[i + 3] != ':' ||
        !digits(t, i + 4, 2, f.minute)) {
      return false;
    }
    i += 6;
    if (i < t.size() && t[i] == ':') {
      if (!digits(t, i + 1, 2, f.second)) return false;
      i += 3;
      if (!fraction(t, i, lenient, f.millis)) return false;
    } else if (!lenient) {
      return false;
    }
  }
  if (!zone(t, i, lenient, f.offset_minutes)) return false;
  return i == t.size();
}

}  // namespace

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parse_iso8601(std::string_view text, Iso8601 mode) {
  const bool lenient = mode == Iso8601::kLenient;
  Fields f;
  if (!parse_fields(text, lenient, f)) return std::nullopt;
  if ((!lenient && f.year < 1970) || f.month < 1 || f.month > 12 || f.day < 1 ||
      f.day > days_in_month(f.year, f.month) || f.hour > 23 || f.minute > 59 || f.second > 60) {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day));
  // A leap second (":60") is read as the second before it.
  const std::int64_t seconds = days * 86400 + f.hour * 3600 + f.minute * 60 +
                               std::min(f.second, 59) -
                               static_cast<std::int64_t>(f.offset_minutes) * 60;
  return seconds * 1000 + f.millis;
}

std::string format_iso8601(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t second_of_day = secs % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  // civil_from_days, the inverse of days_from_civil.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(second_of_day / 3600),
                static_cast<long long>(second_of_day / 60 % 60),
                static_cast<long long>(second_of_day % 60), static_cast<long long>(rem));
  return buf;
}

}  // namespace ew
