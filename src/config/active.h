// The schema and sources the running server was configured from, kept so that a module can
// read the configuration again on SIGHUP (the Registrar's on_reload) with the same file,
// environment and command-line overrides. Set once by the CLI before the modules start.
#pragma once

#include <optional>

#include "config/config.h"

namespace ew::config {

void set_active(const Schema& schema, const Sources& sources);

// Loads the configuration again: the file is re-read, the environment and overrides are those
// of startup. Throws ConfigError listing every problem; nullopt when set_active was never
// called (a module started by a test, say).
std::optional<Settings> reload_active();

}  // namespace ew::config
