// The monitoring backend as a module: the seed client's endpoints, Sentry-compatible ingestion,
// the SQLite store with its group-commit writer, and the query API.
#pragma once

#include "core/module.h"

namespace ew {

ModulePtr make_ingest_module();

}  // namespace ew
