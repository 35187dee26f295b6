#include "proxy/proxy.h"

#include "tls/client_tls.h"

#include <set>

#include "proxy/health_check.h"
#include "proxy/proxy_handler.h"

namespace ew::proxy {
namespace {

using config::Kind;

// TLS to a route's https:// upstreams: verified against the configured CA file or the system's
// trust store, unless verification is explicitly off.
UpstreamTls client_tls(const config::Table& route) {
  UpstreamTls out;
  out.enabled = true;
  out.verify = route.get_bool("tls_verify");
  std::string error;
  out.context = tls::client_context({route.get_string("tls_ca_file"), out.verify}, error);
  if (!out.context) throw std::runtime_error("proxy.tls_ca_file: " + error);
  return out;
}

class ProxyModule final : public Module {
 public:
  explicit ProxyModule(std::shared_ptr<ProxyRegistry> registry) : registry_(std::move(registry)) {}

  std::string_view name() const override { return "proxy"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("proxy", "Reverse-proxy routes to upstream pools ([[proxy]])", true);
    s.keys = {
        {"prefix", Kind::kString, "/api/", "Path prefix this route serves; starts and ends with /"},
        {"upstreams",
         Kind::kUrlList,
         "",
         "Upstream base URLs (http://host:port[/path], or https:// for TLS to the upstream)",
         {"http", "https"}},
        {"tls_ca_file", Kind::kPath, "",
         "PEM CA certificates that https:// upstreams are verified against; empty = the "
         "system's trust store"},
        {"tls_verify", Kind::kBool, "true",
         "Verify https:// upstreams' certificates and names; false only for self-signed test "
         "upstreams"},
        {"rewrite", Kind::kString, "/", "What replaces the prefix upstream: /api/chat -> /chat"},
        {"host_header", Kind::kString, "",
         "Host sent upstream; empty = the client's (an HTTP/1.0 client without one: the "
         "upstream's host:port)"},
        {"balancer",
         Kind::kEnum,
         "least_request",
         "round_robin or least_request (two choices)",
         {"round_robin", "least_request"}},
        {"connect_timeout", Kind::kDuration, "10s", "Time to connect to an upstream"},
        {"send_timeout", Kind::kDuration, "60s", "Longest stall while sending to an upstream"},
        {"read_timeout", Kind::kDuration, "60s",
         "Longest silence from an upstream; a stream may run longer while bytes keep coming"},
        {"websocket_idle_timeout", Kind::kDuration, "2h",
         "A WebSocket with no traffic either way for this long is closed"},
        {"max_body_size", Kind::kSize, "100MiB", "Largest request body; streamed, never held"},
        {"retries", Kind::kInt, "2", "Further attempts on another upstream", {}, 0, 10},
        {"retry_budget",
         Kind::kFloat,
         "0.2",
         "Retries in flight may be at most this share of requests in flight (min 3)",
         {},
         0,
         1},
        {"max_idle_connections",
         Kind::kInt,
         "64",
         "Idle keep-alive connections kept per upstream and worker",
         {},
         0,
         10000},
        {"health_check_path", Kind::kString, "/health", "Upstream path probed; empty disables"},
        {"health_check_interval", Kind::kDuration, "5s", "Time between two probes"},
        {"health_check_timeout", Kind::kDuration, "2s", "A probe slower than this fails"},
        {"healthy_threshold", Kind::kInt, "2", "Passing probes in a row to mark up", {}, 1, 100},
        {"unhealthy_threshold",
         Kind::kInt,
         "3",
         "Failing probes in a row to mark down",
         {},
         1,
         100},
        {"circuit_failures",
         Kind::kInt,
         "5",
         "Consecutive connect failures or 5xx that open the circuit (eject)",
         {},
         1,
         1000},
        {"circuit_base_ejection", Kind::kDuration, "10s", "First ejection; doubles on repeat"},
        {"circuit_max_ejection", Kind::kDuration, "30s",
         "Longest ejection; a passing active health check ends one sooner"},
        {"circuit_min_clients",
         Kind::kInt,
         "2",
         "Distinct client addresses among the failures that eject (connect failures count for "
         "any); 1: one client's failures can eject",
         {},
         1,
         8},
        {"circuit_half_open_requests",
         Kind::kInt,
         "3",
         "Requests let through at once after an ejection; that many successes close the circuit",
         {},
         1,
         100},
        {"panic_threshold",
         Kind::kFloat,
         "0.5",
         "When fewer than this share of upstreams can take requests, send to all of them "
         "anyway; 0: never",
         {},
         0,
         1},
        {"client_failures",
         Kind::kInt,
         "5",
         "Failures in a row of one client's requests, while others are served, that hold "
         "that client back (429); 0 disables",
         {},
         0,
         1000},
        {"client_penalty", Kind::kDuration, "10s", "How long such a client is held back"},
    };
  }

  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    std::set<std::string> prefixes;
    const auto& entries = settings.entries("proxy");
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      std::string where = "proxy[" + std::to_string(i) + "]";
      const auto& prefix = e.get_string("prefix");
      if (prefix.empty() || prefix.front() != '/' || prefix.back() != '/') {
        problems.push_back(where + ".prefix: expected a path starting and ending with /, found \"" +
                           prefix + "\"");
      }
      if (!prefixes.insert(prefix).second) {
        problems.push_back(where + ".prefix: \"" + prefix + "\" is used by another [[proxy]]");
      }
      if (e.get_list("upstreams").empty()) {
        problems.push_back(where +
                           ".upstreams: expected at least one http:// URL, found none "
                           "(set upstreams = [\"http://127.0.0.1:8004\"] or pass --upstream)");
      }
      if (e.get_duration("circuit_max_ejection") < e.get_duration("circuit_base_ejection")) {
        problems.push_back(where +
                           ".circuit_max_ejection: expected at least circuit_base_ejection, "
                           "found less");
      }
      const auto& rewrite = e.get_string("rewrite");
      if (rewrite.empty() || rewrite.front() != '/') {
        problems.push_back(where + ".rewrite: expected a path starting with /, found \"" + rewrite +
                           "\"");
      }
    }
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    for (const auto& e : settings.entries("proxy")) {
      auto route = make_route(e);
      RouteOptions options;
      options.max_body_size = e.get_size("max_body_size");
      options.name = route->config().prefix;
      Route r;
      r.methods = kAnyMethod;
      r.kind = MatchKind::kPrefix;
      r.path = route->config().prefix;
      r.stream = route;
      r.options = options;
      registrar.router().add(std::move(r));
      registry_->add(route);
    }
    if (registry_->routes().empty()) return;
    checker_->start();
    registrar.on_stop([checker = checker_] { checker->stop(); });
  }

 private:
  std::shared_ptr<ProxyHandler> make_route(const config::Table& e) {
    RouteConfig c;
    c.prefix = e.get_string("prefix");
    c.name = c.prefix;
    c.rewrite = e.get_string("rewrite");
    c.host_header = e.get_string("host_header");
    c.connect_timeout = e.get_duration("connect_timeout");
    c.send_timeout = e.get_duration("send_timeout");
    c.read_timeout = e.get_duration("read_timeout");
    c.websocket_idle_timeout = e.get_duration("websocket_idle_timeout");
    c.max_body_size = e.get_size("max_body_size");
    c.retries = static_cast<int>(e.get_int("retries"));
    c.max_idle_per_upstream = static_cast<std::size_t>(e.get_int("max_idle_connections"));

    CircuitOptions circuit;
    circuit.consecutive_failures = static_cast<int>(e.get_int("circuit_failures"));
    circuit.base_ejection = e.get_duration("circuit_base_ejection");
    circuit.max_ejection = e.get_duration("circuit_max_ejection");
    circuit.min_clients = static_cast<int>(e.get_int("circuit_min_clients"));
    circuit.half_open_requests = static_cast<int>(e.get_int("circuit_half_open_requests"));
    std::vector<std::unique_ptr<Upstream>> upstreams;
    UpstreamTls upstream_tls;  // one client context per route, made when an upstream needs it
    for (const auto& url : e.get_list("upstreams")) {
      auto parsed = config::parse_url(url);  // validated by the schema already
      upstreams.push_back(
          std::make_unique<Upstream>(url, parsed->host, parsed->port, parsed->path, circuit));
      if (parsed->scheme != "https") continue;
      if (!upstream_tls.context) upstream_tls = client_tls(e);
      upstreams.back()->set_tls(upstream_tls);
    }
    PoolOptions pool_options;
    pool_options.balancer =
        e.get_string("balancer") == "round_robin" ? Balancer::kRoundRobin : Balancer::kLeastRequest;
    pool_options.panic_threshold = e.get_double("panic_threshold");
    pool_options.clients.failures = static_cast<int>(e.get_int("client_failures"));
    pool_options.clients.penalty = e.get_duration("client_penalty");
    auto pool = std::make_shared<Pool>(std::move(upstreams), pool_options);
    auto budget = std::make_shared<RetryBudget>(e.get_double("retry_budget"), 3);

    HealthCheckOptions health;
    health.path = e.get_string("health_check_path");
    health.interval = e.get_duration("health_check_interval");
    health.timeout = e.get_duration("health_check_timeout");
    health.healthy_threshold = static_cast<int>(e.get_int("healthy_threshold"));
    health.unhealthy_threshold = static_cast<int>(e.get_int("unhealthy_threshold"));
    checker_->add(pool, health);
    return std::make_shared<ProxyHandler>(std::move(c), std::move(pool), std::move(budget));
  }

  std::shared_ptr<ProxyRegistry> registry_;
  std::shared_ptr<HealthChecker> checker_ = std::make_shared<HealthChecker>();
};

}  // namespace

ModulePtr make_proxy_module(std::shared_ptr<ProxyRegistry> registry) {
  return std::make_unique<ProxyModule>(std::move(registry));
}

}  // namespace ew::proxy
