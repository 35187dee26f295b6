#include "deploy/deploy.h"

namespace ew::deploy {

std::optional<Deployment> deployment_for(DeploymentStore& store, const std::string& release,
                                         std::int64_t at_ms) {
  if (!release.empty()) {
    DeploymentQuery by_version;
    by_version.version = release;
    by_version.limit = 1;
    auto found = store.list(by_version);
    if (found.ok() && !found->empty()) return found->front();
  }
  DeploymentQuery before;
  before.to_ms = at_ms;
  before.limit = 1;
  auto found = store.list(before);
  if (found.ok() && !found->empty()) return found->front();
  return std::nullopt;
}

}  // namespace ew::deploy
