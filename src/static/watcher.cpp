#include "static/watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "static/walk.h"

namespace ew::static_files {
namespace {

constexpr std::uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                  IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |
                                  IN_MOVE_SELF;

// Reads and discards every queued event: any change in the tree matters.
bool drain(int fd) {
  alignas(inotify_event) char buf[8192];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  return true;
}

}  // namespace

TreeWatcher::TreeWatcher(std::string root, bool allow_dotfiles, std::chrono::milliseconds debounce,
                         std::function<void()> on_change)
    : root_(std::move(root)),
      allow_dotfiles_(allow_dotfiles),
      thread_(debounce, {.watch = [this](std::string* error) { return watch_tree(error); },
                         .relevant = drain,
                         .on_change = std::move(on_change)}) {}

TreeWatcher::~TreeWatcher() {
  stop();
}

int TreeWatcher::watch_tree(std::string* error) const {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    if (error) *error = std::string("inotify_init1: ") + std::strerror(errno);
    return -1;
  }
  // The root is resolved again each time: a deploy may have replaced it.
  std::string root = real_path(root_);
  WalkResult tree = walk_tree(root.empty() ? root_ : root, allow_dotfiles_);
  for (const std::string& dir : tree.directories) {
    if (inotify_add_watch(fd, dir.c_str(), kEvents) < 0 && error) {
      *error = "inotify_add_watch " + dir + ": " + std::strerror(errno);
    }
  }
  return fd;
}

bool TreeWatcher::start(std::string* error) {
  return thread_.start(error);
}

void TreeWatcher::stop() {
  thread_.stop();
}

}  // namespace ew::static_files
