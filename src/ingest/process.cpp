#include "ingest/process.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "ingest/json_out.h"
#include "ingest/normalize.h"
#include "ingest/text.h"
#include "storage/storage.h"

namespace ew::ingest {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kDay = 86'400'000;

bool own_path(std::string_view path, std::span<const std::string> own_paths) {
  if (path.starts_with("/_edgewatch/")) return true;
  for (const std::string& p : own_paths) {
    if (path == p) return true;
  }
  return false;
}

std::string_view tag(const SeedMetric& m, std::string_view key) {
  for (const auto& [k, v] : m.tags) {
    if (k == key) return v;
  }
  return {};
}

void write_frames(JsonOut& out, const std::vector<Frame>& frames) {
  out.begin_array();
  for (const Frame& f : frames) {
    out.begin_object().key("function").value(f.function).key("filename").value(f.filename);
    out.key("module").value(f.module.empty() ? module_from_url(f.filename) : f.module);
    out.key("lineno").value(f.line).key("colno").value(f.column);
    out.key("in_app").value(frame_in_app(f)).end_object();
  }
  out.end_array();
}

}  // namespace

std::optional<TimeMs> settle_timestamp(std::optional<TimeMs> ts, TimeMs received,
                                       std::string& reason) {
  if (!ts) return received;
  const TimeMs delta = *ts - received;
  if (delta > 365 * kDay || delta < -365 * kDay) {
    reason = "timestamp: more than a year away from the server's clock";
    return std::nullopt;
  }
  if (delta > 5 * kMinute || delta < -30 * kDay) return received;
  return *ts;
}

bool check_vital_value(std::string_view metric, double value, std::string& reason) {
  if (!std::isfinite(value)) {
    reason = "value: expected a finite number";
    return false;
  }
  if (value < 0) {
    reason = "value: a web vital cannot be negative";
    return false;
  }
  const double max = metric == "CLS" ? 100.0 : 600'000.0;
  if (value > max) {
    reason = "value: " + std::string(metric) + " above " + (metric == "CLS" ? "100" : "600000 ms") +
             " is not a real measurement";
    return false;
  }
  return true;
}

storage::ClientInfo client_info(const RequestInfo& request, std::string_view release,
                                std::string_view environment, std::string_view page) {
  storage::ClientInfo c;
  c.release = std::string(release);
  c.environment = std::string(environment);
  c.page = page.empty() ? request.page : normalize_page_path(page);
  c.browser = request.ua.browser;
  c.os = request.ua.os;
  c.device = request.ua.device;
  return c;
}

storage::AnalyticsRecord analytics_record(SeedEvent&& e, TimeMs timestamp,
                                          const RequestInfo& request) {
  storage::AnalyticsRecord r;
  r.timestamp = timestamp;
  r.name = std::move(e.name);
  r.properties_json = std::move(e.properties_json);
  r.session = std::move(e.session);
  r.user = std::move(e.user);
  r.client = client_info(request, e.release, e.environment, e.page);
  return r;
}

bool is_self_timing(const SeedMetric& m, std::span<const std::string> own_paths) {
  static constexpr std::string_view kPrefix = "performance.resource.";
  std::string_view url = tag(m, "name");
  if (url.empty() && std::string_view(m.name).starts_with(kPrefix)) {
    url = std::string_view(m.name).substr(kPrefix.size());
  }
  const bool resource =
      tag(m, "entryType") == "resource" || std::string_view(m.name).starts_with(kPrefix);
  return resource && !url.empty() && own_path(split_url(url).path, own_paths);
}

std::string normalize_metric_name(std::string_view name) {
  const std::size_t sep = name.find("://");
  std::string out;
  if (sep != std::string_view::npos) {
    std::size_t start = sep;
    while (start > 0 && (std::isalnum(static_cast<unsigned char>(name[start - 1])) ||
                         name[start - 1] == '+' || name[start - 1] == '-')) {
      --start;
    }
    out = std::string(name.substr(0, start)) + normalize_resource_url(name.substr(start));
  } else {
    out = std::string(name);
  }
  return std::string(utf8_prefix(out, 200));
}

std::string summary_tags(std::span<const std::pair<std::string, std::string>> tags) {
  static constexpr std::string_view kDropped[] = {
      "sessionId", "userId",  "id",          "name", "rating",
      "version",   "release", "environment", "url",  "navigationType"};
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& [k, v] : tags) {
    if (std::find(std::begin(kDropped), std::end(kDropped), k) != std::end(kDropped)) continue;
    std::string value = v.find("://") != std::string::npos ? normalize_resource_url(v) : v;
    value = truncate_utf8(value, 64);
    std::string key = truncate_utf8(k, 32);
    for (std::string* s : {&key, &value}) {
      std::replace(s->begin(), s->end(), ',', '_');
      std::replace(s->begin(), s->end(), '=', '_');
    }
    kept.emplace_back(std::move(key), std::move(value));
  }
  std::sort(kept.begin(), kept.end());
  if (kept.size() > 8) kept.resize(8);
  std::string out;
  for (const auto& [k, v] : kept) {
    if (!out.empty()) out.push_back(',');
    out += k + "=" + v;
  }
  return out;
}

VitalCheck seed_vital(const SeedMetric& m, TimeMs timestamp, const RequestInfo& request,
                      storage::VitalRecord& out, std::string& reason) {
  static constexpr std::string_view kPrefix = "web_vitals.";
  if (!std::string_view(m.name).starts_with(kPrefix)) return VitalCheck::kNotVital;
  std::string metric = std::string(std::string_view(m.name).substr(kPrefix.size()));
  std::transform(metric.begin(), metric.end(), metric.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!storage::vital_thresholds(metric)) return VitalCheck::kNotVital;
  if (!check_vital_value(metric, m.value, reason)) return VitalCheck::kRejected;
  out.timestamp = timestamp;
  out.metric = std::move(metric);
  out.value = m.value;
  out.navigation = truncate_utf8(tag(m, "navigationType"), 32);
  out.session = m.session.empty() ? std::string(tag(m, "sessionId")) : m.session;
  std::string_view release = m.release.empty() ? tag(m, "version") : m.release;
  if (release.empty()) release = tag(m, "release");
  std::string_view environment = m.environment.empty() ? tag(m, "environment") : m.environment;
  std::string_view page = m.page.empty() ? tag(m, "page") : m.page;
  out.client =
      client_info(request, truncate_utf8(release, 200), truncate_utf8(environment, 200), page);
  return VitalCheck::kOk;
}

storage::MetricRecord metric_summary(const SeedMetric& m, TimeMs timestamp,
                                     const RequestInfo& request) {
  storage::MetricRecord r;
  r.timestamp = timestamp;
  r.name = normalize_metric_name(m.name);
  r.tags = summary_tags(m.tags);
  r.unit = m.unit;
  r.value = m.value;
  std::string_view release = m.release.empty() ? tag(m, "version") : m.release;
  if (release.empty()) release = tag(m, "release");
  r.release = truncate_utf8(release, 200);
  r.environment = truncate_utf8(m.environment.empty() ? tag(m, "environment") : m.environment, 200);
  (void)request;
  return r;
}

void apply_grouping(const Grouping& g, storage::ErrorRecord& r) {
  r.fingerprint = g.hash;
  r.title = g.title;
  r.culprit = g.culprit;
  r.type = g.type;
}

storage::ErrorRecord seed_error_record(SeedError&& e, TimeMs timestamp,
                                       const RequestInfo& request) {
  storage::ErrorRecord r;
  r.project = storage::kSeedProject;
  r.event_id = random_event_id();
  r.timestamp = timestamp;
  r.received = request.received;
  r.level = e.level.empty() ? "error" : e.level;
  r.session = std::move(e.session);
  r.user = std::move(e.user);
  r.client = client_info(request, e.release, e.environment, e.page);

  ParsedStack stack = parse_js_stack(e.stack);
  ExceptionInfo ex;
  ex.type = e.name;
  if (ex.type.empty() && !stack.header.empty()) {
    // V8 starts the stack with "TypeError: message"; the name is what precedes ": ".
    const std::size_t colon = stack.header.find(": ");
    ex.type = stack.header.substr(0, colon);
    if (ex.type.find(' ') != std::string::npos) ex.type.clear();
  }
  ex.value = e.message;
  if (ex.value.empty() && !stack.header.empty()) {
    const std::size_t colon = stack.header.find(": ");
    if (colon != std::string::npos) ex.value = stack.header.substr(colon + 2);
  }
  ex.frames = stack.frames;

  GroupingInput input;
  bool generated = false;
  if (!e.fingerprint.empty()) {
    generated =
        is_seed_generated_fingerprint(e.fingerprint, ex.type, e.message, stack_line(e.stack, 1));
    if (!generated) input.fingerprint.push_back(e.fingerprint);
    // Stacks without V8's header line do not name the error; the fingerprint does.
    if (generated && ex.type.empty()) ex.type = seed_fingerprint_name(e.fingerprint);
  }
  input.exceptions.push_back(std::move(ex));
  Grouping g = group_error(input);
  apply_grouping(g, r);
  r.message = e.message;

  JsonOut d;
  d.begin_object().key("source").value("seed");
  d.key("exception").begin_array().begin_object();
  d.key("type").value(g.type).key("value").value(e.message).key("frames");
  write_frames(d, input.exceptions.back().frames);
  d.end_object().end_array();
  // The raw stack only when it could not be parsed into frames: the frames hold the same.
  if (input.exceptions.back().frames.empty() && !e.stack.empty()) d.key("stack").value(e.stack);
  if (!e.context_json.empty()) d.key("context").raw(e.context_json);
  d.key("fingerprint").begin_object().key("sent").value(e.fingerprint);
  d.key("generated_by_client").value(generated).end_object();
  d.key("grouping").begin_object().key("kind").value(g.kind).key("components").begin_array();
  for (const std::string& c : g.components) d.value(c);
  d.end_array().end_object().end_object();
  r.detail_json = d.take();
  return r;
}

}  // namespace ew::ingest
