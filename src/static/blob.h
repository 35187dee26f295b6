// Immutable bytes of the served tree, shared by every response that sends them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/http.h"

namespace ew::static_files {

// Bodies at least this large are kept in a sealed memory file and sent with sendfile(2): the
// socket then refers to the file's pages instead of getting a fresh copy of every byte per
// response, and a reader on the same host copies from pages that stay in its cache. Below it
// the copy is cheaper than the page references.
inline constexpr std::size_t kZeroCopyMinSize = std::size_t{16} * 1024;

struct Blob {
  SharedBytes memory;             // the bytes; a null owner means no blob
  std::shared_ptr<const int> fd;  // the sealed memfd holding `memory`; null for small blobs

  explicit operator bool() const { return memory.owner != nullptr; }
  std::string_view view() const { return memory.bytes; }
  std::size_t size() const { return memory.bytes.size(); }
};

// Takes `bytes` over. At kZeroCopyMinSize and above they go into a memfd sealed against any
// change (write, shrink, grow) and mapped read-only; when the kernel refuses any step, they stay
// on the heap and are sent by copy, which is slower but correct.
Blob make_blob(std::string bytes);

}  // namespace ew::static_files
