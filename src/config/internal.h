// Helpers shared by the loader (config.cpp) and the TOML writer (settings.cpp). Internal to
// src/config: nothing outside this directory should include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ew::config::internal {

// `text` as a TOML basic string, quotes included; also used to show user input in messages.
std::string quote(std::string_view text);

// Shortest text that reads back as the same double ("1", "0.25", "1e+300").
std::string format_number(double value);

// Canonical forms that parse_size / parse_duration read back to the same value: "1MiB" when
// the byte count is a whole number of KiB/MiB/GiB/TiB, else plain bytes; "90s", "250ms".
std::string format_size(std::uint64_t bytes);
std::string format_duration(std::chrono::milliseconds duration);

// "10.0.0.0/8", "::1/128": an IPv4 or IPv6 address with a prefix length that fits it.
bool is_cidr(std::string_view text);

}  // namespace ew::config::internal
