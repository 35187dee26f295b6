// Base64 (RFC 4648) in its two alphabets: standard ('+', '/', padded) for Sec-WebSocket-Accept,
// Subresource Integrity and Sentry's envelope bodies, URL-safe ('-', '_', unpadded) for cursors
// and cookies. Decoding accepts missing padding and refuses any character outside the alphabet.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ew {

std::string base64_encode(std::string_view bytes);  // padded
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // unpadded
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace ew
