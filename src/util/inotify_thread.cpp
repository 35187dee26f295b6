#include "util/inotify_thread.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace ew {

InotifyThread::InotifyThread(std::chrono::milliseconds debounce, Hooks hooks)
    : debounce_(debounce), hooks_(std::move(hooks)) {}

InotifyThread::~InotifyThread() {
  stop();
}

bool InotifyThread::start(std::string* error) {
  int fd = hooks_.watch(error);
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

void InotifyThread::stop() {
  if (!thread_.joinable()) return;
  std::uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
}

void InotifyThread::run(int inotify_fd) {
  bool pending = false;
  while (true) {
    pollfd fds[2] = {{inotify_fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n = poll(fds, 2, pending ? static_cast<int>(debounce_.count()) : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) break;
    if (fds[0].revents & POLLIN) {
      pending = hooks_.relevant(inotify_fd) || pending;  // then wait for a quiet period
      continue;
    }
    if (n == 0 && pending) {
      // Watch again before the callback reads anything, so that a change made meanwhile is
      // not lost: it triggers the next round.
      int fresh = hooks_.watch(nullptr);
      if (fresh >= 0) {
        close(inotify_fd);
        inotify_fd = fresh;
      }
      pending = false;
      hooks_.on_change();
    }
  }
  close(inotify_fd);
}

}  // namespace ew
