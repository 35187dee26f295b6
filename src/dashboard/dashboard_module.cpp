#include "dashboard/dashboard.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/auth.h"
#include "config/keys.h"
#include "core/query.h"
#include "dashboard/embedded.h"
#include "dashboard/traffic.h"
#include "static/static.h"
#include "util/time.h"

namespace ew::dashboard {
namespace {

constexpr std::string_view kBase = "/_edgewatch";
constexpr std::string_view kLoginPath = "/_edgewatch/login";
constexpr std::string_view kLogoutPath = "/_edgewatch/logout";
constexpr std::string_view kSessionPath = "/_edgewatch/session";
constexpr std::string_view kTrafficPath = "/_edgewatch/api/traffic";

// The token of a login request: JSON {"token": "..."}, a form field token=..., or an
// Authorization: Bearer header.
std::optional<std::string> login_token(const Request& request) {
  std::string_view type = request.header("Content-Type");
  if (type.find("application/json") != std::string_view::npos) {
    auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_object() && body.contains("token") && body["token"].is_string()) {
      return body["token"].get<std::string>();
    }
    return std::nullopt;
  }
  if (type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
    return query_param(request.body, "token");
  }
  std::string_view auth = request.header("Authorization");
  if (auth.size() > 7 && iequals(auth.substr(0, 7), "Bearer ")) {
    std::string_view t = auth.substr(7);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    return std::string(t);
  }
  return std::nullopt;
}

std::string session_cookie(std::string_view value, bool secure, std::int64_t max_age_s) {
  std::string c = std::string(auth::kSessionCookie) + "=" + std::string(value) +
                  "; Path=/_edgewatch; Max-Age=" + std::to_string(max_age_s) +
                  "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  return c;
}

// The embedded build as a static site: the module's variants, validators, ranges and security
// headers, with the policy the build's names call for. esbuild (dashboard/build.mjs) names
// everything under assets/ "[name]-[hash]" with 8 characters of upper-case base32: cached for a
// year. index.html names them, so it is revalidated; the rest (the icon) keeps an hour.
std::shared_ptr<const static_files::EmbeddedSite> embedded_site(const config::Settings& settings) {
  static_files::StaticOptions options;
  if (settings.sections.find("static") != settings.sections.end()) {
    const static_files::StaticOptions configured = static_files::static_options(settings);
    options.security = configured.security;
    options.trusted_proxies = configured.trusted_proxies;
  }
  options.hashed_name_pattern = R"(-[A-Z2-7]{8}(\.[A-Za-z0-9]+)+$)";
  options.hashed_cache_control = "public, max-age=31536000, immutable";
  options.html_cache_control = "no-cache";
  options.default_cache_control = "public, max-age=3600";
  options.spa_fallback = false;  // the routes name every file; a miss is a 404
  // The bytes have no file time: they date from this start, which is never earlier than the
  // build they came from, so If-Modified-Since cannot match an older dashboard's.
  const std::int64_t started = now_ms() / 1000;
  std::vector<static_files::MemoryFile> files;
  for (const EmbeddedFile& f : embedded_files()) files.push_back({f.path, f.bytes, started});
  return std::make_shared<const static_files::EmbeddedSite>(files, std::move(options));
}

// A missing file is not cached: the next deploy may bring it.
Response without_stale_404(Response r) {
  if (r.status == 404) r.add_header("Cache-Control", "no-store");
  return r;
}

class DashboardModule final : public Module {
 public:
  explicit DashboardModule(DashboardWiring wiring) : wiring_(std::move(wiring)) {}

  std::string_view name() const override { return "dashboard"; }

  void declare(config::Schema& schema) override {
    auto& s = schema.section("dashboard", "The dashboard at /_edgewatch/ (login: admin.token)");
    using config::Kind;
    s.keys = {
        config::key("enabled", Kind::kBool, "true",
                    "Serve the dashboard, its login and its traffic history"),
        config::key("sample_interval", Kind::kDuration, "5s",
                    "How often the traffic history behind the dashboard's charts is sampled"),
        config::key("history", Kind::kDuration, "1h", "How much traffic history is kept in memory"),
    };
  }

  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    const auto& s = settings.section("dashboard");
    const auto interval = s.get_duration("sample_interval");
    const auto keep = s.get_duration("history");
    if (interval.count() < 250 || interval.count() > 3'600'000) {
      problems.push_back("dashboard.sample_interval: expected a duration from 250ms to 1h");
    } else if (keep < interval || keep.count() / interval.count() > 100'000) {
      problems.push_back(
          "dashboard.history: expected at least one sample_interval and at most 100000 of them");
    }
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto& s = settings.section("dashboard");
    if (!s.get_bool("enabled")) return;
    site_ = embedded_site(settings);
    const auto interval = s.get_duration("sample_interval");
    traffic_ = std::make_shared<TrafficHistory>(
        wiring_.traffic, wiring_.proxies, interval,
        static_cast<std::size_t>(s.get_duration("history") / interval));
    register_routes(registrar.router());
    traffic_->start();
    registrar.on_stop([t = traffic_] { t->stop(); });
    if (embedded_files().empty()) {
      spdlog::warn("dashboard: no files embedded (dashboard/dist/ was empty at build time)");
    }
    spdlog::info("dashboard: at /_edgewatch/, login {}", auth::admin_token(settings).empty()
                                                             ? "disabled (no admin.token)"
                                                             : "with admin.token");
  }

 private:
  void register_routes(Router& router) {
    RouteOptions files;
    files.name = "dashboard";
    files.operations = true;
    files.access_log = false;
    auto site = site_;
    auto index = [site](Request& request, Responder& responder) {
      responder.send(without_stale_404(site->respond("/", request)));
    };
    router.exact(kGetHead, std::string(kBase), index, files);
    router.exact(kGetHead, std::string(kBase) + "/", index, files);
    auto file = [site](Request& request, Responder& responder) {
      responder.send(without_stale_404(site->respond(request.path.substr(kBase.size()), request)));
    };
    router.prefix(kGetHead, std::string(kBase) + "/assets/", file, files);
    // Top-level files besides index.html (the icon): exact routes, so that nothing else under
    // /_edgewatch/ is claimed.
    for (const std::string& path : site_->paths()) {
      if (path == "index.html" || path.find('/') != std::string::npos) continue;
      router.exact(kGetHead, std::string(kBase) + "/" + path, file, files);
    }

    RouteOptions login;
    login.name = "dashboard";
    login.operations = true;
    login.max_body_size = 4096;
    router.exact(
        method_bit(Method::kPost), std::string(kLoginPath),
        [gate = wiring_.admin](Request& request, Responder& responder) {
          const std::string& token = gate->token();
          const std::int64_t now = now_ms();
          const std::string rid(request.request_id);
          if (token.empty()) {
            responder.send(error_response(
                401, "login_disabled",
                "no admin token is configured: set [admin] token or EDGEWATCH_ADMIN_TOKEN", rid));
            return;
          }
          // One allowance per address for the form and the bearer header.
          auth::GuessThrottle& throttle = gate->guesses();
          if (throttle.retry_after_s(request.client_address, now) > 0) {
            Response r = error_response(429, "too_many_attempts",
                                        "too many failed logins; try again in a minute", rid);
            r.add_header("Retry-After", "60");
            responder.send(std::move(r));
            return;
          }
          auto given = login_token(request);
          if (!given || !auth::token_matches(*given, token)) {
            throttle.failed(request.client_address, now);
            responder.send(error_response(401, "unauthorized", "wrong token", rid));
            return;
          }
          throttle.succeeded(request.client_address);
          const std::string id = gate->sessions().open(token, now);
          const auto max_age =
              std::chrono::duration_cast<std::chrono::seconds>(auth::SessionStore::kLifetime)
                  .count();
          Response r =
              json_response(200, nlohmann::json{{"ok", true}, {"expires_in", max_age}}.dump());
          r.add_header("Set-Cookie", session_cookie(id, request.secure, max_age));
          responder.send(std::move(r));
        },
        login);
    router.exact(
        method_bit(Method::kPost), std::string(kLogoutPath),
        [gate = wiring_.admin](Request& request, Responder& responder) {
          std::string_view id = auth::cookie_value(request, auth::kSessionCookie);
          if (!id.empty()) gate->sessions().close(id);
          Response r = json_response(200, R"({"ok":true})");
          r.add_header("Set-Cookie", session_cookie("", request.secure, 0));
          responder.send(std::move(r));
        },
        login);

    RouteOptions api;
    api.name = "dashboard";
    api.operations = true;
    // Whether the caller is signed in, answered 200 either way so that the page can decide
    // between the login form and the views without a failed request in the console.
    router.exact(
        kGetHead, std::string(kSessionPath),
        [gate = wiring_.admin](Request& request, Responder& responder) {
          nlohmann::json body{{"authenticated", gate->allows(request)},
                              {"login_enabled", !gate->token().empty()}};
          responder.send(json_response(200, body.dump()));
        },
        api);
    router.exact(kGetHead, std::string(kTrafficPath),
                 auth::admin_only(wiring_.admin,
                                  [traffic = traffic_](Request&, Responder& responder) {
                                    responder.send(json_response(200, traffic->json()));
                                  }),
                 api);
  }

  DashboardWiring wiring_;
  std::shared_ptr<const static_files::EmbeddedSite> site_;
  std::shared_ptr<TrafficHistory> traffic_;
};

}  // namespace

ModulePtr make_dashboard_module(DashboardWiring wiring) {
  return std::make_unique<DashboardModule>(std::move(wiring));
}

}  // namespace ew::dashboard
