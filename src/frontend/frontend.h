// GET /config.json (path configurable): the frontend's runtime configuration from [frontend],
// with a short Cache-Control max-age and an ETag (304 on If-None-Match). Re-read on SIGHUP; a
// reload with problems is logged and the previous configuration kept.
#pragma once

#include "core/module.h"

namespace ew {

ModulePtr make_frontend_module();

}  // namespace ew
