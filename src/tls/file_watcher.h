// Watches a few files with inotify and calls back once their changes settle. The watches are on
// the files' directories, not the files: certbot replaces a symlink, `cp` rewrites in place,
// Kubernetes swaps a whole directory, and a watch on the old file would see none of that. A
// symlinked file's target directory is watched too, and every watch is made again after each
// change, so the next swap is seen as well.
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "util/inotify_thread.h"

namespace ew::tls {

class FileWatcher {
 public:
  // `on_change` runs on the watcher's thread once no event has arrived for `debounce`.
  FileWatcher(std::vector<std::string> files, std::chrono::milliseconds debounce,
              std::function<void()> on_change);
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Starts the thread; false with `error` when inotify is unavailable.
  bool start(std::string& error) { return thread_.start(&error); }
  // Stops and joins; idempotent.
  void stop() { thread_.stop(); }

 private:
  int watch(std::string* error);           // a new inotify fd watching every directory involved
  bool concerns_us(int inotify_fd) const;  // reads the queued events

  std::vector<std::string> files_;
  std::set<std::string> names_;  // base names of the files and of their symlinks' targets
  InotifyThread thread_;
};

}  // namespace ew::tls
