// File contents, digests and compressed forms kept from one load to the next, so a reload
// (SIGHUP, inotify) only reads and compresses what changed. Used by the loader's single
// thread; not thread-safe.
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "static/blob.h"
#include "static/encoding.h"

namespace ew::static_files {

struct LoadedFile {
  Blob content;                   // whole file; empty when streamed
  std::shared_ptr<const int> fd;  // open descriptor; set when streamed
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds
  std::string sha256;      // hex

  bool in_memory() const { return static_cast<bool>(content); }
};

class FileCache {
 public:
  // Marks the start of a load: entries not used again before end_load() are dropped.
  void begin_load();
  void end_load();

  // Reads `real_path` (whole when at most `max_in_memory` bytes, else opened for streaming),
  // or reuses the previous load's result when device, inode, size, mtime and ctime are all
  // unchanged. nullptr with `error` set on failure.
  std::shared_ptr<const LoadedFile> load(const std::string& real_path, std::uint64_t max_in_memory,
                                         std::string* error);

  // `data` (whose SHA-256 is `sha256`) compressed with `encoding` at `level`, or an empty blob
  // when the result is not smaller than the input. Computed once per distinct content.
  Blob compressed(const std::string& sha256, std::string_view data, Encoding encoding, int level);

  // Whether the precompressed `sibling` decodes to `original`; remembered per content pair.
  bool sibling_matches(const LoadedFile& sibling, Encoding encoding, const LoadedFile& original);

 private:
  struct Identity {
    dev_t dev;
    ino_t ino;
    std::int64_t size;
    std::int64_t mtime_ns;
    std::int64_t ctime_ns;
    auto operator<=>(const Identity&) const = default;
  };
  using CompressedKey = std::pair<std::string, Encoding>;

  std::map<Identity, std::shared_ptr<const LoadedFile>> files_, next_files_;
  std::map<CompressedKey, Blob> compressed_, next_compressed_;
  std::map<std::string, bool> siblings_, next_siblings_;
};

}  // namespace ew::static_files
