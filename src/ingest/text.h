// Small text utilities for untrusted input: UTF-8 checks and truncation, base64, ISO 8601 times,
// hex. No allocation beyond the returned strings; nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ew::ingest {

// Byte offset of the first invalid UTF-8 sequence, or nullopt when `text` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// The longest prefix of at most max_bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);
// Copies at most max_bytes (on a character boundary) and tells whether anything was cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes, bool* cut = nullptr);

// Converts UTF-8 to Latin-1 bytes as JavaScript's btoa sees a string; nullopt when a character
// is above U+00FF (btoa would have thrown).
std::optional<std::string> utf8_to_latin1(std::string_view text);

// Standard base64 (RFC 4648 with '+' and '/'); padding optional. nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

std::string to_hex(const unsigned char* bytes, std::size_t size);
std::string md5_hex(std::string_view data);
// 32 random lowercase hex digits (a Sentry-style event id).
std::string random_event_id();
// "a1b2..." (32 hex) or "a1b2c3d4-...-..." (36 with dashes) in any case: 32 lowercase hex.
std::optional<std::string> normalize_event_id(std::string_view text);

// RFC 3339 / ISO 8601 date-time ("2024-05-01T12:00:00.123Z", "+02:00" offsets, a space for
// 'T', no zone = UTC) to milliseconds since the epoch.
std::optional<std::int64_t> parse_iso8601(std::string_view text);
std::string format_iso8601(std::int64_t ms);  // "2024-05-01T12:00:00.123Z"

std::int64_t now_ms();

bool starts_with_ci(std::string_view text, std::string_view prefix);
std::string lower_ascii(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace ew::ingest
