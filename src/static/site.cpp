#include "static/site.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <stdexcept>

#include "static/path.h"
#include "static/serve.h"

namespace ew::static_files {
namespace {

// Generations are unique process-wide, so a thread's cached snapshot of one site is never
// mistaken for the current snapshot of another.
std::atomic<std::uint64_t> next_generation{1};

CidrSet parse_proxies(const std::vector<std::string>& entries) {
  std::string bad;
  std::optional<CidrSet> set = CidrSet::parse(entries, &bad);
  if (!set) throw std::invalid_argument("static.trusted_proxies: bad CIDR \"" + bad + "\"");
  return *set;
}

Loader make_loader(const StaticOptions& options) {
  try {
    return Loader(options);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("static.hashed_name_pattern: " + std::string(e.what()));
  }
}

// Serves an empty tree until the first successful load.
std::shared_ptr<const Snapshot> empty_snapshot() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->generation = next_generation.fetch_add(1);
  snapshot->error_headers = build_error_headers(SecurityLines{});
  return snapshot;
}

}  // namespace

StaticSite::StaticSite(StaticOptions options)
    : options_(std::move(options)),
      trusted_proxies_(parse_proxies(options_.trusted_proxies)),
      loader_(make_loader(options_)),
      published_(empty_snapshot()),
      generation_(published_->generation) {}

ReloadReport StaticSite::reload() {
  ReloadReport report;
  auto started = std::chrono::steady_clock::now();
  std::lock_guard reload_lock(reload_mutex_);
  publish(loader_.load(report.warnings, &report.error), report, started);
  return report;
}

ReloadReport StaticSite::load_files(std::span<const MemoryFile> files) {
  ReloadReport report;
  auto started = std::chrono::steady_clock::now();
  std::lock_guard reload_lock(reload_mutex_);
  publish(loader_.load_files(files, report.warnings), report, started);
  return report;
}

void StaticSite::publish(std::shared_ptr<Snapshot> fresh, ReloadReport& report,
                         std::chrono::steady_clock::time_point started) {
  if (fresh) {
    fresh->generation = next_generation.fetch_add(1);
    report.stats = fresh->stats;
    report.ok = true;
    std::uint64_t generation = fresh->generation;
    {
      std::lock_guard lock(publish_mutex_);
      published_ = std::move(fresh);
      generation_.store(generation, std::memory_order_release);
    }
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

std::shared_ptr<const Snapshot> StaticSite::snapshot() const {
  std::lock_guard lock(publish_mutex_);
  return published_;
}

const Snapshot& StaticSite::current() const {
  // The lock is taken once per thread per reload; a hit costs one atomic load.
  thread_local std::shared_ptr<const Snapshot> cached;
  if (!cached || cached->generation != generation_.load(std::memory_order_acquire)) {
    std::lock_guard lock(publish_mutex_);
    cached = published_;
  }
  return *cached;
}

Response StaticSite::respond(const Request& request) const {
  return respond(request, request.path);
}

Response StaticSite::respond(const Request& request, std::string_view raw_path) const {
  const Snapshot& snapshot = current();
  RequestFields fields = scan_fields(request);
  bool hsts = wants_hsts(request, fields, options_, trusted_proxies_);
  ServeContext ctx{snapshot, options_, request, fields, hsts};
  // Reused across requests on this thread: decoding a path allocates nothing once warm.
  thread_local std::string scratch;
  std::string_view path;
  if (normalize_path(raw_path, scratch, path) != PathVerdict::kOk) {
    return error_reply(ctx, 400, "bad_path", "the request path is malformed");
  }
  return serve_path(ctx, path);
}

void StaticSite::handle(Request& request, Responder& responder) const {
  responder.send(respond(request));
}

EmbeddedSite::EmbeddedSite(std::span<const MemoryFile> files, StaticOptions options)
    : site_(std::make_unique<StaticSite>(std::move(options))) {
  site_->load_files(files);
}

EmbeddedSite::~EmbeddedSite() = default;

Response EmbeddedSite::respond(std::string_view path, const Request& request) const {
  return site_->respond(request, path);
}

std::vector<std::string> EmbeddedSite::paths() const {
  std::vector<std::string> out;
  for (const auto& [url, entry] : site_->snapshot()->files) {
    if (!url.ends_with('/')) out.push_back(url.substr(1));  // not a directory's index.html
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ew::static_files
