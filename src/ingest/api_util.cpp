#include "ingest/api_util.h"

#include <charconv>

#include "config/config.h"
#include "ingest/http_util.h"
#include "ingest/text.h"
#include "util/time.h"

namespace ew::ingest {
namespace {

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Epoch seconds below 1e11, else milliseconds; nothing before 1970 (the ingestion side refuses
// such timestamps too, and seconds that far back would overflow in milliseconds).
std::optional<storage::TimeMs> time_value(std::string_view text) {
  if (auto n = parse_int(text)) {
    if (*n < 0) return std::nullopt;
    return *n < 100'000'000'000 ? *n * 1000 : *n;
  }
  return parse_iso8601(text, Iso8601::kLenient);
}

}  // namespace

std::optional<storage::TimeRange> time_range(std::string_view query, storage::TimeMs default_span,
                                             ParamError& error) {
  storage::TimeRange range;
  range.from = now_ms() - default_span;
  if (auto since = query_param(query, "since")) {
    auto d = config::parse_duration(*since);
    if (!d || d->count() <= 0) {
      error.message = "since: expected a duration such as 15m, 24h or 7d";
      return std::nullopt;
    }
    range.from = now_ms() - d->count();
  }
  if (auto from = query_param(query, "from")) {
    auto t = time_value(*from);
    if (!t) {
      error.message = "from: expected an ISO 8601 date-time or epoch milliseconds";
      return std::nullopt;
    }
    range.from = *t;
  }
  if (auto to = query_param(query, "to")) {
    auto t = time_value(*to);
    if (!t) {
      error.message = "to: expected an ISO 8601 date-time or epoch milliseconds";
      return std::nullopt;
    }
    range.to = *t;
  }
  if (range.to < range.from) {
    error.message = "to: must not be before from";
    return std::nullopt;
  }
  return range;
}

std::optional<storage::TimeMs> duration_param(std::string_view query, std::string_view name,
                                              ParamError& error) {
  auto text = query_param(query, name);
  if (!text || text->empty() || *text == "none") return 0;
  auto d = config::parse_duration(*text);
  if (!d || d->count() < 1000) {
    error.message = std::string(name) + ": expected a duration of at least 1s such as 1h or 1d";
    return std::nullopt;
  }
  return d->count();
}

std::optional<std::size_t> limit_param(std::string_view query, std::size_t default_limit,
                                       std::size_t max, ParamError& error) {
  auto text = query_param(query, "limit");
  if (!text) return default_limit;
  auto n = parse_int(*text);
  if (!n || *n < 1 || static_cast<std::size_t>(*n) > max) {
    error.message = "limit: expected a number from 1 to " + std::to_string(max);
    return std::nullopt;
  }
  return static_cast<std::size_t>(*n);
}

std::string encode_cursor(const storage::Cursor& cursor) {
  return base64url_encode(std::to_string(cursor.key) + "." + std::to_string(cursor.id));
}

std::optional<storage::Cursor> cursor_param(std::string_view query, ParamError& error,
                                            bool& present) {
  auto text = query_param(query, "cursor");
  present = text.has_value() && !text->empty();
  if (!present) return std::nullopt;
  auto raw = base64url_decode(*text);
  const std::size_t dot = raw ? raw->find('.') : std::string::npos;
  std::optional<std::int64_t> key, id;
  if (dot != std::string::npos) {
    key = parse_int(std::string_view(*raw).substr(0, dot));
    id = parse_int(std::string_view(*raw).substr(dot + 1));
  }
  if (!key || !id) {
    error.message = "cursor: not a cursor this API returned";
    return std::nullopt;
  }
  return storage::Cursor{*key, *id};
}

}  // namespace ew::ingest
