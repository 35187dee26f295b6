#include "static/static.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <regex>
#include <stdexcept>

#include "config/keys.h"
#include "static/headers.h"
#include "static/site.h"
#include "static/watcher.h"

namespace ew {
namespace static_files {
namespace {

using config::key;
using config::Kind;

constexpr std::chrono::milliseconds kWatchDebounce{100};

// The keys whose values become header values verbatim.
constexpr std::string_view kHeaderKeys[] = {"hashed_cache_control",
                                            "default_cache_control",
                                            "html_cache_control",
                                            "content_security_policy",
                                            "frame_options",
                                            "referrer_policy",
                                            "permissions_policy",
                                            "cross_origin_opener_policy",
                                            "hsts"};

void log_report(const ReloadReport& report, std::string_view why) {
  for (const std::string& warning : report.warnings) spdlog::warn("static: {}", warning);
  if (!report.ok) {
    spdlog::error("static: {} failed, still serving the previous tree: {}", why, report.error);
    return;
  }
  const LoadStats& s = report.stats;
  spdlog::info(
      "static: {}: {} file{} ({} streamed from disk), {} precompressed and {} compressed "
      "variants, {} KiB in memory, {} skipped, in {:.0f} ms",
      why, s.files, s.files == 1 ? "" : "s", s.streamed, s.precompressed, s.compressed_at_load,
      s.memory_bytes / 1024, s.skipped, report.seconds * 1e3);
}

class StaticModule final : public Module {
 public:
  explicit StaticModule(std::shared_ptr<telemetry::MetricsRegistry> metrics)
      : metrics_(std::move(metrics)) {}
  ~StaticModule() override {
    if (watcher_) watcher_->stop();
  }

  std::string_view name() const override { return "static"; }
  void declare(config::Schema& schema) override { declare_static_settings(schema); }
  void validate(const config::Settings& settings, std::vector<std::string>& problems) override;
  void start(const config::Settings& settings, Registrar& registrar) override;

 private:
  std::shared_ptr<telemetry::MetricsRegistry> metrics_;
  std::shared_ptr<StaticSite> site_;
  std::unique_ptr<TreeWatcher> watcher_;
};

void StaticModule::validate(const config::Settings& settings, std::vector<std::string>& problems) {
  const config::Table& t = settings.section("static");
  try {
    std::regex(t.get_string("hashed_name_pattern"), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    problems.push_back(
        "static.hashed_name_pattern: expected an ECMAScript regular expression, "
        "found \"" +
        t.get_string("hashed_name_pattern") + "\" (" + e.what() + ")");
  }
  for (std::string_view key : kHeaderKeys) {
    if (!valid_header_value(t.get_string(key))) {
      problems.push_back("static." + std::string(key) +
                         ": expected a header value without control characters");
    }
  }
  for (const std::string& prefix : t.get_list("fallback_exclude")) {
    if (!prefix.starts_with("/")) {
      problems.push_back(
          "static.fallback_exclude: expected path prefixes starting with '/', "
          "found \"" +
          prefix + "\"");
    }
  }
  const std::string& root = t.get_string("root");
  struct stat st {};
  if (!root.empty() && (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    problems.push_back("static.root: expected a readable directory, found \"" + root + "\"");
  }
}

// The cache families of /metrics, read from whichever tree is published at scrape time.
void publish_metrics(std::shared_ptr<StaticSite> site,
                     const std::shared_ptr<telemetry::MetricsRegistry>& metrics,
                     Registrar& registrar) {
  metrics->add("static", [site](telemetry::MetricWriter& w) {
    const LoadStats& stats = site->snapshot()->stats;
    w.gauge("edgewatch_static_cache_entries", "Files of the static tree, held or streamed");
    w.sample({{"kind", "in_memory"}}, static_cast<double>(stats.files - stats.streamed));
    w.sample({{"kind", "streamed"}}, static_cast<double>(stats.streamed));
    w.gauge("edgewatch_static_cache_bytes", "Memory held by the static tree, all encodings");
    w.sample({}, static_cast<double>(stats.memory_bytes));
  });
  registrar.on_stop([metrics] { metrics->remove("static"); });
}

void StaticModule::start(const config::Settings& settings, Registrar& registrar) {
  StaticOptions options = static_options(settings);
  if (options.root.empty()) return;  // disabled: no routes
  site_ = std::make_shared<StaticSite>(options);
  ReloadReport report = site_->reload();
  if (!report.ok) throw std::runtime_error("static.root: " + report.error);
  log_report(report, "loaded " + options.root);

  std::shared_ptr<StaticSite> site = site_;
  RouteOptions route;
  route.name = "static";
  registrar.router().prefix(
      kGetHead, "/",
      [site](Request& request, Responder& responder) { site->handle(request, responder); }, route);
  registrar.on_reload([site] { log_report(site->reload(), "reload on SIGHUP"); });
  publish_metrics(site, metrics_, registrar);

  if (options.watch) {
    watcher_ = std::make_unique<TreeWatcher>(options.root, options.allow_dotfiles, kWatchDebounce,
                                             [site] { log_report(site->reload(), "reload"); });
    std::string error;
    if (!watcher_->start(&error)) {
      spdlog::warn("static: watching {} failed ({}); reload with SIGHUP", options.root, error);
      watcher_.reset();
    }
    registrar.on_stop([this] {
      if (watcher_) watcher_->stop();
    });
  }
}

}  // namespace

void declare_static_settings(config::Schema& schema) {
  const SecurityHeaders security;
  const StaticOptions defaults;
  auto& s = schema.section("static", "Static files: the built single-page app (Vite's dist/)");
  s.keys = {
      key("root", Kind::kPath, "", "Directory to serve; empty disables static files"),
      key("max_cached_file_size", Kind::kSize, "1MiB",
          "Files up to this size are held in memory; larger ones are streamed from disk"),
      key("compress_min_size", Kind::kSize, "1024",
          "Text files at least this large are compressed (brotli, gzip) at load"),
      key("hashed_name_pattern", Kind::kString, std::string(kDefaultHashedNamePattern),
          "ECMAScript regex on the file name marking content-hashed names (cached for a year)"),
      key("hashed_cache_control", Kind::kString, defaults.hashed_cache_control,
          "Cache-Control for content-hashed files"),
      key("default_cache_control", Kind::kString, defaults.default_cache_control,
          "Cache-Control for files that are neither HTML nor content-hashed"),
      key("html_cache_control", Kind::kString, defaults.html_cache_control,
          "Cache-Control for HTML: always revalidate (never no-store, which loses 304s)"),
      key("spa_fallback", Kind::kBool, "true",
          "Serve /index.html for missing extension-less paths when the client accepts HTML"),
      key("fallback_exclude", Kind::kStringList, "/api/,/_edgewatch/",
          "Path prefixes that never fall back to index.html"),
      key("allow_dotfiles", Kind::kBool, "false", "Serve files and directories starting with '.'"),
      key("watch", Kind::kBool, "false", "Reload the tree when files change (inotify)"),
      key("content_security_policy", Kind::kString, security.content_security_policy,
          "Content-Security-Policy; empty omits the header"),
      key("frame_options", Kind::kString, security.frame_options, "X-Frame-Options"),
      key("referrer_policy", Kind::kString, security.referrer_policy, "Referrer-Policy"),
      key("permissions_policy", Kind::kString, security.permissions_policy, "Permissions-Policy"),
      key("cross_origin_opener_policy", Kind::kString, security.cross_origin_opener_policy,
          "Cross-Origin-Opener-Policy"),
      key("hsts", Kind::kString, security.hsts,
          "Strict-Transport-Security, sent over TLS or via a trusted proxy saying https"),
      key("trusted_proxies", Kind::kCidrList, "",
          "Peers whose X-Forwarded-Proto: https is believed (for HSTS)"),
  };
}

StaticOptions static_options(const config::Settings& settings) {
  const config::Table& t = settings.section("static");
  StaticOptions o;
  o.root = t.get_string("root");
  o.max_cached_file_size = t.get_size("max_cached_file_size");
  o.compress_min_size = t.get_size("compress_min_size");
  o.hashed_name_pattern = t.get_string("hashed_name_pattern");
  o.hashed_cache_control = t.get_string("hashed_cache_control");
  o.default_cache_control = t.get_string("default_cache_control");
  o.html_cache_control = t.get_string("html_cache_control");
  o.spa_fallback = t.get_bool("spa_fallback");
  o.fallback_exclude = t.get_list("fallback_exclude");
  o.allow_dotfiles = t.get_bool("allow_dotfiles");
  o.watch = t.get_bool("watch");
  o.security.content_security_policy = t.get_string("content_security_policy");
  o.security.frame_options = t.get_string("frame_options");
  o.security.referrer_policy = t.get_string("referrer_policy");
  o.security.permissions_policy = t.get_string("permissions_policy");
  o.security.cross_origin_opener_policy = t.get_string("cross_origin_opener_policy");
  o.security.hsts = t.get_string("hsts");
  o.trusted_proxies = t.get_list("trusted_proxies");
  return o;
}

ModulePtr make_static_module(std::shared_ptr<telemetry::MetricsRegistry> metrics) {
  return std::make_unique<StaticModule>(std::move(metrics));
}

}  // namespace static_files
}  // namespace ew
