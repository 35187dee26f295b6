// Sentry events and transactions as storage records.
#include <cctype>

#include "ingest/normalize.h"
#include "ingest/process.h"
#include "ingest/sentry.h"
#include "ingest/text.h"
#include "storage/storage.h"

namespace ew::ingest {
namespace {

std::string page_of(std::string_view url, std::string_view transaction) {
  if (!url.empty()) return normalize_page_path(url);
  if (transaction.starts_with("/")) return normalize_page_path(transaction);
  return {};
}

RequestInfo with_user_agent(const RequestInfo& request, std::string_view user_agent) {
  RequestInfo info = request;
  if (!user_agent.empty()) info.ua = parse_user_agent(user_agent);
  return info;
}

}  // namespace

storage::ErrorRecord sentry_error_record(SentryEvent&& ev, std::int64_t project,
                                         std::string_view header_event_id, TimeMs timestamp,
                                         const RequestInfo& request) {
  storage::ErrorRecord r;
  r.project = project;
  r.event_id = !header_event_id.empty() ? std::string(header_event_id)
               : !ev.event_id.empty()   ? ev.event_id
                                        : random_event_id();
  r.timestamp = timestamp;
  r.received = request.received;
  r.level = ev.level;
  r.session = std::move(ev.session);
  r.user = std::move(ev.user);
  const RequestInfo info = with_user_agent(request, ev.user_agent);
  r.client = client_info(info, ev.release, ev.environment, {});
  const std::string page = page_of(ev.url, ev.transaction);
  if (!page.empty()) r.client.page = page;

  GroupingInput& input = ev.grouping;
  if (input.fingerprint.size() == 1 && !input.exceptions.empty()) {
    const ExceptionInfo& last = input.exceptions.back();
    if (is_seed_generated_fingerprint(input.fingerprint[0], last.type, last.value, std::nullopt)) {
      input.fingerprint.clear();
    }
  }
  Grouping g = group_error(input);
  apply_grouping(g, r);
  r.message = !ev.message.empty()         ? ev.message
              : !input.exceptions.empty() ? input.exceptions.back().value
                                          : std::string();
  // Append the grouping to the details: {"...":...} -> {"...":...,"grouping":{...}}.
  std::string grouping = ",\"grouping\":{\"kind\":\"" + g.kind + "\",\"components\":[";
  for (std::size_t i = 0; i < g.components.size(); ++i) {
    if (i) grouping.push_back(',');
    std::string quoted;
    for (char c : g.components[i]) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) continue;
      quoted.push_back(c);
    }
    grouping += "\"" + quoted + "\"";
  }
  grouping += "]}}";
  r.detail_json = std::move(ev.detail_json);
  if (!r.detail_json.empty() && r.detail_json.back() == '}') {
    r.detail_json.pop_back();
    r.detail_json += grouping;
  }
  return r;
}

void sentry_vitals(const SentryPerformance& perf, TimeMs timestamp, const RequestInfo& request,
                   std::vector<storage::VitalRecord>& out, std::size_t& rejected) {
  const RequestInfo info = with_user_agent(request, perf.user_agent);
  for (const SentryMeasurement& m : perf.measurements) {
    std::string metric;
    for (char c : m.name)
      metric.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (!storage::vital_thresholds(metric)) continue;
    double value = m.value;
    if (m.unit == "second") value *= 1000.0;
    std::string reason;
    if (!check_vital_value(metric, value, reason)) {
      ++rejected;
      continue;
    }
    storage::VitalRecord v;
    v.timestamp = timestamp;
    v.metric = std::move(metric);
    v.value = value;
    v.client = client_info(info, perf.release, perf.environment, {});
    const std::string page = page_of(perf.url, perf.transaction);
    if (!page.empty()) v.client.page = page;
    out.push_back(std::move(v));
  }
}

}  // namespace ew::ingest
