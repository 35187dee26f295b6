// The command line: serve, check-config, version and the build tools.
#pragma once

#include <vector>

#include "core/module.h"
#include "telemetry/traffic_stats.h"

namespace ew {

// Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// `traffic` is handed to the server, which counts every request in it.
int run_cli(int argc, char** argv, std::vector<ModulePtr> modules,
            std::shared_ptr<telemetry::TrafficStats> traffic);

}  // namespace ew
