// File helpers for the build tools (not the data path: these may allocate freely).
#pragma once

#include <optional>
#include <string>

namespace ew::tools {

std::optional<std::string> read_file(const std::string& path);

// Writes through a temporary file and rename(2), so a reader (or a server watching the
// directory) never sees half a file. Keeps `mode`. False with `error` on failure.
bool write_file_atomic(const std::string& path, const std::string& content, unsigned mode,
                       std::string* error);

}  // namespace ew::tools
