// A value that one module publishes while it starts and others read when they need it: the
// readiness report for the alert rules, the monitoring backend's numbers for the alert rules,
// the store's probe for readiness. main() creates one Published<T> per such dependency and hands
// the same instance to the module that provides it and to those that read it, so every
// dependency between modules is visible in main's wiring, and module order does not matter
// (a reader sees null until the provider has started).
#pragma once

#include <memory>
#include <mutex>

namespace ew {

template <class T>
class Published {
 public:
  void publish(std::shared_ptr<T> value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
  }
  void withdraw() { publish(nullptr); }
  // Null until published (or after withdraw()). Cheap enough for a once-per-round read; hot
  // paths keep what they got.
  std::shared_ptr<T> get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<T> value_;
};

}  // namespace ew
