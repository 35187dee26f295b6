// The built dashboard (dashboard/dist/), compiled into the binary by embed.cmake.
#pragma once

#include <span>
#include <string_view>

namespace ew::dashboard {

struct EmbeddedFile {
  std::string_view path;   // relative to dist/: "index.html", "assets/app-ABCD1234.js"
  std::string_view bytes;  // static storage
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace ew::dashboard
