#include "deploy/deployment_json.h"
#include "util/time.h"

#include <nlohmann/json.hpp>

namespace ew::deploy {
namespace {

using nlohmann::json;

std::string shown(const json& value) {
  std::string text = value.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

bool environment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool version_char(char c) {
  return c > 0x20 && c < 0x7f;  // printable ASCII, no spaces
}

template <class Pred>
void check_text(const json& d, const char* name, std::size_t max, Pred ok, const char* expected,
                std::string& out, std::vector<std::string>& problems) {
  std::string field = std::string("deployment.") + name;
  if (!d.contains(name)) {
    problems.push_back(field + ": missing (expected " + expected + ")");
    return;
  }
  const json& v = d.at(name);
  if (!v.is_string()) {
    problems.push_back(field + ": expected " + expected + ", found " + shown(v));
    return;
  }
  const std::string& s = v.get_ref<const std::string&>();
  bool valid = !s.empty() && s.size() <= max;
  for (char c : s) valid = valid && ok(c);
  if (!valid) {
    problems.push_back(field + ": expected " + expected + ", found " + shown(v));
    return;
  }
  out = s;
}

json item(const Deployment& d) {
  return {{"id", d.id},
          {"environment", d.environment},
          {"version", d.version},
          {"timestamp", format_iso8601(d.timestamp_ms)},
          {"received_at", format_iso8601(d.received_ms)}};
}

}  // namespace

ParsedDeployment parse_deployment(std::string_view body, std::int64_t now_ms) {
  ParsedDeployment out;
  auto& problems = out.problems;
  json root = json::parse(body, nullptr, false);
  if (root.is_discarded()) {
    problems.push_back("body: expected JSON, found malformed text");
    return out;
  }
  if (!root.is_object()) {
    problems.push_back("body: expected an object {\"deployment\": {...}}, found " + shown(root));
    return out;
  }
  for (const auto& [k, v] : root.items()) {
    if (k != "deployment") problems.push_back(k + ": unknown key (expected only \"deployment\")");
  }
  if (!root.contains("deployment") || !root.at("deployment").is_object()) {
    problems.push_back(root.contains("deployment")
                           ? "deployment: expected an object, found " + shown(root.at("deployment"))
                           : "deployment: missing (expected {\"environment\", \"version\", "
                             "\"timestamp\"})");
    return out;
  }
  const json& d = root.at("deployment");
  for (const auto& [k, v] : d.items()) {
    if (k != "environment" && k != "version" && k != "timestamp") {
      problems.push_back("deployment." + k +
                         ": unknown key (expected environment, version, timestamp)");
    }
  }
  Deployment& dep = out.deployment;
  check_text(d, "environment", kMaxEnvironment, environment_char,
             "1 to 64 characters of A-Z a-z 0-9 . _ -", dep.environment, problems);
  check_text(d, "version", kMaxVersion, version_char,
             "1 to 128 printable characters without spaces", dep.version, problems);
  std::string timestamp;
  check_text(d, "timestamp", 64, version_char,
             "an ISO 8601 time with a zone, such as \"2024-05-01T12:00:00Z\"", timestamp, problems);
  if (!timestamp.empty()) {
    auto ms = parse_iso8601(timestamp);
    if (!ms) {
      problems.push_back(
          "deployment.timestamp: expected an ISO 8601 time with a zone, such as "
          "\"2024-05-01T12:00:00Z\", found \"" +
          timestamp + "\"");
    } else if (*ms > now_ms + kMaxFutureMs) {
      problems.push_back("deployment.timestamp: more than a day in the future: \"" + timestamp +
                         "\"");
    } else {
      dep.timestamp_ms = *ms;
    }
  }
  dep.received_ms = now_ms;
  return out;
}

std::string deployment_json(const Deployment& d) {
  return json{{"deployment", item(d)}}.dump() + "\n";
}

std::string deployments_json(const std::vector<Deployment>& list) {
  json items = json::array();
  for (const auto& d : list) items.push_back(item(d));
  return json{{"deployments", std::move(items)}}.dump() + "\n";
}

std::string problems_json(const std::vector<std::string>& problems, std::string_view request_id) {
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  json body = {{"error",
                {{"code", "invalid_deployment"},
                 {"message", message},
                 {"problems", problems},
                 {"request_id", request_id}}}};
  return body.dump() + "\n";
}

}  // namespace ew::deploy
