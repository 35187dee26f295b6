// GET /health: the cheap liveness answer, "healthy\n", as the seed's nginx gives it. Not
// access-logged, so probes do not drown the log.
#pragma once

#include "core/module.h"

namespace ew {

ModulePtr make_health_module();

}  // namespace ew
