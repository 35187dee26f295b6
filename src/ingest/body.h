// Request bodies: media-type checks and Content-Encoding (gzip, deflate, br) with a cap on the
// decompressed size, so a small compressed bomb cannot expand into memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ew::ingest {

enum class DecodeStatus : unsigned char { kOk, kUnsupported, kTooLarge, kCorrupt };

// Decodes `body` per the Content-Encoding header value ("", "identity", "gzip", "x-gzip",
// "deflate", "br"; a list like "gzip, br" is decoded right to left) into `out`. Stops as soon as
// the output would exceed max_size (kTooLarge). `message` says what went wrong.
DecodeStatus decode_body(std::string_view content_encoding, std::string_view body,
                         std::size_t max_size, std::string& out, std::string& message);

// zlib (RFC 1950) or gzip data, capped like decode_body. Used for the legacy /store/ endpoint's
// base64(zlib(json)) bodies.
DecodeStatus inflate_capped(std::string_view data, std::size_t max_size, std::string& out,
                            std::string& message);

// The media type of a Content-Type value, lower-cased, without parameters: "text/plain".
std::string media_type(std::string_view content_type);

}  // namespace ew::ingest
