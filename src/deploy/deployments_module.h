// POST /_edgewatch/api/deployments takes the seed CI's "Update monitoring" body
// {"deployment":{"environment","version","timestamp"}}; GET lists them, newest first, filtered
// by environment, version, since and until. Both behind the admin bearer token. Deployments go
// to the Hub's DeploymentStore when the storage module provides one, else to a JSON-lines file.
#pragma once

#include <memory>

#include "core/module.h"
#include "ops/hub.h"

namespace ew {

ModulePtr make_deployments_module(std::shared_ptr<ops::Hub> hub);

}  // namespace ew
