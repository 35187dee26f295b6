// The command line: serve, check-config, version and the build tools.
#pragma once

#include <vector>

#include "core/module.h"
#include "core/published.h"
#include "telemetry/traffic_stats.h"

namespace ew::tls {
class CertificateStore;
}

namespace ew {

// Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// What the server shares with the modules.
struct ServeWiring {
  // The server counts every request in it.
  std::shared_ptr<telemetry::TrafficStats> traffic;
  // Published once the HTTPS listener's certificates are open (for /metrics and readiness).
  std::shared_ptr<Published<tls::CertificateStore>> certificates;
};

int run_cli(int argc, char** argv, std::vector<ModulePtr> modules, ServeWiring wiring);

}  // namespace ew
