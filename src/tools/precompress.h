// `edgewatch precompress DIR`: writes .br, .gz and .zst beside each compressible file, at the
// slowest, smallest settings, for the server to pick up as precompressed siblings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ew::tools {

struct PrecompressOptions {
  std::string dir;
  std::uint64_t min_size = 1024;  // the seed's gzip_min_length
  unsigned threads = 0;           // 0: one per core
};

struct PrecompressSummary {
  std::size_t sources = 0;      // compressible files at least min_size
  std::size_t written = 0;      // outputs written
  std::size_t up_to_date = 0;   // outputs left as they were
  std::size_t not_smaller = 0;  // outputs not worth writing (and any stale one removed)
  std::uint64_t source_bytes = 0;
  std::uint64_t brotli_bytes = 0;  // total size of the .br outputs (written or kept)
  std::vector<std::string> errors;
};

// An output is up to date when its modification time equals its source's exactly: outputs are
// stamped with the source's mtime when written (as nginx's gzip_static advises), so any change
// to the source, even one to an older mtime, makes it stale.
PrecompressSummary precompress(const PrecompressOptions& options);

// The subcommand: prints a summary; exit status 0, or 1 when any file failed.
int run_precompress(const PrecompressOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ew::tools
