// The dashboard at /_edgewatch/ (dashboard/dist/, embedded in the binary), login and logout with
// the admin token (cookie sessions: auth/admin_auth.h), GET /_edgewatch/session (signed in?)
// and GET /_edgewatch/api/traffic, the traffic history its charts draw. See docs/dashboard.md.
#pragma once

#include <memory>

#include "core/module.h"

namespace ew {
namespace ops {
class Hub;
}

ModulePtr make_dashboard_module(std::shared_ptr<ops::Hub> hub);

}  // namespace ew
