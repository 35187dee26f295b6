// Builds a Snapshot from the files under the root: reads them, attaches precompressed siblings,
// compresses text at load, and pre-formats every variant's headers.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "static/file_cache.h"
#include "static/headers.h"
#include "static/options.h"
#include "static/snapshot.h"
#include "static/static.h"
#include "static/walk.h"

namespace ew::static_files {

class Loader {
 public:
  // Throws std::regex_error when the hashed-name pattern is invalid (validated at config time).
  explicit Loader(StaticOptions options);

  // A new snapshot, or null with `error` set when the root cannot be read at all. Problems with
  // single files are appended to `warnings` and the file is left out.
  std::shared_ptr<Snapshot> load(std::vector<std::string>& warnings, std::string* error);

  // A new snapshot of files given in memory (their bytes are copied). There are no siblings
  // here: every file is addressable, and text is compressed at load as for the root's files.
  std::shared_ptr<Snapshot> load_files(std::span<const MemoryFile> files,
                                       std::vector<std::string>& warnings);

  // True when the file name (last segment of `url`) carries a content hash.
  bool is_hashed_name(std::string_view url) const;

  const StaticOptions& options() const { return options_; }

 private:
  struct Pending;  // one addressable file and its sibling files, while being built

  // The entry serving `original` at `url`; `pending` names its sibling files, if any.
  std::unique_ptr<Entry> build_entry(std::string_view url, const LoadedFile& original,
                                     const Pending* pending, std::vector<std::string>& warnings,
                                     LoadStats& stats);
  // Adds a built entry under `url` (and its directory, for an index.html).
  void add_entry(Snapshot& snapshot, std::string_view url, std::unique_ptr<Entry> entry,
                 const SecurityLines& security) const;
  // The SPA fallback and the error headers, once every entry is in.
  void finish(Snapshot& snapshot, const SecurityLines& security) const;
  void add_sibling(Entry& entry, Encoding e, const LoadedFile& original, const FoundFile& found,
                   std::vector<std::string>& warnings, LoadStats& stats);
  void add_load_time_variants(Entry& entry, const LoadedFile& original, LoadStats& stats);
  void build_headers(Entry& entry, std::string_view url, std::string_view vary,
                     const SecurityLines& security) const;
  std::string_view cache_control_for(std::string_view url, std::string_view content_type) const;

  StaticOptions options_;
  std::optional<std::regex> hashed_;
  FileCache cache_;
};

}  // namespace ew::static_files
