// One served directory: the published snapshot, its reloads, and the request handler.
//
// Threading: respond()/handle() run on any number of worker threads at once and never block
// one another: each thread keeps its own reference to the current snapshot and refreshes it
// only when the generation counter says a reload published a new one. reload() may run on
// any thread (the SIGHUP control thread, the inotify watcher); reloads are serialized.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/cidr.h"
#include "core/handler.h"
#include "static/loader.h"
#include "static/options.h"
#include "static/snapshot.h"

namespace ew::static_files {

struct ReloadReport {
  bool ok = false;
  std::string error;  // when !ok: why the root could not be loaded (the old tree stays)
  std::vector<std::string> warnings;
  LoadStats stats;
  double seconds = 0;
};

class StaticSite {
 public:
  // Throws std::invalid_argument for a bad hashed-name pattern or trusted-proxy CIDR (both are
  // checked at config validation, so this is a programming error).
  explicit StaticSite(StaticOptions options);

  // Reads the tree and publishes it atomically. On failure the published tree is unchanged.
  ReloadReport reload();
  // Publishes the given files instead of the root's (for an EmbeddedSite; always succeeds).
  ReloadReport load_files(std::span<const MemoryFile> files);

  // The Handler body: answers one GET or HEAD request.
  void handle(Request& request, Responder& responder) const;
  Response respond(const Request& request) const;
  // The same for `raw_path` (percent-encoded, relative to the site) instead of request.path.
  Response respond(const Request& request, std::string_view raw_path) const;

  std::shared_ptr<const Snapshot> snapshot() const;
  const StaticOptions& options() const { return options_; }

 private:
  const Snapshot& current() const;
  // Publishes `fresh` (when set) and fills in the report; under reload_mutex_.
  void publish(std::shared_ptr<Snapshot> fresh, ReloadReport& report,
               std::chrono::steady_clock::time_point started);

  const StaticOptions options_;
  CidrSet trusted_proxies_;
  std::mutex reload_mutex_;
  Loader loader_;  // guarded by reload_mutex_
  mutable std::mutex publish_mutex_;
  std::shared_ptr<const Snapshot> published_;  // guarded by publish_mutex_
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace ew::static_files
