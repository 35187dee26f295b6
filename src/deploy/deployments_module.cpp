#include "deploy/deploy.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "auth/auth.h"
#include "config/keys.h"
#include "core/query.h"
#include "deploy/deployment_json.h"
#include "deploy/file_store.h"
#include "storage/storage.h"
#include "util/time.h"

namespace ew::deploy {
namespace {

using config::Kind;

constexpr std::string_view kPath = "/_edgewatch/api/deployments";
constexpr std::uint64_t kMaxBody = 16 * 1024;

struct Context {
  std::shared_ptr<DeploymentStore> store;
};

void post(const Context& c, Request& request, Responder& responder) {
  std::string_view type = request.header("Content-Type");
  if (type.substr(0, type.find(';')).find("json") == std::string_view::npos) {
    responder.send(error_response(415, "unsupported_media_type",
                                  "expected Content-Type: application/json", request.request_id));
    return;
  }
  auto parsed = parse_deployment(request.body, now_ms());
  if (!parsed.problems.empty()) {
    responder.send(json_response(400, problems_json(parsed.problems, request.request_id)));
    return;
  }
  auto stored = c.store->add(parsed.deployment);
  if (!stored.ok()) {
    spdlog::error("request_id={} deployments: {}", request.request_id, stored.error());
    responder.send(error_response(503, "storage_unavailable", "the deployment could not be stored",
                                  request.request_id));
    return;
  }
  spdlog::info("deployment {} of {} to {} recorded", stored->id, stored->version,
               stored->environment);
  responder.send(json_response(201, deployment_json(*stored)));
}

// Fills the query from the request's parameters; false with `problem` set when one is bad.
bool read_query(std::string_view query, DeploymentQuery& q, std::string& problem) {
  q.environment = query_param(query, "environment").value_or("");
  q.version = query_param(query, "version").value_or("");
  for (const char* name : {"since", "until"}) {
    auto given = query_param(query, name);
    if (!given) continue;
    auto ms = parse_iso8601(*given);
    if (!ms) {
      problem =
          std::string(name) + ": expected an ISO 8601 time with a zone, found \"" + *given + "\"";
      return false;
    }
    (std::string_view(name) == "since" ? q.from_ms : q.to_ms) = *ms;
  }
  if (auto given = query_param(query, "limit")) {
    char* end = nullptr;
    long value = std::strtol(given->c_str(), &end, 10);
    if (given->empty() || *end != '\0' || value < 1 || value > 1000) {
      problem = "limit: expected an integer from 1 to 1000, found \"" + *given + "\"";
      return false;
    }
    q.limit = static_cast<std::size_t>(value);
  }
  return true;
}

void get(const Context& c, Request& request, Responder& responder) {
  DeploymentQuery q;
  std::string problem;
  if (!read_query(request.query, q, problem)) {
    responder.send(error_response(400, "invalid_parameter", problem, request.request_id));
    return;
  }
  auto list = c.store->list(q);
  if (!list.ok()) {
    spdlog::error("request_id={} deployments: {}", request.request_id, list.error());
    responder.send(error_response(503, "storage_unavailable", "deployments cannot be read now",
                                  request.request_id));
    return;
  }
  responder.send(json_response(200, deployments_json(*list)));
}

class DeploymentsModule final : public Module {
 public:
  DeploymentsModule(std::shared_ptr<auth::AdminGate> admin,
                    std::shared_ptr<Published<DeploymentStore>> published)
      : admin_(std::move(admin)), published_(std::move(published)) {}

  std::string_view name() const override { return "deployments"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("deployments", "Deployment tracking (/_edgewatch/api/deployments)");
    s.keys = {
        config::key("enabled", Kind::kBool, "true", "Answer the deployments API"),
        config::key("file", Kind::kPath, "",
                    "JSON-lines file the deployments are kept in; empty = "
                    "edgewatch-deployments.jsonl next to the [storage] database"),
        config::bounded("max_entries", Kind::kInt, "10000", "Deployments kept at most; oldest go",
                        1, 10'000'000),
    };
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto& s = settings.section("deployments");
    if (!s.get_bool("enabled")) return;
    std::string file = s.get_string("file").empty()
                           ? storage::data_directory(settings) + "/edgewatch-deployments.jsonl"
                           : s.get_string("file");
    auto store = std::make_shared<FileDeploymentStore>(
        file, static_cast<std::size_t>(s.get_int("max_entries")));
    if (auto problem = store->load()) spdlog::warn("deployments: {}", *problem);
    published_->publish(store);
    registrar.on_stop([published = published_] { published->withdraw(); });

    auto context = std::make_shared<Context>(Context{store});
    RouteOptions options;
    options.name = "deployments";
    options.operations = true;
    options.max_body_size = kMaxBody;
    registrar.router().exact(method_bit(Method::kPost) | kGetHead, std::string(kPath),
                             auth::admin_only(admin_,
                                              [context](Request& request, Responder& responder) {
                                                if (request.method == Method::kPost) {
                                                  post(*context, request, responder);
                                                } else {
                                                  get(*context, request, responder);
                                                }
                                              }),
                             options);
  }

 private:
  std::shared_ptr<auth::AdminGate> admin_;
  std::shared_ptr<Published<DeploymentStore>> published_;
};

}  // namespace

ModulePtr make_deployments_module(std::shared_ptr<auth::AdminGate> admin,
                                  std::shared_ptr<Published<DeploymentStore>> store) {
  return std::make_unique<DeploymentsModule>(std::move(admin), std::move(store));
}

}  // namespace ew::deploy
