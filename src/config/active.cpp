#include "config/active.h"

#include <memory>
#include <mutex>

namespace ew::config {
namespace {

struct Active {
  Schema schema;
  Sources sources;
};

std::mutex mutex;
std::unique_ptr<Active> active;

}  // namespace

void set_active(const Schema& schema, const Sources& sources) {
  std::lock_guard lock(mutex);
  active = std::make_unique<Active>(Active{schema, sources});
}

std::optional<Settings> reload_active() {
  std::lock_guard lock(mutex);
  if (!active) return std::nullopt;
  return load(active->schema, active->sources);
}

}  // namespace ew::config
