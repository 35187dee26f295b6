// Shared by the query API handlers: query parameters and cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/handler.h"
#include "storage/storage.h"

namespace ew::ingest {

// Query parameter errors become 400 answers naming the parameter.
struct ParamError {
  std::string message;
};

// from/to as ISO 8601 or epoch milliseconds (seconds below 1e11); `since=24h` means from = now -
// 24h. Defaults: from = now - default_span, to = far future.
std::optional<storage::TimeRange> time_range(std::string_view query, storage::TimeMs default_span,
                                             ParamError& error);
// A positive duration such as "1h" in `name`; 0 when absent.
std::optional<storage::TimeMs> duration_param(std::string_view query, std::string_view name,
                                              ParamError& error);
std::optional<std::size_t> limit_param(std::string_view query, std::size_t default_limit,
                                       std::size_t max, ParamError& error);
// Opaque cursors: base64url("key.id").
std::string encode_cursor(const storage::Cursor& cursor);
std::optional<storage::Cursor> cursor_param(std::string_view query, ParamError& error,
                                            bool& present);

}  // namespace ew::ingest
