#include "core/request_id.h"

#include <random>

namespace ew {

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  std::string id;
  fill_request_id(id);
  return id;
}

void fill_request_id(std::string& id) {
  // A random per-thread prefix and a per-thread counter: unique across threads and restarts
  // without a lock or a random draw per request. Ids need to be unique, not unguessable.
  thread_local const std::uint64_t prefix =
      std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}();
  thread_local std::uint64_t counter = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  id.resize(32);
  std::uint64_t halves[2] = {prefix, ++counter};
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = halves[half];
    for (int i = 15; i >= 0; --i) {
      id[half * 16 + i] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
}

}  // namespace ew
