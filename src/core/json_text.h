// JSON string literals for the code that writes JSON by hand on hot paths (error bodies, access
// log lines, ingestion answers): RFC 8259 escaping, appended without temporary strings.
#pragma once

#include <string>
#include <string_view>

namespace ew {

// Appends `text` as a quoted JSON string. Bytes >= 0x80 pass through unchanged (the caller
// guarantees UTF-8 or accepts it as is).
void append_json_string(std::string& out, std::string_view text);

}  // namespace ew
