// Small text utilities for untrusted input: UTF-8 checks and truncation, event ids. Base64,
// hex, times and ASCII case live in src/util. No allocation beyond the returned strings; nothing
// here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/ascii.h"
#include "util/base64.h"
#include "util/hex.h"
#include "util/time.h"

namespace ew::ingest {

// The shared helpers, used unqualified throughout the ingestion code.
using ::ew::ascii_lower;
using ::ew::base64_decode;
using ::ew::base64url_decode;
using ::ew::base64url_encode;
using ::ew::format_iso8601;
using ::ew::now_ms;
using ::ew::to_hex;
using ::ew::trim_space;

// Byte offset of the first invalid UTF-8 sequence, or nullopt when `text` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// The longest prefix of at most max_bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);
// Copies at most max_bytes (on a character boundary) and tells whether anything was cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes, bool* cut = nullptr);

// Converts UTF-8 to Latin-1 bytes as JavaScript's btoa sees a string; nullopt when a character
// is above U+00FF (btoa would have thrown).
std::optional<std::string> utf8_to_latin1(std::string_view text);

std::string md5_hex(std::string_view data);
// 32 random lowercase hex digits (a Sentry-style event id).
std::string random_event_id();
// "a1b2..." (32 hex) or "a1b2c3d4-...-..." (36 with dashes) in any case: 32 lowercase hex.
std::optional<std::string> normalize_event_id(std::string_view text);

bool starts_with_ci(std::string_view text, std::string_view prefix);

}  // namespace ew::ingest
