// POST /_edgewatch/sentry/api/{project}/envelope/ and /store/, answered as Sentry answers:
// 200 {"id":...}, 400/403/413 {"detail":...}, 429 with Retry-After and X-Sentry-Rate-Limits,
// CORS on every answer (the browser SDK posts cross-origin) and OPTIONS preflights.
#include "ingest/body.h"
#include "ingest/http_util.h"
#include "ingest/json_out.h"
#include "ingest/routes.h"
#include "ingest/sentry.h"
#include "ingest/service.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

void add_cors(Response& r) {
  r.add_header("Access-Control-Allow-Origin", "*");
  r.add_header("Access-Control-Expose-Headers",
               "x-sentry-error, x-sentry-rate-limits, retry-after");
}

Response sentry_answer(int status, std::string body) {
  Response r = json_response(status, std::move(body));
  add_cors(r);
  return r;
}

Response detail(int status, std::string_view text) {
  JsonOut o;
  o.begin_object().key("detail").value(text).end_object();
  Response r = sentry_answer(status, o.take());
  if (status >= 400) r.add_header("X-Sentry-Error", std::string(utf8_prefix(text, 200)));
  return r;
}

Response rate_limited(int retry_after_s, std::string_view reason) {
  Response r = detail(429, "rate limited: " + std::string(reason));
  r.add_header("Retry-After", std::to_string(retry_after_s));
  r.add_header("X-Sentry-Rate-Limits",
               std::to_string(retry_after_s) + "::key:" + std::string(reason));
  return r;
}

// A project quota: the SDK reads X-Sentry-Rate-Limits (its categories and seconds) and drops
// what it would send into the limit until then, instead of retrying at once.
Response over_quota(const QuotaRefusal& refusal) {
  Response r = detail(429, "rate limited: " + refusal.message);
  r.add_header("Retry-After", std::to_string(refusal.retry_after_s));
  r.add_header("X-Sentry-Rate-Limits", refusal.rate_limits);
  return r;
}

Response id_answer(std::string_view event_id) {
  JsonOut o;
  o.begin_object();
  if (!event_id.empty()) o.key("id").value(event_id);
  o.end_object();
  return sentry_answer(200, o.take());
}

const SentryProject* find_project(const IngestOptions& o, std::string_view id_text) {
  for (const SentryProject& p : o.projects) {
    if (std::to_string(p.id) == id_text) return &p;
  }
  return nullptr;
}

// Every auth source present must name the project's key; at least one must be present.
bool authorized(const Request& request, const SentryProject& project, const std::string& dsn,
                std::string& why) {
  std::vector<std::string> keys;
  if (std::string k = sentry_key_from_query(request.query); !k.empty()) keys.push_back(k);
  for (std::string_view h : {"X-Sentry-Auth", "Authorization"}) {
    const std::string_view value = request.header(h);
    if (starts_with_ci(trim_space(value), "Sentry ")) {
      if (std::string k = sentry_key_from_auth_header(value); !k.empty()) keys.push_back(k);
    }
  }
  if (!dsn.empty()) {
    std::optional<DsnParts> parts = parse_dsn(dsn);
    if (!parts || parts->project_id != std::to_string(project.id)) {
      why = "the envelope's dsn does not name this project";
      return false;
    }
    keys.push_back(parts->public_key);
  }
  if (keys.empty()) {
    why = "missing sentry_key (query string, X-Sentry-Auth or envelope dsn)";
    return false;
  }
  for (const std::string& k : keys) {
    if (k != project.public_key) {
      why = "invalid sentry_key for project " + std::to_string(project.id);
      return false;
    }
  }
  return true;
}

// Legacy /store/ bodies may be base64(zlib(json)) without a Content-Encoding.
bool unwrap_store_body(std::string_view body, std::size_t max, std::string& out,
                       std::string& error) {
  std::string_view t = trim_space(body);
  if (t.empty() || t.front() == '{') {
    out = std::string(body);
    return true;
  }
  std::optional<std::string> raw = base64_decode(t);
  if (!raw) {
    error = "the body is neither JSON nor base64";
    return false;
  }
  if (inflate_capped(*raw, max, out, error) != DecodeStatus::kOk) {
    error = "base64 body: " + error;
    return false;
  }
  return true;
}

void handle(IngestService& svc, bool store_endpoint, Request& request, Responder& responder) {
  IngestStats& stats = svc.stats();
  ++stats.requests;
  const IngestOptions& o = svc.options();
  const SentryProject* project = find_project(o, request.param("project"));
  if (!project) {
    ++stats.rejected_requests;
    responder.send(detail(403, "unknown project"));
    return;
  }
  const std::string media = media_type(request.header("Content-Type"));
  static const std::string_view kMedia[] = {"",
                                            "application/x-sentry-envelope",
                                            "text/plain",
                                            "application/json",
                                            "application/octet-stream",
                                            "multipart/form-data",
                                            "application/x-www-form-urlencoded"};
  if (std::find(std::begin(kMedia), std::end(kMedia), media) == std::end(kMedia)) {
    ++stats.rejected_requests;
    responder.send(detail(415, "unsupported Content-Type \"" + media + "\""));
    return;
  }
  std::string decoded;
  int status = 0;
  std::string message;
  std::optional<std::string_view> body =
      decoded_body(request, o.sentry_max_decompressed_size, decoded, status, message);
  if (!body) {
    ++stats.rejected_requests;
    responder.send(detail(status, message));
    return;
  }
  if (trim_space(*body).empty()) {
    ++stats.rejected_requests;
    responder.send(detail(400, "empty body"));
    return;
  }
  EnvelopeFrames frames;
  EnvelopeHeader header;
  std::string unwrapped;
  if (store_endpoint) {
    if (!unwrap_store_body(*body, o.sentry_max_decompressed_size, unwrapped, message)) {
      ++stats.rejected_requests;
      responder.send(detail(400, message));
      return;
    }
    frames.items.push_back({"{\"type\":\"event\"}", unwrapped});
  } else if (!parse_envelope(*body, o.sentry, frames, header, message)) {
    ++stats.rejected_requests;
    responder.send(detail(400, "invalid envelope: " + message));
    return;
  }
  std::string why;
  if (!authorized(request, *project, header.dsn, why)) {
    ++stats.rejected_requests;
    responder.send(detail(403, why));
    return;
  }
  int retry = 0;
  if (!svc.key_limit().take(project->public_key, 1, steady_seconds(), retry) ||
      !svc.address_limit().take(request.client_address, 1, steady_seconds(), retry)) {
    ++stats.rate_limited;
    responder.send(rate_limited(retry, "edgewatch_rate_limit"));
    return;
  }

  const RequestInfo info = request_info(request);
  storage::WriteBatch batch;
  std::string event_id = header.event_id;
  std::size_t rejected = 0;
  for (const EnvelopeItem& item : frames.items) {
    const std::string type = store_endpoint ? "event" : item_type(item.header);
    stats.count_sentry_item(type.empty() ? "untyped" : type);
    if (type != "event" && type != "transaction" && type != "span") continue;
    if (item.payload.size() > o.sentry.max_event_size) {
      ++stats.rejected_requests;
      responder.send(detail(413, type + " item of " + std::to_string(item.payload.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(o.sentry.max_event_size)));
      return;
    }
    if (type == "event") {
      SentryEvent ev;
      if (!parse_sentry_event(item.payload, o.sentry, ev, message)) {
        ++stats.rejected_requests;
        responder.send(detail(400, "invalid event: " + message));
        return;
      }
      std::optional<TimeMs> ts = settle_timestamp(ev.timestamp, info.received, message);
      if (!ts) {
        ++rejected;
        continue;
      }
      storage::ErrorRecord record =
          sentry_error_record(std::move(ev), project->id, header.event_id, *ts, info);
      event_id = record.event_id;
      batch.errors.push_back(std::move(record));
    } else {
      // Transactions and spans: only their web-vital measurements are kept; a span item that
      // cannot be read is counted, never an error.
      std::vector<SentryPerformance> records;
      bool ok = false;
      if (type == "transaction") {
        ok = parse_sentry_performance(item.payload, o.sentry, records.emplace_back(), message);
      } else {
        ok = parse_sentry_spans(item.payload, o.sentry, records, message);
      }
      if (!ok) {
        if (type == "transaction") {
          ++stats.rejected_requests;
          responder.send(detail(400, "invalid transaction: " + message));
          return;
        }
        ++rejected;
        continue;
      }
      for (SentryPerformance& perf : records) {
        if (perf.release.empty()) perf.release = header.release;
        if (perf.environment.empty()) perf.environment = header.environment;
        if (perf.transaction.empty()) perf.transaction = header.transaction;
        std::optional<TimeMs> ts = settle_timestamp(perf.timestamp, info.received, message);
        if (!ts) {
          ++rejected;
          continue;
        }
        sentry_vitals(perf, *ts, info, batch.vitals, rejected);
      }
    }
  }
  stats.rejected_items += rejected;
  if (batch.size() == 0) {
    responder.send(id_answer(event_id));
    return;
  }
  if (std::optional<QuotaRefusal> refusal = svc.admit(project->id, batch, info.received)) {
    responder.send(over_quota(*refusal));
    return;
  }
  auto on_commit = [event_id](const storage::WriteOutcome&) { return id_answer(event_id); };
  auto on_failure = [](int code, const std::string& text) {
    Response r = detail(code, text);
    r.add_header("Retry-After", "5");
    return r;
  };
  switch (svc.submit(std::move(batch), responder, std::move(on_commit), std::move(on_failure),
                     project->id)) {
    case IngestService::Submitted::kQueued:
      return;
    case IngestService::Submitted::kFull:
      responder.send(rate_limited(o.retry_after_s, "edgewatch_queue_full"));
      return;
    case IngestService::Submitted::kStopped: {
      Response r = detail(503, "edgewatch is shutting down");
      r.add_header("Retry-After", std::to_string(o.retry_after_s));
      responder.send(std::move(r));
      return;
    }
  }
}

void preflight(Request&, Responder& responder) {
  Response r(200);
  add_cors(r);
  r.add_header("Access-Control-Allow-Methods", "POST, OPTIONS");
  r.add_header("Access-Control-Allow-Headers",
               "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, "
               "content-type, authentication, authorization, content-encoding, "
               "transfer-encoding, baggage, sentry-trace");
  r.add_header("Access-Control-Max-Age", "3600");
  responder.send(std::move(r));
}

}  // namespace

void register_sentry_routes(std::shared_ptr<IngestService> svc, Router& router) {
  const IngestOptions& o = svc->options();
  RouteOptions options;
  options.max_body_size = o.sentry_max_body_size;
  options.name = "sentry_ingest";
  for (bool store : {false, true}) {
    const std::string path =
        std::string("/_edgewatch/sentry/api/{project}/") + (store ? "store/" : "envelope/");
    router.pattern(
        method_bit(Method::kPost), path,
        [svc, store](Request& request, Responder& responder) {
          handle(*svc, store, request, responder);
        },
        options);
    router.pattern(method_bit(Method::kOptions), path, preflight, options);
  }
}

}  // namespace ew::ingest
