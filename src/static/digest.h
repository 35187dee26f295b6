// Content digests (OpenSSL EVP): SHA-256 for entity-tags, SHA-384 for Subresource Integrity.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ew::static_files {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Lower-case hex SHA-256 of a whole open file, read from offset 0 with pread; nullopt on a read
// error. For files too large to hold in memory.
std::optional<std::string> sha256_hex_fd(int fd);

// Base64 SHA-384 of `data`, the digest of an integrity="sha384-..." attribute.
std::string sha384_base64(std::string_view data);

}  // namespace ew::static_files
