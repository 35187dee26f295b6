// The static-file module: serves the files under [static] root (a Vite dist/) from memory,
// with precompressed variants, cache policy, SPA fallback and security headers. See
// docs/static.md for the configuration reference.
#pragma once

#include "config/config.h"
#include "core/module.h"
#include "static/options.h"
#include "telemetry/registry.h"

namespace ew::static_files {

// The module; it adds the cache families to `metrics`.
ModulePtr make_static_module(std::shared_ptr<telemetry::MetricsRegistry> metrics);

// Declares the [static] section (also used by tests and by check-config).
void declare_static_settings(config::Schema& schema);

// Reads the [static] section into plain options.
StaticOptions static_options(const config::Settings& settings);

}  // namespace ew::static_files
