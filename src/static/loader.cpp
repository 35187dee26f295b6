#include "static/loader.h"

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "static/compress.h"
#include "static/digest.h"
#include "static/http_date.h"
#include "static/mime.h"

namespace ew::static_files {
namespace {

constexpr std::array<Encoding, 3> kCodings = {Encoding::kBrotli, Encoding::kZstd, Encoding::kGzip};
constexpr std::size_t kEtagHashChars = 16;
constexpr std::string_view kIndexName = "index.html";

Body body_of(const LoadedFile& file) {
  Body body;
  body.size = file.size;
  if (file.in_memory()) {
    body.memory = file.content.memory;
    body.zero_copy = file.content.fd;
  } else {
    body.fd = file.fd;
  }
  return body;
}

Body body_of(const Blob& blob) {
  Body body;
  body.size = blob.size();
  body.memory = blob.memory;
  body.zero_copy = blob.fd;
  return body;
}

std::string etag_for(std::string_view hash, Encoding e) {
  std::string tag = "\"";
  tag.append(hash);
  if (e != Encoding::kIdentity) {
    tag.push_back('-');
    tag.append(encoding_suffix(e).substr(1));  // "-br", "-zst", "-gz"
  }
  tag.push_back('"');
  return tag;
}

std::string_view last_segment(std::string_view url) {
  return url.substr(url.rfind('/') + 1);
}

}  // namespace

struct Loader::Pending {
  const FoundFile* file = nullptr;
  std::array<const FoundFile*, kEncodingCount> siblings{};
};

Loader::Loader(StaticOptions options) : options_(std::move(options)) {
  if (!options_.hashed_name_pattern.empty()) {
    hashed_.emplace(options_.hashed_name_pattern, std::regex::ECMAScript | std::regex::optimize);
  }
}

bool Loader::is_hashed_name(std::string_view url) const {
  if (!hashed_) return false;
  std::string_view name = last_segment(url);
  return std::regex_search(name.begin(), name.end(), *hashed_);
}

std::string_view Loader::cache_control_for(std::string_view url,
                                           std::string_view content_type) const {
  // HTML first: a page is the entry point that names the hashed assets, so it must always be
  // revalidated even if its own name happened to look hashed.
  if (content_type.starts_with("text/html")) return options_.html_cache_control;
  if (is_hashed_name(url)) return options_.hashed_cache_control;
  return options_.default_cache_control;
}

void Loader::build_headers(Entry& entry, std::string_view url, std::string_view vary,
                           const SecurityLines& security) const {
  std::string_view cache_control = cache_control_for(url, entry.content_type);
  for (Encoding e : kAllEncodings) {
    if (!(entry.available & encoding_bit(e))) continue;
    Variant& v = entry.variants[encoding_index(e)];
    v.headers = build_variant_headers(
        {entry.content_type, e, v.etag, entry.last_modified, cache_control, vary}, security);
  }
}

void Loader::add_sibling(Entry& entry, Encoding e, const LoadedFile& original,
                         const FoundFile& found, std::vector<std::string>& warnings,
                         LoadStats& stats) {
  std::string error;
  std::shared_ptr<const LoadedFile> sibling =
      cache_.load(found.real_path, options_.max_cached_file_size, &error);
  if (!sibling) {
    warnings.push_back(error);
    return;
  }
  if (sibling->size >= original.size) {
    warnings.push_back("ignoring " + found.url + ": not smaller than the original");
    return;
  }
  if (!cache_.sibling_matches(*sibling, e, original)) {
    warnings.push_back("ignoring " + found.url +
                       ": stale or corrupt (it does not decode to the current original)");
    return;
  }
  Variant& v = entry.variants[encoding_index(e)];
  v.body = body_of(*sibling);
  v.etag = etag_for(entry.hash, e);
  entry.available |= encoding_bit(e);
  ++stats.precompressed;
  if (sibling->in_memory()) stats.memory_bytes += sibling->size;
}

void Loader::add_load_time_variants(Entry& entry, const LoadedFile& original, LoadStats& stats) {
  struct Plan {
    Encoding encoding;
    int level;
  };
  // zstd is left to precompressed siblings: every browser that sends zstd also sends br.
  for (Plan plan :
       {Plan{Encoding::kBrotli, kBrotliLoadQuality}, Plan{Encoding::kGzip, kGzipLoadLevel}}) {
    if (entry.available & encoding_bit(plan.encoding)) continue;
    Blob bytes =
        cache_.compressed(original.sha256, original.content.view(), plan.encoding, plan.level);
    if (!bytes) continue;  // not smaller
    Variant& v = entry.variants[encoding_index(plan.encoding)];
    stats.memory_bytes += bytes.size();
    v.body = body_of(bytes);
    v.etag = etag_for(entry.hash, plan.encoding);
    entry.available |= encoding_bit(plan.encoding);
    ++stats.compressed_at_load;
  }
}

std::unique_ptr<Entry> Loader::build_entry(std::string_view url, const LoadedFile& original,
                                           const Pending* pending,
                                           std::vector<std::string>& warnings, LoadStats& stats) {
  MimeInfo mime = mime_for_path(url);
  auto entry = std::make_unique<Entry>();
  entry->mtime = original.mtime;
  entry->last_modified = format_http_date(original.mtime);
  entry->content_type = mime.type;
  entry->hash = original.sha256.substr(0, kEtagHashChars);
  Variant& identity = entry->variants[encoding_index(Encoding::kIdentity)];
  identity.body = body_of(original);
  identity.etag = etag_for(entry->hash, Encoding::kIdentity);
  entry->available = encoding_bit(Encoding::kIdentity);
  for (Encoding e : kCodings) {
    const FoundFile* sibling = pending ? pending->siblings[encoding_index(e)] : nullptr;
    if (sibling) add_sibling(*entry, e, original, *sibling, warnings, stats);
  }
  // Only text benefits; already-compressed formats (png, woff2, ...) are never recompressed.
  if (mime.compressible && original.in_memory() && original.size >= options_.compress_min_size) {
    add_load_time_variants(*entry, original, stats);
  }
  ++stats.files;
  if (original.in_memory()) {
    stats.memory_bytes += original.size;
  } else {
    ++stats.streamed;
  }
  return entry;
}

void Loader::add_entry(Snapshot& snapshot, std::string_view url, std::unique_ptr<Entry> entry,
                       const SecurityLines& security) const {
  bool varies = entry->available != encoding_bit(Encoding::kIdentity);
  build_headers(*entry, url, varies ? "Accept-Encoding" : "", security);
  snapshot.files.emplace(std::string(url), entry.get());
  if (last_segment(url) == kIndexName) {
    std::string dir(url.substr(0, url.size() - kIndexName.size()));  // "/" or "/docs/"
    if (dir.size() > 1) snapshot.index_dirs.emplace(dir.substr(0, dir.size() - 1));
    snapshot.files.emplace(std::move(dir), entry.get());
  }
  snapshot.entries.push_back(std::move(entry));
}

void Loader::finish(Snapshot& snapshot, const SecurityLines& security) const {
  if (auto it = snapshot.files.find(std::string_view("/index.html")); it != snapshot.files.end()) {
    // The SPA fallback answers depending on Accept as well, so shared caches must know that.
    auto fallback = std::make_unique<Entry>(*it->second);
    bool varies = fallback->available != encoding_bit(Encoding::kIdentity);
    build_headers(*fallback, "/index.html", varies ? "Accept-Encoding, Accept" : "Accept",
                  security);
    snapshot.fallback = fallback.get();
    snapshot.entries.push_back(std::move(fallback));
  }
  snapshot.error_headers = build_error_headers(security);
}

std::shared_ptr<Snapshot> Loader::load(std::vector<std::string>& warnings, std::string* error) {
  std::string root = real_path(options_.root);
  if (root.empty()) {
    *error = "cannot resolve " + options_.root + ": " + std::strerror(errno);
    return nullptr;
  }
  WalkResult walk = walk_tree(root, options_.allow_dotfiles);
  if (walk.directories.empty()) {
    *error = root + " is not a readable directory";
    return nullptr;
  }
  warnings.insert(warnings.end(), walk.warnings.begin(), walk.warnings.end());

  // A file "x.br" ("x.zst", "x.gz") next to an existing "x" is a variant of "x", not a page.
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < walk.files.size(); ++i) index[walk.files[i].url] = i;
  std::vector<Pending> pending(walk.files.size());
  std::vector<bool> sibling(walk.files.size(), false);
  for (std::size_t i = 0; i < walk.files.size(); ++i) {
    std::string_view url = walk.files[i].url;
    pending[i].file = &walk.files[i];
    for (Encoding e : kCodings) {
      std::string_view suffix = encoding_suffix(e);
      if (!url.ends_with(suffix)) continue;
      auto base = index.find(url.substr(0, url.size() - suffix.size()));
      if (base == index.end()) continue;
      sibling[i] = true;
      pending[base->second].siblings[encoding_index(e)] = &walk.files[i];
    }
  }

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->stats.skipped = walk.skipped;
  SecurityLines security = format_security_lines(options_.security);
  cache_.begin_load();
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (sibling[i]) continue;
    const FoundFile& file = *pending[i].file;
    std::string load_error;
    std::shared_ptr<const LoadedFile> original =
        cache_.load(file.real_path, options_.max_cached_file_size, &load_error);
    if (!original) {
      warnings.push_back(load_error);
      ++snapshot->stats.skipped;
      continue;
    }
    add_entry(*snapshot, file.url,
              build_entry(file.url, *original, &pending[i], warnings, snapshot->stats), security);
  }
  cache_.end_load();
  finish(*snapshot, security);
  return snapshot;
}

std::shared_ptr<Snapshot> Loader::load_files(std::span<const MemoryFile> files,
                                             std::vector<std::string>& warnings) {
  auto snapshot = std::make_shared<Snapshot>();
  SecurityLines security = format_security_lines(options_.security);
  cache_.begin_load();
  for (const MemoryFile& file : files) {
    std::string url = "/" + std::string(file.path);
    LoadedFile original;
    original.content = make_blob(std::string(file.bytes));
    original.size = file.bytes.size();
    original.mtime = file.mtime;
    original.sha256 = sha256_hex(file.bytes);
    add_entry(*snapshot, url, build_entry(url, original, nullptr, warnings, snapshot->stats),
              security);
  }
  cache_.end_load();
  finish(*snapshot, security);
  return snapshot;
}

}  // namespace ew::static_files
