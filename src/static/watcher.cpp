#include "static/watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
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

// Reads and discards every queued event; only "something changed" matters.
void drain(int fd) {
  alignas(inotify_event) char buf[8192];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

TreeWatcher::TreeWatcher(std::string root, bool allow_dotfiles, std::chrono::milliseconds debounce,
                         std::function<void()> on_change)
    : root_(std::move(root)),
      allow_dotfiles_(allow_dotfiles),
      debounce_(debounce),
      on_change_(std::move(on_change)) {}

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
  int fd = watch_tree(error);
  if (fd < 0) return false;
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    if (error) *error = std::string("eventfd: ") + std::strerror(errno);
    close(fd);
    return false;
  }
  thread_ = std::thread([this, fd] { run(fd); });
  return true;
}

void TreeWatcher::stop() {
  if (!thread_.joinable()) return;
  std::uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
}

void TreeWatcher::run(int inotify_fd) {
  bool pending = false;
  while (true) {
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int timeout = pending ? static_cast<int>(debounce_.count()) : -1;
    int n = poll(fds, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) break;
    if (fds[0].revents & POLLIN) {
      drain(inotify_fd);
      pending = true;  // wait for a quiet period before reloading
      continue;
    }
    if (n == 0 && pending) {
      // Watch the new tree before loading it, so a change made during the load is not lost:
      // it will trigger the next reload.
      int fresh = watch_tree(nullptr);
      if (fresh >= 0) {
        close(inotify_fd);
        inotify_fd = fresh;
      }
      pending = false;
      on_change_();
    }
  }
  close(inotify_fd);
}

}  // namespace ew::static_files
