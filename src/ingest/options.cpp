#include "ingest/options.h"

#include "config/keys.h"

#include <set>

namespace ew::ingest {
namespace {

using config::bounded;
using config::key;
using config::Kind;

}  // namespace

void declare_ingest_settings(config::Schema& schema) {
  auto& ingest = schema.section(
      "ingest", "The reference client's monitoring endpoints (errors, metrics, analytics)");
  ingest.keys = {
      key("enabled", Kind::kBool, "true", "Answer the ingestion endpoints"),
      key("analytics_path", Kind::kString, "/api/analytics/events", "Analytics events endpoint"),
      key("metrics_path", Kind::kString, "/api/monitoring/metrics", "Performance metrics endpoint"),
      key("errors_path", Kind::kString, "/api/monitoring/errors", "Error reports endpoint"),
      key("max_body_size", Kind::kSize, "512KiB",
          "Largest request body as received; larger gets 413"),
      key("max_decompressed_size", Kind::kSize, "1MiB",
          "Largest body after Content-Encoding is undone; larger gets 413"),
      bounded("max_items", Kind::kInt, "100", "Items in one JSON array at most; more gets 413", 1,
              10000),
      bounded("max_json_depth", Kind::kInt, "32", "Deepest JSON nesting accepted; deeper gets 400",
              2, 1000),
      key("max_properties_size", Kind::kSize, "4KiB",
          "Analytics properties kept per event (minified JSON); members beyond are dropped"),
      key("max_context_size", Kind::kSize, "8KiB", "Error context kept per report"),
      key("max_stack_size", Kind::kSize, "64KiB", "Error stack kept per report; the rest is cut"),
      bounded("session_items_per_minute", Kind::kInt, "600",
              "Items one session may send per minute; 0 = unlimited", 0, 10'000'000),
      bounded("rate_per_address", Kind::kFloat, "50",
              "Ingestion requests per second per client address; 0 = unlimited", 0, 1e9),
      bounded("burst_per_address", Kind::kFloat, "200", "Burst allowance per client address", 1,
              1e9),
      key("drop_self_timings", Kind::kBool, "true",
          "Drop resource timings of edgewatch's own ingestion requests (a report of its own report "
          "would feed back forever)"),
      bounded("max_metric_names", Kind::kInt, "500",
              "Distinct metric names kept; later new names are folded into \"other\"", 1,
              1'000'000),
      bounded("max_metric_series", Kind::kInt, "5000",
              "Distinct metric name and tag combinations; later ones lose their tags", 1,
              10'000'000),
      key("retry_after", Kind::kDuration, "1s", "Retry-After sent when the queue is full"),
      bounded("project_items_per_minute", Kind::kInt, "60000",
              "Records one project may store per minute (the reference client's endpoints are "
              "project 0, "
              "Sentry projects count on their own); beyond, 429 with X-Sentry-Rate-Limits. "
              "0 = unlimited",
              0, 4e9),
      bounded("project_max_issues", Kind::kInt, "10000",
              "Issues one project may have stored; at the quota its error events get 429 "
              "(other records are still stored). 0 = unlimited",
              0, 1e15),
      key("max_database_size", Kind::kSize, "1GiB",
          "Database file and WAL at most (this replica's); at the quota every ingestion request "
          "gets 429 until retention frees space. 0 = unlimited"),
  };

  auto& sentry = schema.section("sentry", "Sentry-compatible ingestion for @sentry/browser");
  sentry.keys = {
      key("enabled", Kind::kBool, "true", "Answer /_edgewatch/sentry/api/{project}/envelope/"),
      key("max_body_size", Kind::kSize, "1MiB", "Largest envelope as received; larger gets 413"),
      key("max_decompressed_size", Kind::kSize, "4MiB",
          "Largest envelope after decompression; larger gets 413"),
      key("max_event_size", Kind::kSize, "1MiB",
          "Largest event or transaction item; larger gets 413"),
      bounded("rate_per_key", Kind::kFloat, "100",
              "Envelopes per second per project key; 0 = unlimited (429 with Retry-After beyond)",
              0, 1e9),
      bounded("burst_per_key", Kind::kFloat, "500", "Burst allowance per project key", 1, 1e9),
  };
  auto& projects = schema.section("sentry.projects", "Projects whose DSNs are accepted", true);
  projects.keys = {
      bounded("id", Kind::kInt, "", "Project id: the last path segment of the DSN", 1, 1e15),
      key("public_key", Kind::kString, "", "The DSN's public key (the part before '@')"),
      key("name", Kind::kString, "", "A name for people"),
  };
}

void validate_ingest_settings(const config::Settings& settings,
                              std::vector<std::string>& problems) {
  const config::Table& ingest = settings.section("ingest");
  std::set<std::string> paths;
  for (const char* key : {"analytics_path", "metrics_path", "errors_path"}) {
    const std::string& p = ingest.get_string(key);
    if (!config::check_route_path("ingest." + std::string(key), p, problems)) {
      continue;
    }
    if (!paths.insert(p).second) {
      problems.push_back("ingest." + std::string(key) + ": \"" + p +
                         "\" is already used by another ingestion endpoint");
    } else if (p.starts_with("/_edgewatch/")) {
      problems.push_back("ingest." + std::string(key) + ": /_edgewatch/ is reserved");
    }
  }
  std::set<std::int64_t> ids;
  const auto& projects = settings.entries("sentry.projects");
  for (std::size_t i = 0; i < projects.size(); ++i) {
    const std::string where = "sentry.projects[" + std::to_string(i) + "]";
    if (!projects[i].has("id")) problems.push_back(where + ".id: required");
    if (projects[i].get_string("public_key").empty()) {
      problems.push_back(where + ".public_key: required");
    }
    if (projects[i].has("id") && !ids.insert(projects[i].get_int("id")).second) {
      problems.push_back(where + ".id: project " + std::to_string(projects[i].get_int("id")) +
                         " is configured twice");
    }
  }
}

IngestOptions ingest_options(const config::Settings& settings) {
  IngestOptions o;
  const config::Table& i = settings.section("ingest");
  o.enabled = i.get_bool("enabled");
  o.analytics_path = i.get_string("analytics_path");
  o.metrics_path = i.get_string("metrics_path");
  o.errors_path = i.get_string("errors_path");
  o.max_body_size = i.get_size("max_body_size");
  o.seed.max_size = i.get_size("max_decompressed_size");
  o.seed.max_items = static_cast<std::size_t>(i.get_int("max_items"));
  o.seed.max_depth = static_cast<std::size_t>(i.get_int("max_json_depth"));
  o.seed.max_properties = i.get_size("max_properties_size");
  o.seed.max_context = i.get_size("max_context_size");
  o.seed.max_stack = i.get_size("max_stack_size");
  o.session_items_per_minute = static_cast<std::size_t>(i.get_int("session_items_per_minute"));
  o.address_rate = i.get_double("rate_per_address");
  o.address_burst = i.get_double("burst_per_address");
  o.drop_self_timings = i.get_bool("drop_self_timings");
  o.max_metric_names = static_cast<std::size_t>(i.get_int("max_metric_names"));
  o.max_metric_series = static_cast<std::size_t>(i.get_int("max_metric_series"));
  o.retry_after_s =
      std::max<int>(1, static_cast<int>(i.get_duration("retry_after").count() / 1000));
  o.quotas.items_per_minute = static_cast<std::uint32_t>(i.get_int("project_items_per_minute"));
  o.quotas.max_issues = i.get_int("project_max_issues");
  o.quotas.max_database_bytes = i.get_size("max_database_size");

  const config::Table& s = settings.section("sentry");
  o.sentry_enabled = s.get_bool("enabled");
  o.sentry_max_body_size = s.get_size("max_body_size");
  o.sentry_max_decompressed_size = s.get_size("max_decompressed_size");
  o.sentry.max_event_size = s.get_size("max_event_size");
  o.sentry.max_depth = std::max<std::size_t>(o.seed.max_depth, 64);
  o.key_rate = s.get_double("rate_per_key");
  o.key_burst = s.get_double("burst_per_key");
  for (const config::Table& p : settings.entries("sentry.projects")) {
    o.projects.push_back({p.get_int("id"), p.get_string("public_key"), p.get_string("name")});
  }

  o.storage = storage::storage_options(settings);
  return o;
}

}  // namespace ew::ingest
