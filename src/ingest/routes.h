// Route registration for the ingestion module's three groups of endpoints.
#pragma once

#include <memory>

#include "auth/auth.h"
#include "core/router.h"

namespace ew::ingest {

class IngestService;

// POST [ingest] analytics_path, metrics_path, errors_path.
void register_seed_routes(std::shared_ptr<IngestService> service, Router& router);
// POST and OPTIONS /_edgewatch/sentry/api/{project}/envelope/ and /store/.
void register_sentry_routes(std::shared_ptr<IngestService> service, Router& router);
// GET /_edgewatch/api/issues, .../issues/{id}, .../issues/{id}/events, PATCH .../issues/{id},
// GET /_edgewatch/api/vitals, /metrics, /events, /ingest/stats: behind the admin token.
void register_api_routes(std::shared_ptr<IngestService> service, Router& router,
                         const std::shared_ptr<auth::AdminGate>& admin);

}  // namespace ew::ingest
