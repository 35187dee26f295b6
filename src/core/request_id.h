// Request ids: a client's X-Request-Id is kept when it is sane, so one id follows a request
// across services; otherwise a new one is made.
#pragma once

#include <string>
#include <string_view>

namespace ew {

// True for 1..128 characters of [A-Za-z0-9._:-]: safe to echo in a header and a log line.
bool is_sane_request_id(std::string_view id);

// A new random id: 32 lower-case hex characters. Thread-safe and lock-free (per-thread state).
std::string new_request_id();
// The same, written into `out` (reusing its storage).
void fill_request_id(std::string& out);

}  // namespace ew
