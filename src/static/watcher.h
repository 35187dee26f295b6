// Watches the served tree with inotify and calls back after changes settle, so a deploy that
// copies many files causes one reload rather than hundreds.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "util/inotify_thread.h"

namespace ew::static_files {

class TreeWatcher {
 public:
  // `on_change` runs on the watcher's own thread once no event has arrived for `debounce`.
  TreeWatcher(std::string root, bool allow_dotfiles, std::chrono::milliseconds debounce,
              std::function<void()> on_change);
  ~TreeWatcher();
  TreeWatcher(const TreeWatcher&) = delete;
  TreeWatcher& operator=(const TreeWatcher&) = delete;

  // Starts the thread; false with `error` when inotify is unavailable.
  bool start(std::string* error);
  // Stops and joins; idempotent.
  void stop();

 private:
  int watch_tree(std::string* error) const;  // a new inotify fd watching every directory

  std::string root_;
  bool allow_dotfiles_;
  InotifyThread thread_;
};

}  // namespace ew::static_files
