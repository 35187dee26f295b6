// simdjson side of the Sentry protocol: envelope headers, events, transactions and spans.
#include "core/http.h"
#include "ingest/json_in.h"
#include "ingest/json_out.h"
#include "ingest/sentry.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

using json::Got;

std::string text_of(const json::object& obj, std::string_view key, std::size_t max = 200) {
  std::string_view v;
  if (json::get_string(obj, key, v) != Got::kOk) return {};
  return truncate_utf8(v, max);
}

json::Limits item_limits(const SentryLimits& limits) {
  return {limits.max_event_size, limits.max_depth};
}

// Sentry allows "values" wrappers around lists: {"values":[...]} or [...].
std::optional<json::array> list_of(const json::object& obj, std::string_view key) {
  auto e = json::get(obj, key);
  if (!e) return std::nullopt;
  if (e->is_array()) return e->get_array().value_unsafe();
  if (e->is_object()) {
    json::array values;
    if (json::get_array(e->get_object().value_unsafe(), "values", values) == Got::kOk) {
      return values;
    }
  }
  return std::nullopt;
}

// Header lookup in an object of headers or a list of [name, value] pairs.
std::string header_of(const json::element& headers, std::string_view name) {
  if (headers.is_object()) {
    const json::object fields = headers.get_object().value_unsafe();
    for (auto field : fields) {
      if (ew::iequals(field.key, name) && field.value.is_string()) {
        return truncate_utf8(field.value.get_string().value_unsafe(), 1024);
      }
    }
  } else if (headers.is_array()) {
    const json::array pairs = headers.get_array().value_unsafe();
    for (json::element pair : pairs) {
      if (!pair.is_array()) continue;
      json::array p = pair.get_array().value_unsafe();
      if (p.size() != 2) continue;
      json::element k = p.at(0).value_unsafe();
      json::element v = p.at(1).value_unsafe();
      if (k.is_string() && v.is_string() && ew::iequals(k.get_string().value_unsafe(), name)) {
        return truncate_utf8(v.get_string().value_unsafe(), 1024);
      }
    }
  }
  return {};
}

void read_request(const json::object& event, std::string& url, std::string& user_agent) {
  json::object request;
  if (json::get_object(event, "request", request) != Got::kOk) return;
  url = text_of(request, "url", 2048);
  if (auto headers = json::get(request, "headers")) user_agent = header_of(*headers, "User-Agent");
}

Frame read_frame(const json::object& f) {
  Frame frame;
  frame.function = text_of(f, "function");
  frame.filename = text_of(f, "abs_path", 2048);
  if (frame.filename.empty()) frame.filename = text_of(f, "filename", 2048);
  frame.module = text_of(f, "module");
  double n;
  if (json::get_number(f, "lineno", n) == Got::kOk && n >= 0 && n < 1e9) {
    frame.line = static_cast<int>(n);
  }
  if (json::get_number(f, "colno", n) == Got::kOk && n >= 0 && n < 1e9) {
    frame.column = static_cast<int>(n);
  }
  bool in_app;
  if (json::get_bool(f, "in_app", in_app) == Got::kOk) frame.in_app = in_app;
  return frame;
}

ExceptionInfo read_exception(const json::object& ex, const SentryLimits& limits) {
  ExceptionInfo info;
  info.type = text_of(ex, "type");
  info.value = text_of(ex, "value", limits.max_message);
  json::object mechanism;
  if (json::get_object(ex, "mechanism", mechanism) == Got::kOk) {
    bool synthetic = false;
    if (json::get_bool(mechanism, "synthetic", synthetic) == Got::kOk) info.synthetic = synthetic;
  }
  json::object stacktrace;
  json::array frames;
  if (json::get_object(ex, "stacktrace", stacktrace) == Got::kOk &&
      json::get_array(stacktrace, "frames", frames) == Got::kOk) {
    const std::size_t n = frames.size();
    std::size_t i = 0;
    for (json::element f : frames) {
      // Keep the newest max_frames: the last frames are where the error was thrown.
      if (n - i++ > limits.max_frames || !f.is_object()) continue;
      info.frames.push_back(read_frame(f.get_object().value_unsafe()));
    }
  }
  return info;
}

std::string read_message(const json::object& event, const SentryLimits& limits) {
  for (const char* key : {"message", "logentry"}) {
    auto e = json::get(event, key);
    if (!e) continue;
    if (e->is_string()) return truncate_utf8(e->get_string().value_unsafe(), limits.max_message);
    if (e->is_object()) {
      json::object m = e->get_object().value_unsafe();
      std::string text = text_of(m, "formatted", limits.max_message);
      if (text.empty()) text = text_of(m, "message", limits.max_message);
      if (!text.empty()) return text;
    }
  }
  return {};
}

// A session id the app attached: the seed's beforeSend puts it in extra.sessionId, its
// reportError in user.sessionId.
std::string read_session(const json::object& event) {
  for (const char* holder : {"extra", "user", "tags"}) {
    json::object o;
    if (json::get_object(event, holder, o) != Got::kOk) continue;
    auto e = json::get(o, "sessionId");
    if (e && (e->is_string() || json::is_number(*e)))
      return truncate_utf8(*json::scalar_text(*e), 128);
  }
  return {};
}

std::string read_user(const json::object& event) {
  json::object user;
  if (json::get_object(event, "user", user) != Got::kOk) return {};
  for (const char* key : {"id", "username", "email"}) {
    auto e = json::get(user, key);
    if (e && (e->is_string() || json::is_number(*e)))
      return truncate_utf8(*json::scalar_text(*e), 128);
  }
  return {};
}

void write_capped(JsonOut& out, const json::object& event, std::string_view key, std::size_t max) {
  auto e = json::get(event, key);
  if (!e) return;
  if (e->is_object()) {
    out.key(key).raw(json::capped_object(e->get_object().value_unsafe(), max));
  } else if (e->is_array()) {
    std::string text = json::minify(*e);
    if (text.size() <= max) out.key(key).raw(text);
  }
}

std::string build_detail(const json::object& event, const SentryEvent& ev,
                         const SentryLimits& limits) {
  JsonOut d;
  d.begin_object().key("source").value("sentry");
  d.key("exception").begin_array();
  for (const ExceptionInfo& ex : ev.grouping.exceptions) {
    d.begin_object().key("type").value(ex.type).key("value").value(ex.value);
    d.key("frames").begin_array();
    for (const Frame& f : ex.frames) {
      d.begin_object().key("function").value(f.function).key("filename").value(f.filename);
      d.key("module").value(f.module.empty() ? module_from_url(f.filename) : f.module);
      d.key("lineno").value(f.line).key("colno").value(f.column);
      d.key("in_app").value(frame_in_app(f)).end_object();
    }
    d.end_array().end_object();
  }
  d.end_array();
  if (!ev.message.empty()) d.key("message").value(ev.message);
  if (auto crumbs = list_of(event, "breadcrumbs")) {
    d.key("breadcrumbs").begin_array();
    const std::size_t n = crumbs->size();
    std::size_t i = 0;
    for (json::element c : *crumbs) {
      if (n - i++ > limits.max_breadcrumbs || !c.is_object()) continue;
      std::string text = json::minify(c);
      if (text.size() <= 2048) d.raw(text);
    }
    d.end_array();
  }
  write_capped(d, event, "tags", limits.max_context);
  write_capped(d, event, "contexts", limits.max_context);
  write_capped(d, event, "extra", limits.max_extra);
  json::object sdk;
  if (json::get_object(event, "sdk", sdk) == Got::kOk) {
    d.key("sdk").begin_object().key("name").value(text_of(sdk, "name"));
    d.key("version").value(text_of(sdk, "version")).end_object();
  }
  if (!ev.url.empty()) d.key("url").value(ev.url);
  if (!ev.grouping.fingerprint.empty()) {
    d.key("fingerprint").begin_array();
    for (const std::string& f : ev.grouping.fingerprint) d.value(f);
    d.end_array();
  }
  d.end_object();
  return d.take();
}

// An item header's "length": absent or null means "to the next newline"; anything but a
// non-negative integer is a problem (a float or a string once read as a rounded or absent length,
// a negative one as none at all, and the payload boundary then came from a guess).
void item_length(const json::object& header, ItemLength& info) {
  std::optional<json::element> e = json::get(header, "length");
  if (!e || e->is_null()) return;
  static_assert(sizeof(std::size_t) == sizeof(std::uint64_t), "any uint64 fits a size_t");
  if (e->is_uint64()) {
    // 2^64-1 included: split_envelope finds that it points beyond the envelope.
    info.length = static_cast<std::size_t>(e->get_uint64().value_unsafe());
  } else if (e->is_int64()) {
    const std::int64_t n = e->get_int64().value_unsafe();
    if (n < 0) {
      info.problem = "is negative (" + std::to_string(n) + ")";
    } else {
      info.length = static_cast<std::size_t>(n);
    }
  } else if (e->is_double()) {
    info.problem = "is not an integer (" + json::minify(*e) + ")";
  } else if (e->is_string()) {
    info.problem = "is a string, expected a non-negative integer";
  } else {
    info.problem = "is not a number, expected a non-negative integer";
  }
}

}  // namespace

bool parse_envelope(std::string_view body, const SentryLimits& limits, EnvelopeFrames& frames,
                    EnvelopeHeader& header, std::string& error) {
  auto read_length = [&](std::string_view line) {
    ItemLength info;
    json::element e;
    std::string ignored;
    if (!json::parse(line, {64 * 1024, 8}, e, ignored) || !e.is_object()) {
      info.valid = false;
      return info;
    }
    item_length(e.get_object().value_unsafe(), info);
    return info;
  };
  if (!split_envelope(body, read_length, limits.max_items, frames, error)) return false;
  json::element e;
  std::string why;
  if (!json::parse(frames.header, {64 * 1024, 16}, e, why)) {
    error = "invalid envelope header: " + why;
    return false;
  }
  if (!e.is_object()) {
    error = "invalid envelope header: expected a JSON object";
    return false;
  }
  json::object h = e.get_object().value_unsafe();
  std::string_view id;
  if (json::get_string(h, "event_id", id) == Got::kOk) {
    std::optional<std::string> norm = normalize_event_id(id);
    if (!norm) {
      error = "invalid envelope header: event_id must be 32 hex digits";
      return false;
    }
    header.event_id = *norm;
  }
  header.dsn = text_of(h, "dsn", 1024);
  json::object trace;
  if (json::get_object(h, "trace", trace) == Got::kOk) {
    header.release = text_of(trace, "release");
    header.environment = text_of(trace, "environment");
    header.transaction = text_of(trace, "transaction", 1024);
  }
  return true;
}

std::string item_type(std::string_view item_header) {
  json::element e;
  std::string ignored;
  if (!json::parse(item_header, {64 * 1024, 8}, e, ignored) || !e.is_object()) return {};
  return text_of(e.get_object().value_unsafe(), "type", 64);
}

bool parse_sentry_event(std::string_view payload, const SentryLimits& limits, SentryEvent& out,
                        std::string& error) {
  json::element e;
  if (!json::parse(payload, item_limits(limits), e, error)) return false;
  if (!e.is_object()) {
    error = "an event must be a JSON object";
    return false;
  }
  json::object event = e.get_object().value_unsafe();
  std::string_view id;
  if (json::get_string(event, "event_id", id) == Got::kOk) {
    if (auto norm = normalize_event_id(id)) out.event_id = *norm;
  }
  if (auto ts = json::get(event, "timestamp"); ts && !ts->is_null()) {
    out.timestamp = json::timestamp_of(*ts);
    if (!out.timestamp) {
      error = "timestamp: expected RFC 3339 or seconds since the epoch";
      return false;
    }
  }
  std::string level = text_of(event, "level", 16);
  if (level == "fatal" || level == "error" || level == "warning" || level == "info" ||
      level == "debug") {
    out.level = level;
  }
  out.release = text_of(event, "release");
  out.environment = text_of(event, "environment");
  out.transaction = text_of(event, "transaction", 1024);
  out.user = read_user(event);
  out.session = read_session(event);
  read_request(event, out.url, out.user_agent);
  out.message = read_message(event, limits);
  if (auto values = list_of(event, "exception")) {
    for (json::element ex : *values) {
      if (!ex.is_object()) continue;
      ExceptionInfo info = read_exception(ex.get_object().value_unsafe(), limits);
      if (info.type.empty() && info.value.empty()) continue;  // neither: dropped, as Sentry does
      out.grouping.exceptions.push_back(std::move(info));
    }
  }
  json::array fingerprint;
  if (json::get_array(event, "fingerprint", fingerprint) == Got::kOk) {
    for (json::element f : fingerprint) {
      if (auto text = json::scalar_text(f)) {
        if (out.grouping.fingerprint.size() < 16) {
          out.grouping.fingerprint.push_back(truncate_utf8(*text, 200));
        }
      }
    }
  }
  out.grouping.message = out.message;
  out.grouping.transaction = out.transaction;
  out.detail_json = build_detail(event, out, limits);
  return true;
}

namespace {

void read_performance(const json::object& t, SentryPerformance& out) {
  if (auto ts = json::get(t, "timestamp"); ts && !ts->is_null())
    out.timestamp = json::timestamp_of(*ts);
  out.release = text_of(t, "release");
  out.environment = text_of(t, "environment");
  out.transaction = text_of(t, "transaction", 1024);
  read_request(t, out.url, out.user_agent);
  json::object measurements;
  if (json::get_object(t, "measurements", measurements) != Got::kOk) return;
  for (auto field : measurements) {
    if (!field.value.is_object()) continue;
    json::object m = field.value.get_object().value_unsafe();
    SentryMeasurement sm;
    sm.name = truncate_utf8(field.key, 64);
    if (json::get_number(m, "value", sm.value) != Got::kOk) continue;
    sm.unit = text_of(m, "unit", 32);
    out.measurements.push_back(std::move(sm));
  }
}

// Span v2 attributes are {"name": {"value": ..., "type": "string" | "double" | ...}}.
std::string attribute_text(const json::object& attributes, std::string_view key,
                           std::size_t max = 200) {
  json::object a;
  if (json::get_object(attributes, key, a) != Got::kOk) return {};
  return text_of(a, "value", max);
}

// The web vitals of one v2 span: attributes browser.web_vital.<name>.value, in milliseconds
// (CLS unitless). Other browser.web_vital.<name>.<detail> attributes are descriptions, not values.
void read_span_v2(const json::object& span, SentryPerformance& out) {
  constexpr std::string_view kPrefix = "browser.web_vital.";
  constexpr std::string_view kSuffix = ".value";
  json::object attributes;
  if (json::get_object(span, "attributes", attributes) != Got::kOk) return;
  for (auto field : attributes) {
    std::string_view key = field.key;
    if (!key.starts_with(kPrefix) || !key.ends_with(kSuffix) || !field.value.is_object()) continue;
    std::string_view name =
        key.substr(kPrefix.size(), key.size() - kPrefix.size() - kSuffix.size());
    if (name.empty() || name.find('.') != std::string_view::npos) continue;
    SentryMeasurement m;
    if (json::get_number(field.value.get_object().value_unsafe(), "value", m.value) != Got::kOk) {
      continue;
    }
    m.name = truncate_utf8(name, 64);
    out.measurements.push_back(std::move(m));
  }
  if (out.measurements.empty()) return;
  out.release = attribute_text(attributes, "sentry.release");
  out.environment = attribute_text(attributes, "sentry.environment");
  out.transaction = attribute_text(attributes, "sentry.segment.name", 1024);
  out.url = attribute_text(attributes, "url.full", 2048);
  out.user_agent = attribute_text(attributes, "user_agent.original", 1024);
  if (auto ts = json::get(span, "end_timestamp"); ts && !ts->is_null()) {
    out.timestamp = json::timestamp_of(*ts);
  }
}

// {"version":2,"items":[span, ...]}: the records of the spans that carry web vitals. A child span
// (the LCP span) has no URL of its own and takes its parent's (the page-load segment's).
void read_span_container(const json::array& spans, std::vector<SentryPerformance>& out) {
  std::vector<std::pair<std::string_view, std::string>> urls;  // span_id -> url.full
  std::vector<std::string_view> parents;
  for (json::element e : spans) {
    if (!e.is_object()) continue;
    json::object span = e.get_object().value_unsafe();
    SentryPerformance p;
    read_span_v2(span, p);
    std::string_view id;
    if (!p.url.empty() && json::get_string(span, "span_id", id) == Got::kOk) {
      urls.emplace_back(id, p.url);
    }
    if (p.measurements.empty()) continue;
    std::string_view parent;
    json::get_string(span, "parent_span_id", parent);
    parents.push_back(parent);
    out.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!out[i].url.empty() || parents[i].empty()) continue;
    for (const auto& [id, url] : urls) {
      if (id == parents[i]) out[i].url = url;
    }
  }
}

}  // namespace

bool parse_sentry_performance(std::string_view payload, const SentryLimits& limits,
                              SentryPerformance& out, std::string& error) {
  json::element e;
  if (!json::parse(payload, item_limits(limits), e, error)) return false;
  if (!e.is_object()) {
    error = "a transaction must be a JSON object";
    return false;
  }
  read_performance(e.get_object().value_unsafe(), out);
  return true;
}

bool parse_sentry_spans(std::string_view payload, const SentryLimits& limits,
                        std::vector<SentryPerformance>& out, std::string& error) {
  json::element e;
  if (!json::parse(payload, item_limits(limits), e, error)) return false;
  if (!e.is_object()) {
    error = "a span item must be a JSON object";
    return false;
  }
  json::object span = e.get_object().value_unsafe();
  json::array items;
  if (json::get_array(span, "items", items) == Got::kOk) {
    read_span_container(items, out);
    return true;
  }
  SentryPerformance p;
  read_performance(span, p);
  if (!p.measurements.empty()) out.push_back(std::move(p));
  return true;
}

}  // namespace ew::ingest
