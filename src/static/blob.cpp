#include "static/blob.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace ew::static_files {
namespace {

// Owns a read-only mapping of a sealed memfd and the descriptor itself.
class SealedFile {
 public:
  SealedFile(int fd, const void* address, std::size_t size)
      : fd_(fd), address_(address), size_(size) {}
  SealedFile(const SealedFile&) = delete;
  SealedFile& operator=(const SealedFile&) = delete;
  ~SealedFile() {
    munmap(const_cast<void*>(address_), size_);
    close(fd_);
  }

  const int& fd() const { return fd_; }
  std::string_view bytes() const { return {static_cast<const char*>(address_), size_}; }

 private:
  int fd_;
  const void* address_;
  std::size_t size_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::shared_ptr<const SealedFile> seal(std::string_view bytes) {
  int fd = memfd_create("edgewatch-static", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return nullptr;
  constexpr int kSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
  void* address = MAP_FAILED;
  if (write_all(fd, bytes) && fcntl(fd, F_ADD_SEALS, kSeals) == 0) {
    address = mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd, 0);
  }
  if (address == MAP_FAILED) {
    close(fd);
    return nullptr;
  }
  return std::make_shared<const SealedFile>(fd, address, bytes.size());
}

}  // namespace

Blob make_blob(std::string bytes) {
  if (bytes.size() >= kZeroCopyMinSize) {
    if (std::shared_ptr<const SealedFile> sealed = seal(bytes)) {
      std::string_view view = sealed->bytes();
      std::shared_ptr<const int> fd(sealed, &sealed->fd());  // keeps the mapping alive too
      return Blob{SharedBytes{std::move(sealed), view}, std::move(fd)};
    }
  }
  auto heap = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view = *heap;
  return Blob{SharedBytes{std::move(heap), view}, nullptr};
}

}  // namespace ew::static_files
