// The query API's route groups (both behind the admin bearer token).
#pragma once

#include <memory>

#include "auth/auth.h"
#include "core/router.h"

namespace ew::ingest {

class IngestService;

void register_issue_api(std::shared_ptr<IngestService> service, Router& router,
                        const std::shared_ptr<auth::AdminGate>& admin, const RouteOptions& options);
void register_aggregate_api(std::shared_ptr<IngestService> service, Router& router,
                            const std::shared_ptr<auth::AdminGate>& admin,
                            const RouteOptions& options);

}  // namespace ew::ingest
