// simdjson side of the seed payloads: shape and type checks, per item.
#include <cmath>

#include "ingest/json_in.h"
#include "ingest/seed.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

using json::Got;

std::string_view type_name(const json::element& e) {
  switch (e.type()) {
    case json::element_type::ARRAY:
      return "an array";
    case json::element_type::OBJECT:
      return "an object";
    case json::element_type::STRING:
      return "a string";
    case json::element_type::BOOL:
      return "a boolean";
    case json::element_type::NULL_VALUE:
      return "null";
    default:
      return "a number";
  }
}

// Whether a text field also takes a number, printed as text: identifiers and releases are
// sometimes numeric (userId 42, release 3). A message, a stack or a name is not: {"stack":5}
// is a client's mistake to report, not an issue titled "5".
enum class Numbers { kRefused, kAsText };

// Reads an optional text field; a value of another type is a wrong type naming the field.
// Over-long values are cut at max bytes.
bool read_text(const json::object& obj, std::string_view key, std::size_t max, std::string& out,
               std::string& reason, Numbers numbers = Numbers::kRefused) {
  auto e = json::get(obj, key);
  if (!e || e->is_null()) return true;
  if (e->is_string() || (numbers == Numbers::kAsText && json::is_number(*e))) {
    std::optional<std::string> text = json::scalar_text(*e);
    out = truncate_utf8(*text, max);
    return true;
  }
  reason = std::string(key) + ": expected a string, found " + std::string(type_name(*e));
  return false;
}

bool read_common(const json::object& obj, const SeedLimits& limits, SeedCommon& item,
                 std::string& reason) {
  if (auto ts = json::get(obj, "timestamp"); ts && !ts->is_null()) {
    item.timestamp = json::timestamp_of(*ts);
    if (!item.timestamp) {
      reason = "timestamp: expected an ISO 8601 date-time or milliseconds since the epoch";
      return false;
    }
  }
  return read_text(obj, "sessionId", limits.max_id, item.session, reason, Numbers::kAsText) &&
         read_text(obj, "userId", limits.max_id, item.user, reason, Numbers::kAsText) &&
         read_text(obj, "release", limits.max_name, item.release, reason, Numbers::kAsText) &&
         read_text(obj, "environment", limits.max_name, item.environment, reason) &&
         read_text(obj, "page", 2048, item.page, reason);
}

template <class Item, class ParseOne>
ParseResult parse_items(std::string_view body, const SeedLimits& limits, std::vector<Item>& out,
                        ParseOne parse_one) {
  ParseResult r;
  if (trim_space(body).empty()) {
    r.status = 400;
    r.message = "empty body: expected a JSON object or an array of objects";
    return r;
  }
  json::element doc;
  if (!json::parse(body, {limits.max_size, limits.max_depth}, doc, r.message)) {
    r.status = 400;
    return r;
  }
  auto one = [&](const json::element& e, std::size_t index) {
    std::string reason;
    if (!e.is_object()) {
      r.rejected.push_back({index, "expected an object, found " + std::string(type_name(e))});
      return;
    }
    Item item;
    item.index = index;
    if (parse_one(e.get_object().value_unsafe(), item, reason)) {
      out.push_back(std::move(item));
    } else {
      r.rejected.push_back({index, std::move(reason)});
    }
  };
  if (doc.is_array()) {
    json::array items = doc.get_array().value_unsafe();
    r.items = items.size();
    if (r.items == 0) {
      r.status = 400;
      r.message = "empty array: expected at least one item";
      return r;
    }
    if (r.items > limits.max_items) {
      r.status = 413;
      r.message = std::to_string(r.items) + " items exceed the limit of " +
                  std::to_string(limits.max_items) + " per request";
      return r;
    }
    std::size_t index = 0;
    for (json::element e : items) one(e, index++);
  } else if (doc.is_object()) {
    r.items = 1;
    one(doc, 0);
  } else {
    r.status = 400;
    r.message =
        "expected a JSON object or an array of objects, found " + std::string(type_name(doc));
  }
  return r;
}

bool required_name(const json::object& obj, std::size_t max, std::string& out,
                   std::string& reason) {
  std::string_view name;
  switch (json::get_string(obj, "name", name)) {
    case Got::kOk:
      break;
    case Got::kWrongType:
      reason = "name: expected a string";
      return false;
    default:
      reason = "name: required";
      return false;
  }
  name = trim_space(name);
  if (name.empty()) {
    reason = "name: must not be empty";
    return false;
  }
  out = truncate_utf8(name, max);
  return true;
}

}  // namespace

ParseResult parse_seed_events(std::string_view body, const SeedLimits& limits,
                              std::vector<SeedEvent>& out) {
  return parse_items(body, limits, out,
                     [&](const json::object& obj, SeedEvent& item, std::string& reason) {
                       if (!required_name(obj, limits.max_name, item.name, reason)) return false;
                       json::object props;
                       switch (json::get_object(obj, "properties", props)) {
                         case Got::kOk:
                           item.properties_json = json::capped_object(props, limits.max_properties);
                           break;
                         case Got::kWrongType:
                           reason = "properties: expected an object";
                           return false;
                         default:
                           break;
                       }
                       return read_common(obj, limits, item, reason);
                     });
}

ParseResult parse_seed_metrics(std::string_view body, const SeedLimits& limits,
                               std::vector<SeedMetric>& out) {
  return parse_items(
      body, limits, out, [&](const json::object& obj, SeedMetric& item, std::string& reason) {
        // Names may embed a whole URL; they are normalized and cut to max_name later.
        if (!required_name(obj, 4096, item.name, reason)) return false;
        switch (json::get_number(obj, "value", item.value)) {
          case Got::kOk:
            break;
          case Got::kMissing:
            reason = "value: required";
            return false;
          default:
            // JSON.stringify turns NaN and Infinity into null.
            reason = "value: expected a finite number";
            return false;
        }
        if (!std::isfinite(item.value)) {
          reason = "value: expected a finite number";
          return false;
        }
        if (!read_text(obj, "unit", 16, item.unit, reason)) return false;
        if (!read_common(obj, limits, item, reason)) return false;
        json::object tags;
        switch (json::get_object(obj, "tags", tags)) {
          case Got::kOk:
            for (auto field : tags) {
              if (item.tags.size() >= 32) break;
              std::optional<std::string> text = json::scalar_text(field.value);
              if (!text) continue;  // nested objects and arrays are not tags
              item.tags.emplace_back(truncate_utf8(field.key, 64), truncate_utf8(*text, 2048));
            }
            break;
          case Got::kWrongType:
            reason = "tags: expected an object";
            return false;
          default:
            break;
        }
        return true;
      });
}

ParseResult parse_seed_errors(std::string_view body, const SeedLimits& limits,
                              std::vector<SeedError>& out) {
  return parse_items(
      body, limits, out, [&](const json::object& obj, SeedError& item, std::string& reason) {
        if (!read_text(obj, "message", limits.max_message, item.message, reason) ||
            !read_text(obj, "stack", limits.max_stack, item.stack, reason) ||
            !read_text(obj, "fingerprint", limits.max_name, item.fingerprint, reason) ||
            !read_text(obj, "name", limits.max_name, item.name, reason) ||
            !read_text(obj, "level", 16, item.level, reason) ||
            !read_common(obj, limits, item, reason)) {
          return false;
        }
        json::object context;
        switch (json::get_object(obj, "context", context)) {
          case Got::kOk:
            item.context_json = json::capped_object(context, limits.max_context);
            // The app's context may name the release and environment.
            for (const char* key : {"release", "version"}) {
              if (item.release.empty()) {
                read_text(context, key, limits.max_name, item.release, reason, Numbers::kAsText);
              }
            }
            if (item.environment.empty()) {
              read_text(context, "environment", limits.max_name, item.environment, reason);
            }
            reason.clear();
            break;
          case Got::kWrongType:
            reason = "context: expected an object";
            return false;
          default:
            break;
        }
        if (trim_space(item.message).empty() && trim_space(item.stack).empty()) {
          reason = "message: required (or a stack)";
          return false;
        }
        return true;
      });
}

}  // namespace ew::ingest
