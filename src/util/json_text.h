// JSON string literals for the code that writes JSON by hand on hot paths (error bodies, access
// log lines, ingestion answers): RFC 8259 escaping, appended without temporary strings. What comes
// out is always valid UTF-8, whatever bytes went in: the text is often untrusted (a User-Agent, a
// path), and one invalid byte would make a strict reader drop the whole line or answer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ew {

// Length of the well-formed UTF-8 sequence that starts at text[i]: 1 for ASCII, 2 to 4 for a
// shortest-form encoding of a scalar value (no surrogates, nothing above U+10FFFF), 0 when the
// bytes there are not one. The one UTF-8 decoder that the validators and escapers share.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Appends `text` escaped for the inside of a JSON string, without quotes: '"', '\\', control
// characters and DEL escaped, and every byte that does not start a well-formed UTF-8 sequence
// replaced by U+FFFD.
void append_json_escaped(std::string& out, std::string_view text);

// Appends `text` as a quoted JSON string (append_json_escaped between quotes).
void append_json_string(std::string& out, std::string_view text);

}  // namespace ew
