#include "frontend/frontend.h"

#include "core/etag.h"

#include <atomic>
#include <memory>

#include <spdlog/spdlog.h>

#include "config/active.h"
#include "frontend/frontend_config.h"

namespace ew {
namespace {

// One published configuration: the body and its header lines, shared by every response.
struct Published {
  std::shared_ptr<const std::string> body;
  std::shared_ptr<const std::string> headers;               // Content-Type, Cache-Control, ETag
  std::shared_ptr<const std::string> not_modified_headers;  // Cache-Control, ETag
  std::string etag;
};

std::shared_ptr<const Published> publish(const config::Table& frontend) {
  auto p = std::make_shared<Published>();
  auto body = frontend::environment_config_json(frontend);
  p->etag = frontend::etag_for(body);
  std::string cache = "Cache-Control: public, max-age=" +
                      std::to_string(frontend.get_duration("max_age").count() / 1000) + "\r\n";
  std::string etag = "ETag: " + p->etag + "\r\n";
  p->headers =
      std::make_shared<const std::string>("Content-Type: application/json\r\n" + cache + etag);
  p->not_modified_headers = std::make_shared<const std::string>(cache + etag);
  p->body = std::make_shared<const std::string>(std::move(body));
  return p;
}

class FrontendModule final : public Module {
 public:
  std::string_view name() const override { return "frontend"; }
  void declare(config::Schema& schema) override { frontend::declare_frontend_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override {
    frontend::validate_frontend_settings(settings, problems);
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    const auto& f = settings.section("frontend");
    if (!f.get_bool("enabled")) return;
    path_ = f.get_string("path");
    current_->store(publish(f));
    warn_if_shadowing(settings);
    RouteOptions options;
    options.name = "frontend_config";
    registrar.router().exact(
        kGetHead, path_,
        [current = current_](Request& request, Responder& responder) {
          std::shared_ptr<const Published> p = current->load();
          Response response(200);
          if (if_none_match_hits(request.header("If-None-Match"), p->etag)) {
            response.status = 304;
            response.add_header_block({p->not_modified_headers, *p->not_modified_headers});
          } else {
            response.add_header_block({p->headers, *p->headers});
            response.shared_body = SharedBytes{p->body, *p->body};
          }
          responder.send(std::move(response));
        },
        options);
    registrar.on_reload([this] { reload(); });
  }

 private:
  void reload() {
    std::optional<config::Settings> settings;
    try {
      settings = config::reload_active();
    } catch (const config::ConfigError& error) {
      for (const auto& p : error.problems()) spdlog::error("frontend: reload: {}", p);
      spdlog::error("frontend: the configuration has problems; {} is unchanged", path_);
      return;
    }
    if (!settings) return;
    std::vector<std::string> problems;
    frontend::validate_frontend_settings(*settings, problems);
    if (!problems.empty()) {
      for (const auto& p : problems) spdlog::error("frontend: reload: {}", p);
      spdlog::error("frontend: [frontend] has problems; {} is unchanged", path_);
      return;
    }
    for (const auto& w : settings->warnings) {
      if (w.find("frontend.") != std::string::npos) spdlog::warn("frontend: {}", w);
    }
    const auto& f = settings->section("frontend");
    if (!f.get_bool("enabled") || f.get_string("path") != path_) {
      spdlog::warn("frontend: enabled and path take effect at the next restart");
    }
    auto next = publish(f);
    bool changed = next->etag != current_->load()->etag;
    current_->store(std::move(next));
    spdlog::info("frontend: {} {}", path_, changed ? "reloaded with changes" : "unchanged");
  }

  // Never silent: a config.json the app ships in its dist/ is hidden by this route, so say so at
  // start, naming both and where they differ.
  void warn_if_shadowing(const config::Settings& settings) const {
    auto statics = settings.sections.find("static");
    if (statics == settings.sections.end()) return;
    auto shadowed =
        frontend::shadowed_file(statics->second.get_string("root"), path_, *current_->load()->body);
    if (!shadowed) return;
    if (shadowed->differences.empty()) {
      spdlog::info("{}", frontend::shadow_notice(*shadowed, path_));
    } else {
      spdlog::warn("{}", frontend::shadow_notice(*shadowed, path_));
    }
  }

  std::string path_;
  std::shared_ptr<std::atomic<std::shared_ptr<const Published>>> current_ =
      std::make_shared<std::atomic<std::shared_ptr<const Published>>>();
};

}  // namespace

ModulePtr make_frontend_module() {
  return std::make_unique<FrontendModule>();
}

}  // namespace ew
