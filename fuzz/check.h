// What a fuzz target uses to say an answer is wrong: the check stays on in release builds (the
// replay binaries are built with NDEBUG), prints what failed and aborts, which both libFuzzer
// and CTest report as a failure.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace ew::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits the input at the first `at` into two fields; the second is empty when there is none.
// Lets one input carry two values, such as a header and the representation it applies to.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view text, char at) {
  auto cut = text.find(at);
  if (cut == std::string_view::npos) return {text, {}};
  return {text.substr(0, cut), text.substr(cut + 1)};
}

}  // namespace ew::fuzz
