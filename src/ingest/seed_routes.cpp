// POST /api/analytics/events, /api/monitoring/metrics, /api/monitoring/errors: the seed client's
// endpoints. Parse and validate on the worker thread, answer after the writer's COMMIT.
#include "ingest/body.h"
#include "ingest/http_util.h"
#include "ingest/json_out.h"
#include "ingest/routes.h"
#include "ingest/service.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

enum class Kind : unsigned char { kEvents, kMetrics, kErrors };

struct Tally {
  std::vector<Rejection> rejected;
  std::size_t self_timings = 0;
  std::size_t session_cap = 0;
};

std::string answer_body(std::size_t accepted, const Tally& t, std::string_view request_id,
                        std::string_view error_code = {}, std::string_view error_message = {}) {
  JsonOut o;
  o.begin_object();
  if (!error_code.empty()) {
    o.key("error").begin_object().key("code").value(error_code).key("message").value(error_message);
    o.key("request_id").value(request_id).end_object();
  }
  o.key("accepted").value(accepted);
  o.key("rejected").begin_array();
  for (const Rejection& r : t.rejected) {
    o.begin_object().key("index").value(r.index).key("reason").value(r.reason).end_object();
  }
  o.end_array();
  o.key("dropped").begin_object().key("self_timings").value(t.self_timings);
  o.key("session_limit").value(t.session_cap).end_object();
  o.end_object();
  return o.take();
}

// Each session's per-minute allowance, taken once per request for all of its items.
class SessionQuota {
 public:
  SessionQuota(IngestService& svc, const std::vector<std::string_view>& sessions, TimeMs now) {
    for (std::string_view s : sessions) {
      auto it =
          std::find_if(left_.begin(), left_.end(), [&](const auto& e) { return e.first == s; });
      if (it == left_.end()) {
        left_.emplace_back(std::string(s), 1);
      } else {
        ++it->second;
      }
    }
    for (auto& [session, n] : left_) n = svc.sessions().admit(session, n, now);
  }
  // True when the item may be stored; counts it against its session otherwise.
  bool take(std::string_view session, Tally& t) {
    for (auto& [s, n] : left_) {
      if (s != session) continue;
      if (n == 0) {
        ++t.session_cap;
        return false;
      }
      --n;
      return true;
    }
    return true;
  }

 private:
  // Copies: the items' strings are moved into records while the quota is in use.
  std::vector<std::pair<std::string, std::size_t>> left_;
};

template <class Item>
std::vector<std::string_view> sessions_of(const std::vector<Item>& items) {
  std::vector<std::string_view> out;
  out.reserve(items.size());
  for (const Item& i : items) out.push_back(i.session);
  return out;
}

bool settle(std::optional<TimeMs> ts, std::size_t index, TimeMs received, TimeMs& out, Tally& t) {
  std::string reason;
  std::optional<TimeMs> settled = settle_timestamp(ts, received, reason);
  if (!settled) {
    t.rejected.push_back({index, std::move(reason)});
    return false;
  }
  out = *settled;
  return true;
}

void build_events(IngestService& svc, std::vector<SeedEvent>& items, const RequestInfo& info,
                  storage::WriteBatch& batch, Tally& t) {
  SessionQuota quota(svc, sessions_of(items), info.received);
  for (SeedEvent& e : items) {
    TimeMs ts;
    if (!settle(e.timestamp, e.index, info.received, ts, t)) continue;
    if (!quota.take(e.session, t)) continue;
    batch.analytics.push_back(analytics_record(std::move(e), ts, info));
  }
}

void build_metrics(IngestService& svc, std::vector<SeedMetric>& items, const RequestInfo& info,
                   storage::WriteBatch& batch, Tally& t) {
  const IngestOptions& o = svc.options();
  // The seed puts the session id among the tags.
  for (SeedMetric& m : items) {
    for (const auto& [k, v] : m.tags) {
      if (m.session.empty() && k == "sessionId") m.session = v;
    }
  }
  SessionQuota quota(svc, sessions_of(items), info.received);
  for (SeedMetric& m : items) {
    if (o.drop_self_timings && is_self_timing(m, svc.own_paths())) {
      ++t.self_timings;
      continue;
    }
    TimeMs ts;
    if (!settle(m.timestamp, m.index, info.received, ts, t)) continue;
    if (!quota.take(m.session, t)) continue;
    storage::VitalRecord vital;
    std::string reason;
    switch (seed_vital(m, ts, info, vital, reason)) {
      case VitalCheck::kOk:
        batch.vitals.push_back(std::move(vital));
        break;
      case VitalCheck::kRejected:
        t.rejected.push_back({m.index, std::move(reason)});
        break;
      case VitalCheck::kNotVital: {
        storage::MetricRecord summary = metric_summary(m, ts, info);
        if (svc.names().admit(summary.name, summary.tags)) ++svc.stats().folded_metric_names;
        batch.metrics.push_back(std::move(summary));
        break;
      }
    }
  }
}

void build_errors(IngestService& svc, std::vector<SeedError>& items, const RequestInfo& info,
                  storage::WriteBatch& batch, Tally& t) {
  SessionQuota quota(svc, sessions_of(items), info.received);
  for (SeedError& e : items) {
    TimeMs ts;
    if (!settle(e.timestamp, e.index, info.received, ts, t)) continue;
    if (!quota.take(e.session, t)) continue;
    batch.errors.push_back(seed_error_record(std::move(e), ts, info));
  }
}

void handle(IngestService& svc, Kind kind, Request& request, Responder& responder) {
  IngestStats& stats = svc.stats();
  ++stats.requests;
  const IngestOptions& o = svc.options();
  const std::string request_id(request.request_id);
  int retry = 0;
  if (!svc.address_limit().take(request.client_address, 1, steady_seconds(), retry)) {
    ++stats.rate_limited;
    responder.send(error_with_retry(429, "rate_limited",
                                    "too many requests from this address; retry later", request_id,
                                    retry));
    return;
  }
  const std::string media = media_type(request.header("Content-Type"));
  if (!media.empty() && media != "application/json" && media != "text/plain") {
    ++stats.rejected_requests;
    responder.send(error_response(
        415, "unsupported_media_type",
        "expected Content-Type application/json or text/plain, found \"" + media + "\"",
        request_id));
    return;
  }
  std::string decoded;
  int status = 0;
  std::string message;
  std::optional<std::string_view> body =
      decoded_body(request, o.seed.max_size, decoded, status, message);
  if (!body) {
    ++stats.rejected_requests;
    responder.send(
        error_response(status, status == 413 ? "body_too_large" : "bad_body", message, request_id));
    return;
  }
  const RequestInfo info = request_info(request);
  storage::WriteBatch batch;
  Tally tally;
  ParseResult parsed;
  if (kind == Kind::kEvents) {
    std::vector<SeedEvent> items;
    parsed = parse_seed_events(*body, o.seed, items);
    build_events(svc, items, info, batch, tally);
  } else if (kind == Kind::kMetrics) {
    std::vector<SeedMetric> items;
    parsed = parse_seed_metrics(*body, o.seed, items);
    build_metrics(svc, items, info, batch, tally);
  } else {
    std::vector<SeedError> items;
    parsed = parse_seed_errors(*body, o.seed, items);
    build_errors(svc, items, info, batch, tally);
  }
  if (parsed.status != 200) {
    ++stats.rejected_requests;
    responder.send(error_response(parsed.status,
                                  parsed.status == 413 ? "too_many_items" : "malformed_body",
                                  parsed.message, request_id));
    return;
  }
  tally.rejected.insert(tally.rejected.begin(), parsed.rejected.begin(), parsed.rejected.end());
  std::sort(tally.rejected.begin(), tally.rejected.end(),
            [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  stats.rejected_items += tally.rejected.size();
  stats.dropped_self_timings += tally.self_timings;
  // A request of nothing but the seed client's timings of its own reports (its feedback loop)
  // is dropped unstored: it must not use up the address's budget, or the loop would get the
  // tab's real reports refused with 429 within seconds.
  if (parsed.status == 200 && tally.self_timings > 0 && batch.size() == 0 &&
      tally.rejected.empty() && tally.session_cap == 0) {
    svc.address_limit().refund(request.client_address, 1);
  }
  stats.dropped_session_cap += tally.session_cap;

  if (batch.size() == 0) {
    if (!tally.rejected.empty()) {
      responder.send(json_response(
          400, answer_body(0, tally, request_id, "invalid_items",
                           "no item was accepted; see \"rejected\" for each item's reason")));
    } else if (tally.session_cap > 0) {
      Response r =
          json_response(429, answer_body(0, tally, request_id, "session_limit",
                                         "this session sent more items this minute than allowed"));
      r.add_header("Retry-After", std::to_string(SessionWindow::seconds_left(info.received)));
      responder.send(std::move(r));
    } else {
      responder.send(json_response(200, answer_body(0, tally, request_id)));
    }
    return;
  }
  if (std::optional<QuotaRefusal> refusal =
          svc.admit(storage::kSeedProject, batch, info.received)) {
    Response r = error_with_retry(429, "quota_exceeded", refusal->message, request_id,
                                  refusal->retry_after_s);
    // The Sentry SDK's header too: a client that knows it can tell which quota and for how long.
    r.add_header("X-Sentry-Rate-Limits", refusal->rate_limits);
    responder.send(std::move(r));
    return;
  }
  auto on_commit = [tally, request_id](const storage::WriteOutcome& outcome) {
    return json_response(200, answer_body(outcome.stored, tally, request_id));
  };
  auto on_failure = [request_id](int code, const std::string& text) {
    return error_with_retry(code, "storage_unavailable", text, request_id, 5);
  };
  switch (svc.submit(std::move(batch), responder, std::move(on_commit), std::move(on_failure),
                     storage::kSeedProject)) {
    case IngestService::Submitted::kQueued:
      return;
    case IngestService::Submitted::kFull:
      responder.send(error_with_retry(503, "queue_full",
                                      "the ingestion queue is full; retry after a moment",
                                      request_id, o.retry_after_s));
      return;
    case IngestService::Submitted::kStopped:
      responder.send(error_with_retry(503, "shutting_down", "edgewatch is shutting down",
                                      request_id, o.retry_after_s));
      return;
  }
}

}  // namespace

void register_seed_routes(std::shared_ptr<IngestService> svc, Router& router) {
  const IngestOptions& o = svc->options();
  RouteOptions options;
  options.max_body_size = o.max_body_size;
  const MethodSet post = method_bit(Method::kPost);
  const std::pair<const std::string*, Kind> routes[] = {{&o.analytics_path, Kind::kEvents},
                                                        {&o.metrics_path, Kind::kMetrics},
                                                        {&o.errors_path, Kind::kErrors}};
  for (const auto& [path, kind] : routes) {
    options.name = kind == Kind::kEvents    ? "ingest_events"
                   : kind == Kind::kMetrics ? "ingest_metrics"
                                            : "ingest_errors";
    router.exact(
        post, *path,
        [svc, kind = kind](Request& request, Responder& responder) {
          handle(*svc, kind, request, responder);
        },
        options);
  }
}

}  // namespace ew::ingest
