// Wiring only: the list of modules, handed to the command line.
#include <vector>

#include "app/cli.h"
#include "health/health_module.h"

int main(int argc, char** argv) {
  std::vector<ew::ModulePtr> modules;
  modules.push_back(ew::make_health_module());
  return ew::run_cli(argc, argv, std::move(modules));
}
