// Small helpers shared by the operations endpoints: JSON answers, the admin bearer token and
// query parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/http.h"
#include "core/query.h"

namespace ew::ops {

using ::ew::json_response;  // core/query.h
using ::ew::query_param;

// The admin bearer token: [admin] token (EDGEWATCH_ADMIN_TOKEN), declared by the ingestion
// module. Empty when the section is not declared or the token not set: the API then answers 401.
std::string admin_token(const config::Settings& settings);
// True when the request carries "Authorization: Bearer <token>" (compared in constant time) or
// the cookie of a dashboard session opened with that token, and token is not empty: see
// auth/admin_auth.h.
bool bearer_ok(const Request& request, const std::string& token);
// nullopt when bearer_ok() would be true; otherwise the answer: 401, or 429 with Retry-After when
// the client address has sent too many wrong tokens (auth::GuessThrottle). Prefer this to
// bearer_ok() + unauthorized(), which answer a throttled address 401.
std::optional<Response> admin_refusal(const Request& request, const std::string& token);
Response unauthorized(std::string_view request_id);

// The directory of the monitoring database ([storage] path), where edgewatch keeps its other
// files by default; "." when the storage section is not declared.
std::string data_directory(const config::Settings& settings);

}  // namespace ew::ops
