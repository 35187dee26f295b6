// A module is one feature (static files, proxy, ingestion, metrics, ...). It declares its
// configuration keys, then, given validated settings, registers routes and lifecycle hooks.
// main() lists the modules; the core never names them.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/router.h"

namespace ew {

// What a module may hook into while starting.
class Registrar {
 public:
  explicit Registrar(Router& router) : router_(router) {}

  Router& router() { return router_; }
  // Runs on SIGHUP, on the control thread, never on a worker.
  void on_reload(std::function<void()> fn) { reload_hooks_.push_back(std::move(fn)); }
  // Runs once when the server begins to drain, before connections are closed.
  void on_stop(std::function<void()> fn) { stop_hooks_.push_back(std::move(fn)); }

  const std::vector<std::function<void()>>& reload_hooks() const { return reload_hooks_; }
  const std::vector<std::function<void()>>& stop_hooks() const { return stop_hooks_; }

 private:
  Router& router_;
  std::vector<std::function<void()>> reload_hooks_;
  std::vector<std::function<void()>> stop_hooks_;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  // Adds this module's sections and keys.
  virtual void declare(config::Schema& schema) = 0;
  // Checks cross-key rules the schema cannot express and appends problems (same sentence
  // style as config::ConfigError); called before start() so all problems are reported at once.
  virtual void validate(const config::Settings& settings, std::vector<std::string>& problems) {
    (void)settings;
    (void)problems;
  }
  // Registers routes and hooks. May throw std::runtime_error for startup failures (a root
  // directory that cannot be read, a database that cannot be opened).
  virtual void start(const config::Settings& settings, Registrar& registrar) = 0;
};

using ModulePtr = std::unique_ptr<Module>;

}  // namespace ew
