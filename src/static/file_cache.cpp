#include "static/file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "static/compress.h"
#include "static/digest.h"

namespace ew::static_files {
namespace {

std::shared_ptr<const int> own_fd(int fd) {
  return std::shared_ptr<const int>(new int(fd), [](const int* p) {
    close(*p);
    delete p;
  });
}

bool read_all(int fd, std::uint64_t size, std::string& out) {
  out.resize(size);
  std::uint64_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, out.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;  // the file shrank while we read it: keep what is there
    done += static_cast<std::uint64_t>(n);
  }
  out.resize(done);
  return true;
}

std::int64_t nanos(const timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void FileCache::begin_load() {
  next_files_.clear();
  next_compressed_.clear();
  next_siblings_.clear();
}

void FileCache::end_load() {
  files_ = std::move(next_files_);
  compressed_ = std::move(next_compressed_);
  siblings_ = std::move(next_siblings_);
  begin_load();
}

std::shared_ptr<const LoadedFile> FileCache::load(const std::string& real_path,
                                                  std::uint64_t max_in_memory, std::string* error) {
  struct stat st {};
  if (stat(real_path.c_str(), &st) != 0) {
    *error = "cannot stat " + real_path + ": " + std::strerror(errno);
    return nullptr;
  }
  Identity id{st.st_dev, st.st_ino, st.st_size, nanos(st.st_mtim), nanos(st.st_ctim)};
  if (auto it = files_.find(id); it != files_.end()) return next_files_[id] = it->second;

  // O_NOFOLLOW: the path was resolved by realpath; a symlink swapped in since is refused.
  // O_NONBLOCK: a FIFO swapped in must not hang the loader (fstat then rejects it).
  int fd = open(real_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    *error = "cannot open " + real_path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<const int> owned = own_fd(fd);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = real_path + " is not a regular file";
    return nullptr;
  }
  auto file = std::make_shared<LoadedFile>();
  file->size = static_cast<std::uint64_t>(st.st_size);
  file->mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  if (file->size <= max_in_memory) {
    std::string content;
    if (!read_all(fd, file->size, content)) {
      *error = "cannot read " + real_path + ": " + std::strerror(errno);
      return nullptr;
    }
    file->size = content.size();
    file->sha256 = sha256_hex(content);
    file->content = make_blob(std::move(content));
  } else {
    std::optional<std::string> sha = sha256_hex_fd(fd);
    if (!sha) {
      *error = "cannot read " + real_path + ": " + std::strerror(errno);
      return nullptr;
    }
    file->sha256 = std::move(*sha);
    file->fd = std::move(owned);
  }
  Identity fresh{st.st_dev, st.st_ino, st.st_size, nanos(st.st_mtim), nanos(st.st_ctim)};
  return next_files_[fresh] = std::move(file);
}

Blob FileCache::compressed(const std::string& sha256, std::string_view data, Encoding encoding,
                           int level) {
  CompressedKey key{sha256, encoding};
  if (auto it = next_compressed_.find(key); it != next_compressed_.end()) return it->second;
  if (auto it = compressed_.find(key); it != compressed_.end()) {
    return next_compressed_[key] = it->second;
  }
  Blob result;
  std::optional<std::string> out = compress(encoding, data, level);
  if (out && out->size() < data.size()) result = make_blob(std::move(*out));
  return next_compressed_[key] = result;
}

bool FileCache::sibling_matches(const LoadedFile& sibling, Encoding encoding,
                                const LoadedFile& original) {
  std::string key = sibling.sha256 + original.sha256;
  if (auto it = next_siblings_.find(key); it != next_siblings_.end()) return it->second;
  if (auto it = siblings_.find(key); it != siblings_.end()) return next_siblings_[key] = it->second;
  bool ok;
  if (sibling.in_memory() && original.in_memory()) {
    std::optional<std::string> decoded =
        decompress(encoding, sibling.content.view(), original.size);
    ok = decoded && *decoded == original.content.view();
  } else {
    // Too large to decode at every start: trust a sibling at least as new as the original.
    ok = sibling.mtime >= original.mtime;
  }
  return next_siblings_[key] = ok;
}

}  // namespace ew::static_files
