// GET /_edgewatch/api/vitals, /metrics, /events and /ingest/stats.
#include <nlohmann/json.hpp>

#include "ingest/api.h"
#include "ingest/api_util.h"
#include "ingest/http_util.h"
#include "ingest/routes.h"
#include "ingest/service.h"
#include "ingest/text.h"
#include "util/time.h"

namespace ew::ingest {
namespace {

using nlohmann::json;

constexpr storage::TimeMs kWeek = 7LL * 86'400'000;

json bucket_value(storage::TimeMs start, storage::TimeMs bucket) {
  return bucket > 0 ? json(format_iso8601(start)) : json(nullptr);
}

bool common(Request& request, Responder& responder, storage::TimeRange& range,
            storage::TimeMs& bucket, std::size_t& limit) {
  ParamError error;
  auto r = time_range(request.query, kWeek, error);
  auto b = r ? duration_param(request.query, "bucket", error) : std::nullopt;
  auto l = b ? limit_param(request.query, 500, 10'000, error) : std::nullopt;
  if (!l) {
    responder.send(error_response(400, "bad_parameter", error.message, request.request_id));
    return false;
  }
  range = *r;
  bucket = *b;
  limit = *l;
  return true;
}

void vitals(IngestService& svc, Request& request, Responder& responder) {
  storage::VitalQuery q;
  std::size_t limit;
  if (!common(request, responder, q.range, q.bucket, limit)) return;
  q.metric = query_param(request.query, "metric").value_or("");
  for (char& c : q.metric) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  q.page = query_param(request.query, "page").value_or("");
  q.release = query_param(request.query, "release").value_or("");
  q.device = query_param(request.query, "device").value_or("");
  q.environment = query_param(request.query, "environment").value_or("");
  if (auto group = query_param(request.query, "group_by")) {
    q.by_page = group->find("page") != std::string::npos;
    q.by_release = group->find("release") != std::string::npos;
    q.by_device = group->find("device") != std::string::npos;
  }
  auto result = svc.store().vitals(q);
  if (!result) {
    responder.send(error_response(500, "storage_error", result.error(), request.request_id));
    return;
  }
  json items = json::array();
  for (const storage::VitalRow& row : result->rows) {
    if (items.size() >= limit) break;
    const double n = static_cast<double>(row.count);
    json item{
        {"metric", row.metric},
        {"unit", row.metric == "CLS" ? "" : "ms"},
        {"p75", row.p75},
        {"count", row.count},
        {"good", row.good / n},
        {"needs_improvement", row.needs_improvement / n},
        {"poor", row.poor / n},
        {"ratings",
         {{"good", row.good}, {"needs_improvement", row.needs_improvement}, {"poor", row.poor}}},
        {"bucket_start", bucket_value(row.bucket_start, q.bucket)}};
    if (q.by_page) item["page"] = row.page;
    if (q.by_release) item["release"] = row.release;
    if (q.by_device) item["device"] = row.device;
    items.push_back(std::move(item));
  }
  json body{{"items", std::move(items)}, {"truncated", result->truncated}};
  responder.send(json_response(200, body.dump()));
}

void metrics(IngestService& svc, Request& request, Responder& responder) {
  storage::MetricQuery q;
  if (!common(request, responder, q.range, q.bucket, q.limit)) return;
  q.name = query_param(request.query, "name").value_or("");
  q.prefix = query_param(request.query, "prefix").value_or("");
  auto rows = svc.store().metrics(q);
  if (!rows) {
    responder.send(error_response(500, "storage_error", rows.error(), request.request_id));
    return;
  }
  json items = json::array();
  for (const storage::MetricRow& r : *rows) {
    items.push_back({{"name", r.name},
                     {"tags", r.tags},
                     {"unit", r.unit},
                     {"bucket_start", bucket_value(r.bucket_start, q.bucket)},
                     {"count", r.count},
                     {"sum", r.sum},
                     {"min", r.min},
                     {"max", r.max},
                     {"avg", r.count > 0 ? r.sum / static_cast<double>(r.count) : 0.0}});
  }
  responder.send(json_response(200, json{{"items", std::move(items)}}.dump()));
}

void events(IngestService& svc, Request& request, Responder& responder) {
  storage::AnalyticsQuery q;
  if (!common(request, responder, q.range, q.bucket, q.limit)) return;
  q.name = query_param(request.query, "name").value_or("");
  q.release = query_param(request.query, "release").value_or("");
  auto rows = svc.store().analytics(q);
  if (!rows) {
    responder.send(error_response(500, "storage_error", rows.error(), request.request_id));
    return;
  }
  json items = json::array();
  for (const storage::AnalyticsRow& r : *rows) {
    items.push_back({{"name", r.name},
                     {"bucket_start", bucket_value(r.bucket_start, q.bucket)},
                     {"count", r.count},
                     {"unique_sessions", r.sessions}});
  }
  responder.send(json_response(200, json{{"items", std::move(items)}}.dump()));
}

void stats(IngestService& svc, Request& request, Responder& responder) {
  IngestStats& s = svc.stats();
  storage::WriterStats w = svc.writer().stats();
  json items = json::object();
  for (const auto& [type, count] : s.sentry_items()) items[type] = count;
  json body{{"requests", s.requests.load()},
            {"accepted", s.accepted.load()},
            {"rejected_items", s.rejected_items.load()},
            {"rejected_requests", s.rejected_requests.load()},
            {"dropped_self_timings", s.dropped_self_timings.load()},
            {"dropped_session_limit", s.dropped_session_cap.load()},
            {"rate_limited", s.rate_limited.load()},
            {"quota_limited", s.quota_limited.load()},
            {"queue_full", s.queue_full.load()},
            {"folded_metric_names", s.folded_metric_names.load()},
            {"duplicate_events", s.duplicate_events.load()},
            {"storage_failures", s.storage_failures.load()},
            {"sentry_items", std::move(items)},
            {"writer",
             {{"queued_records", w.queued_records},
              {"committed_records", w.committed_records},
              {"commits", w.commits},
              {"failed_commits", w.failed_commits},
              {"rejected_full", w.rejected_full},
              {"retention_deleted", w.retention_deleted},
              {"last_commit_ms", w.last_commit_ms},
              {"max_commit_ms", w.max_commit_ms}}}};
  if (auto counts = svc.store().counts()) {
    body["store"] = {{"issues", counts->issues},
                     {"open_issues", counts->open_issues},
                     {"error_events", counts->error_events},
                     {"vitals", counts->vitals},
                     {"metric_rows", counts->metric_rows},
                     {"analytics_events", counts->analytics_events}};
  }
  responder.send(json_response(200, body.dump()));
}

}  // namespace

void register_aggregate_api(std::shared_ptr<IngestService> svc, Router& router,
                            const std::shared_ptr<auth::AdminGate>& admin,
                            const RouteOptions& options) {
  using Fn = void (*)(IngestService&, Request&, Responder&);
  const std::pair<const char*, Fn> routes[] = {{"/_edgewatch/api/vitals", vitals},
                                               {"/_edgewatch/api/metrics", metrics},
                                               {"/_edgewatch/api/events", events},
                                               {"/_edgewatch/api/ingest/stats", stats}};
  for (const auto& [path, fn] : routes) {
    router.exact(kGetHead, path,
                 auth::admin_only(admin,
                                  [svc, fn = fn](Request& request, Responder& responder) {
                                    fn(*svc, request, responder);
                                  }),
                 options);
  }
}

void register_api_routes(std::shared_ptr<IngestService> svc, Router& router,
                         const std::shared_ptr<auth::AdminGate>& admin) {
  RouteOptions options;
  options.max_body_size = 16 * 1024;
  options.name = "query_api";
  options.operations = true;
  register_issue_api(svc, router, admin, options);
  register_aggregate_api(svc, router, admin, options);
}

}  // namespace ew::ingest
