// Wiring only: the list of modules, handed to the command line.
#include <vector>

#include "app/cli.h"
#include "health/health_module.h"
#include "proxy/proxy_module.h"

int main(int argc, char** argv) {
  std::vector<ew::ModulePtr> modules;
  modules.push_back(ew::make_health_module());
  auto proxies = std::make_shared<ew::proxy::ProxyRegistry>();
  modules.push_back(ew::proxy::make_proxy_module(proxies));
  return ew::run_cli(argc, argv, std::move(modules));
}
