// The dashboard at /_edgewatch/ (dashboard/dist/, embedded in the binary), login and logout with
// the admin token (cookie sessions: auth/auth.h), GET /_edgewatch/session (signed in?) and
// GET /_edgewatch/api/traffic, the traffic history its charts draw. See docs/dashboard.md.
#pragma once

#include <memory>

#include "auth/auth.h"
#include "core/module.h"
#include "proxy/proxy.h"
#include "telemetry/traffic_stats.h"

namespace ew::dashboard {

struct DashboardWiring {
  std::shared_ptr<auth::AdminGate> admin;
  std::shared_ptr<const telemetry::TrafficStats> traffic;  // the server's counters
  std::shared_ptr<proxy::ProxyRegistry> proxies;           // upstream streams and latency
};

ModulePtr make_dashboard_module(DashboardWiring wiring);

}  // namespace ew::dashboard
