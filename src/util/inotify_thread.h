// A thread that waits on an inotify descriptor and calls back once changes settle: the events
// are read as they come, and the callback runs only after `debounce` has passed without a
// relevant one, so a deploy that writes many files, or certbot swapping four symlinks, causes
// one reload. The owner says what to watch and which events matter; the watches are made again
// before every callback, since what they point at may have been replaced. Linux only.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace ew {

class InotifyThread {
 public:
  struct Hooks {
    // A new inotify descriptor (IN_NONBLOCK) with its watches; -1 (and `error` when given) if
    // inotify is unavailable.
    std::function<int(std::string* error)> watch;
    // Reads every queued event of the descriptor; true when one of them matters.
    std::function<bool(int inotify_fd)> relevant;
    // Runs on the thread once the changes have settled.
    std::function<void()> on_change;
  };

  InotifyThread(std::chrono::milliseconds debounce, Hooks hooks);
  ~InotifyThread();
  InotifyThread(const InotifyThread&) = delete;
  InotifyThread& operator=(const InotifyThread&) = delete;

  // Makes the first watches and starts the thread; false with `error` when that fails.
  bool start(std::string* error);
  // Stops and joins; idempotent.
  void stop();

 private:
  void run(int inotify_fd);

  std::chrono::milliseconds debounce_;
  Hooks hooks_;
  int stop_fd_ = -1;  // eventfd written by stop()
  std::thread thread_;
};

}  // namespace ew
