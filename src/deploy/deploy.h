// Deployments as CI reports them ("Update monitoring"), where they are kept, and the module that
// serves them: POST /_edgewatch/api/deployments takes {"deployment":{"environment","version",
// "timestamp"}}; GET lists them, newest first, filtered by environment, version, since and until.
// Both behind the admin bearer token. The module keeps them in a JSON-lines file in the data
// directory and publishes its store for the alert rules, which name the deployment that most
// likely brought a regression.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth.h"
#include "core/module.h"
#include "core/published.h"
#include "storage/storage.h"

namespace ew::deploy {

struct Deployment {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::string environment;
  std::string version;
  std::int64_t timestamp_ms = 0;  // when it was deployed, as the CI said
  std::int64_t received_ms = 0;   // when edgewatch was told
};

struct DeploymentQuery {
  std::string environment;  // exact; empty = all
  std::string version;      // exact; empty = all
  std::int64_t from_ms = 0;
  std::int64_t to_ms = INT64_MAX;
  std::size_t limit = 100;
};

class DeploymentStore {
 public:
  virtual ~DeploymentStore() = default;
  // Thread-safe. Assigns the id; returns the stored record.
  virtual storage::Result<Deployment> add(Deployment deployment) = 0;
  // Thread-safe. Newest (by timestamp, then id) first.
  virtual storage::Result<std::vector<Deployment>> list(const DeploymentQuery& query) = 0;
};

// The deployment that most likely brought `release`: the newest one whose version equals it,
// else the newest deployed at or before `at_ms`. nullopt when there is none.
std::optional<Deployment> deployment_for(DeploymentStore& store, const std::string& release,
                                         std::int64_t at_ms);

// The module; it publishes its store in `store` when it starts.
ModulePtr make_deployments_module(std::shared_ptr<auth::AdminGate> admin,
                                  std::shared_ptr<Published<DeploymentStore>> store);

}  // namespace ew::deploy
