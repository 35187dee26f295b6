#include "tls/file_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ew::tls {
namespace {

namespace fs = std::filesystem;

// Not IN_MODIFY: a file being written is only worth reading once it is closed.
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                  IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// The directory itself went away or events were lost: whatever we watch may have changed.
constexpr std::uint32_t kWholeDirectory =
    IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_Q_OVERFLOW;

}  // namespace

FileWatcher::FileWatcher(std::vector<std::string> files, std::chrono::milliseconds debounce,
                         std::function<void()> on_change)
    : files_(std::move(files)),
      thread_(debounce, {.watch = [this](std::string* error) { return watch(error); },
                         .relevant = [this](int fd) { return concerns_us(fd); },
                         .on_change = std::move(on_change)}) {}

int FileWatcher::watch(std::string* error) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    if (error) *error = std::string("inotify_init1: ") + std::strerror(errno);
    return -1;
  }
  std::set<std::string> directories;
  names_.clear();
  for (const std::string& file : files_) {
    std::error_code ec;
    fs::path configured = fs::absolute(file, ec);
    directories.insert(configured.parent_path());
    names_.insert(configured.filename());
    fs::path target = fs::canonical(configured, ec);  // through every symlink
    if (ec) continue;                                 // missing now; its directory says when back
    directories.insert(target.parent_path());
    names_.insert(target.filename());
  }
  for (const std::string& directory : directories) {
    if (inotify_add_watch(fd, directory.c_str(), kEvents) < 0 && error) {
      *error = "inotify_add_watch " + directory + ": " + std::strerror(errno);
    }
  }
  return fd;
}

bool FileWatcher::concerns_us(int inotify_fd) const {
  bool relevant = false;
  alignas(inotify_event) char buf[8192];
  ssize_t n;
  while ((n = read(inotify_fd, buf, sizeof buf)) > 0) {
    for (char* p = buf; p < buf + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      if ((event->mask & kWholeDirectory) != 0) relevant = true;
      if (event->len > 0 && names_.contains(event->name)) relevant = true;
      p += sizeof(inotify_event) + event->len;
    }
  }
  return relevant;
}

}  // namespace ew::tls
