#include "static/http_date.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace ew::static_files {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// A cursor over the date text; every reader fails (returns false) without moving on mismatch.
struct Cursor {
  std::string_view s;

  bool literal(std::string_view lit) {
    if (s.substr(0, lit.size()) != lit) return false;
    s.remove_prefix(lit.size());
    return true;
  }
  bool number(int digits, int& out) {
    if (s.size() < static_cast<std::size_t>(digits)) return false;
    int value = 0;
    for (int i = 0; i < digits; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      value = value * 10 + (s[i] - '0');
    }
    s.remove_prefix(digits);
    out = value;
    return true;
  }
  bool month(int& out) {
    for (int i = 0; i < 12; ++i) {
      if (literal(kMonths[i])) {
        out = i;
        return true;
      }
    }
    return false;
  }
  // "HH:MM:SS"
  bool clock(std::tm& tm) {
    return number(2, tm.tm_hour) && literal(":") && number(2, tm.tm_min) && literal(":") &&
           number(2, tm.tm_sec);
  }
  // Skips a weekday name of any length up to `stop`.
  bool weekday(char stop) {
    std::size_t at = s.find(stop);
    if (at == std::string_view::npos || at < 3 || at > 9) return false;
    s.remove_prefix(at);
    return true;
  }
};

bool imf_fixdate(Cursor c, std::tm& tm) {
  return c.weekday(',') && c.literal(", ") && c.number(2, tm.tm_mday) && c.literal(" ") &&
         c.month(tm.tm_mon) && c.literal(" ") && c.number(4, tm.tm_year) && c.literal(" ") &&
         c.clock(tm) && c.literal(" GMT") && c.s.empty();
}

bool rfc850(Cursor c, std::tm& tm) {
  if (!(c.weekday(',') && c.literal(", ") && c.number(2, tm.tm_mday) && c.literal("-") &&
        c.month(tm.tm_mon) && c.literal("-") && c.number(2, tm.tm_year) && c.literal(" ") &&
        c.clock(tm) && c.literal(" GMT") && c.s.empty())) {
    return false;
  }
  // Two-digit years: RFC 9110 says to read a year more than 50 years ahead as the past century.
  tm.tm_year += tm.tm_year < 70 ? 2000 : 1900;
  return true;
}

bool asctime_date(Cursor c, std::tm& tm) {
  if (!(c.weekday(' ') && c.literal(" ") && c.month(tm.tm_mon) && c.literal(" "))) return false;
  bool padded = c.literal(" ");  // the day is " 6" or "16"
  if (!c.number(padded ? 1 : 2, tm.tm_mday)) return false;
  return c.literal(" ") && c.clock(tm) && c.literal(" ") && c.number(4, tm.tm_year) && c.s.empty();
}

bool plausible(const std::tm& tm) {
  return tm.tm_mday >= 1 && tm.tm_mday <= 31 && tm.tm_hour <= 23 && tm.tm_min <= 59 &&
         tm.tm_sec <= 60 && tm.tm_year >= 1900;
}

}  // namespace

std::string format_http_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<std::size_t>(tm.tm_wday)].data(), tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon)].data(), tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::tm tm{};
  Cursor c{text};
  if (!imf_fixdate(c, tm)) {
    tm = {};
    if (!rfc850(c, tm)) {
      tm = {};
      if (!asctime_date(c, tm)) return std::nullopt;
    }
  }
  if (!plausible(tm)) return std::nullopt;
  tm.tm_year -= 1900;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace ew::static_files
