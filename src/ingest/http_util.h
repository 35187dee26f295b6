// Response and request helpers shared by the ingestion and query handlers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http.h"
#include "core/query.h"
#include "ingest/process.h"

namespace ew::ingest {

using ::ew::json_response;  // core/query.h
using ::ew::query_param;
// The standard edgewatch error body with Retry-After (seconds) when retry_after_s > 0.
Response error_with_retry(int status, std::string_view code, std::string_view message,
                          std::string_view request_id, int retry_after_s);

// Receive time, user agent families and the Referer's normalized path.
RequestInfo request_info(const Request& request);

// The body as the handler should parse it: Content-Encoding undone with a cap. On failure
// returns nullopt with status (400, 413 or 415) and message set.
std::optional<std::string_view> decoded_body(const Request& request, std::size_t max_size,
                                             std::string& storage, int& status,
                                             std::string& message);

}  // namespace ew::ingest
