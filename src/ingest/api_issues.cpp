// GET /_edgewatch/api/issues, GET/PATCH /_edgewatch/api/issues/{id},
// GET /_edgewatch/api/issues/{id}/events.
#include <nlohmann/json.hpp>

#include <charconv>

#include "ingest/api.h"
#include "ingest/api_util.h"
#include "ingest/http_util.h"
#include "ingest/service.h"
#include "ingest/text.h"
#include "util/time.h"

namespace ew::ingest {

using nlohmann::json;

json issue_json(const storage::Issue& i) {
  auto time = [](storage::TimeMs t) { return t > 0 ? json(format_iso8601(t)) : json(nullptr); };
  return json{{"id", i.id},
              {"project", i.project},
              {"title", i.title},
              {"culprit", i.culprit},
              {"type", i.type},
              {"level", i.level},
              {"count", i.count},
              {"users", i.users},
              {"sessions", i.sessions},
              {"first_seen", time(i.first_seen)},
              {"last_seen", time(i.last_seen)},
              {"status", std::string(storage::to_string(i.status))},
              {"fingerprint", i.fingerprint},
              {"first_release", i.first_release},
              {"last_release", i.last_release},
              {"releases", i.releases},
              {"environments", i.environments},
              {"regressed", i.regressed},
              {"regressions", i.regressions},
              {"regressed_at", time(i.regressed_at)},
              {"resolved_at", time(i.resolved_at)}};
}

namespace {

json event_json(const storage::ErrorEvent& e) {
  json detail = json::parse(e.detail_json, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded()) detail = json::object();
  return json{{"id", e.id},
              {"event_id", e.event_id},
              {"issue_id", e.issue_id},
              {"timestamp", format_iso8601(e.timestamp)},
              {"received", format_iso8601(e.received)},
              {"title", e.title},
              {"message", e.message},
              {"level", e.level},
              {"release", e.client.release},
              {"environment", e.client.environment},
              {"page", e.client.page},
              {"browser", e.client.browser},
              {"os", e.client.os},
              {"device", e.client.device},
              {"user", e.user},
              {"session", e.session},
              {"detail", std::move(detail)}};
}

// One page of a listing as {"items":[...],"next_cursor":...}, or 500 when the store failed.
template <typename Page, typename ToJson>
void send_page(Responder& responder, const Page& page, ToJson to_json, const std::string& rid) {
  if (!page) {
    responder.send(error_response(500, "storage_error", page.error(), rid));
    return;
  }
  json items = json::array();
  for (const auto& item : page->items) items.push_back(to_json(item));
  json body{{"items", std::move(items)},
            {"next_cursor", page->next ? json(encode_cursor(*page->next)) : json(nullptr)}};
  responder.send(json_response(200, body.dump()));
}

std::optional<std::int64_t> issue_id(const Request& request) {
  std::string_view text = request.param("id");
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

void list_issues(IngestService& svc, Request& request, Responder& responder) {
  const std::string rid(request.request_id);
  ParamError error;
  storage::IssueQuery q;
  auto range = time_range(request.query, 3650LL * 86'400'000, error);
  auto limit = limit_param(request.query, 50, 500, error);
  bool has_cursor = false;
  auto cursor = cursor_param(request.query, error, has_cursor);
  if (!range || !limit || (has_cursor && !cursor)) {
    responder.send(error_response(400, "bad_parameter", error.message, rid));
    return;
  }
  q.seen = *range;
  q.limit = *limit;
  q.after = cursor;
  // "all" (the dashboard's All tab) is the same as no status: every issue.
  if (auto status = query_param(request.query, "status"); status && *status != "all") {
    q.status = storage::parse_issue_status(*status);
    if (!q.status) {
      responder.send(error_response(400, "bad_parameter",
                                    "status: expected unresolved, resolved, ignored or all", rid));
      return;
    }
  }
  if (auto sort = query_param(request.query, "sort")) {
    if (*sort == "last_seen") {
      q.sort = storage::IssueSort::kLastSeen;
    } else if (*sort == "first_seen") {
      q.sort = storage::IssueSort::kFirstSeen;
    } else if (*sort == "count") {
      q.sort = storage::IssueSort::kCount;
    } else {
      responder.send(error_response(400, "bad_parameter",
                                    "sort: expected last_seen, first_seen or count", rid));
      return;
    }
  }
  if (auto project = query_param(request.query, "project")) {
    std::int64_t p = 0;
    auto [ptr, ec] = std::from_chars(project->data(), project->data() + project->size(), p);
    if (ec != std::errc() || ptr != project->data() + project->size()) {
      responder.send(error_response(400, "bad_parameter", "project: expected a number", rid));
      return;
    }
    q.project = p;
  }
  q.release = query_param(request.query, "release").value_or("");
  q.environment = query_param(request.query, "environment").value_or("");
  send_page(responder, svc.store().list_issues(q), issue_json, rid);
}

void get_issue(IngestService& svc, Request& request, Responder& responder) {
  const std::string rid(request.request_id);
  auto id = issue_id(request);
  auto issue = id ? svc.store().get_issue(*id)
                  : storage::Result<std::optional<storage::Issue>>(std::optional<storage::Issue>());
  if (!issue) {
    responder.send(error_response(500, "storage_error", issue.error(), rid));
    return;
  }
  if (!issue.value()) {
    responder.send(error_response(404, "not_found", "no such issue", rid));
    return;
  }
  ParamError error;
  auto range = time_range(request.query, 86'400'000, error);
  auto bucket = duration_param(request.query, "bucket", error);
  if (!range || !bucket) {
    responder.send(error_response(400, "bad_parameter", error.message, rid));
    return;
  }
  json body = issue_json(**issue);
  storage::EventQuery eq;
  eq.issue_id = *id;
  eq.limit = 1;
  auto latest = svc.store().list_events(eq);
  body["latest_event"] =
      latest && !latest->items.empty() ? event_json(latest->items.front()) : json(nullptr);
  const storage::TimeMs step = *bucket > 0 ? *bucket : 3'600'000;
  auto counts = svc.store().issue_counts(*id, *range, step);
  json series = json::array();
  if (counts) {
    for (const storage::CountBucket& b : *counts) {
      series.push_back({{"start", format_iso8601(b.start)}, {"count", b.count}});
    }
  }
  body["counts"] = {{"bucket_ms", step}, {"series", std::move(series)}};
  responder.send(json_response(200, body.dump()));
}

void list_events(IngestService& svc, Request& request, Responder& responder) {
  const std::string rid(request.request_id);
  auto id = issue_id(request);
  if (!id) {
    responder.send(error_response(404, "not_found", "no such issue", rid));
    return;
  }
  ParamError error;
  auto range = time_range(request.query, 3650LL * 86'400'000, error);
  auto limit = limit_param(request.query, 50, 500, error);
  bool has_cursor = false;
  auto cursor = cursor_param(request.query, error, has_cursor);
  if (!range || !limit || (has_cursor && !cursor)) {
    responder.send(error_response(400, "bad_parameter", error.message, rid));
    return;
  }
  storage::EventQuery q;
  q.issue_id = *id;
  q.range = *range;
  q.limit = *limit;
  q.after = cursor;
  q.release = query_param(request.query, "release").value_or("");
  send_page(responder, svc.store().list_events(q), event_json, rid);
}

void patch_issue(std::shared_ptr<IngestService> svc, Request& request, Responder& responder) {
  const std::string rid(request.request_id);
  auto id = issue_id(request);
  if (!id) {
    responder.send(error_response(404, "not_found", "no such issue", rid));
    return;
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  std::optional<storage::IssueStatus> status;
  if (body.is_object() && body.contains("status") && body["status"].is_string()) {
    status = storage::parse_issue_status(body["status"].get<std::string>());
  }
  if (!status) {
    responder.send(
        error_response(400, "bad_body",
                       "expected {\"status\": \"unresolved\" | \"resolved\" | \"ignored\"}", rid));
    return;
  }
  storage::WriteBatch batch;
  batch.status_changes.push_back({*id, *status, now_ms()});
  const std::int64_t issue = *id;
  auto on_commit = [svc, issue, rid](const storage::WriteOutcome& outcome) {
    if (outcome.status_changes == 0) return error_response(404, "not_found", "no such issue", rid);
    auto found = svc->store().get_issue(issue);
    if (!found || !found.value()) return error_response(404, "not_found", "no such issue", rid);
    return json_response(200, issue_json(**found).dump());
  };
  auto on_failure = [rid](int code, const std::string& text) {
    return error_with_retry(code, "storage_unavailable", text, rid, 5);
  };
  if (svc->submit(std::move(batch), responder, on_commit, on_failure) !=
      IngestService::Submitted::kQueued) {
    responder.send(error_with_retry(503, "queue_full", "the write queue is full", rid, 1));
  }
}

}  // namespace

void register_issue_api(std::shared_ptr<IngestService> svc, Router& router,
                        const std::shared_ptr<auth::AdminGate>& admin,
                        const RouteOptions& options) {
  auto guarded = [&](void (*fn)(IngestService&, Request&, Responder&)) {
    return auth::admin_only(
        admin, [svc, fn](Request& request, Responder& responder) { fn(*svc, request, responder); });
  };
  router.exact(kGetHead, "/_edgewatch/api/issues", guarded(list_issues), options);
  router.pattern(kGetHead, "/_edgewatch/api/issues/{id}", guarded(get_issue), options);
  router.pattern(kGetHead, "/_edgewatch/api/issues/{id}/events", guarded(list_events), options);
  router.pattern(method_bit(Method::kPatch), "/_edgewatch/api/issues/{id}",
                 auth::admin_only(admin,
                                  [svc](Request& request, Responder& responder) {
                                    patch_issue(svc, request, responder);
                                  }),
                 options);
}

}  // namespace ew::ingest
