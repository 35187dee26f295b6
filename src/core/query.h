// Query strings and small JSON answers, shared by every module that serves an API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http.h"

namespace ew {

// "%41+b" gives "A b"; malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

// The percent-decoded value of a query parameter ("" for a bare name), nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// A JSON answer that no cache keeps.
Response json_response(int status, std::string body);

}  // namespace ew
