#include "ingest/quota.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace ew::ingest {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDatabaseCheckMs = 1'000;
constexpr int kRetryAfterS = 60;  // issues and size free up slowly (retention)

std::uint32_t minute_of(std::int64_t now_ms) {
  return static_cast<std::uint32_t>(now_ms / kMinuteMs);
}

int seconds_left_in_minute(std::int64_t now_ms) {
  return static_cast<int>(60 - (now_ms / 1000) % 60);
}

std::uint64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

std::string size_text(std::uint64_t bytes) {
  if (bytes < 1024 * 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

// True for exactly one caller per minute.
bool first_in_minute(std::atomic<std::uint32_t>& logged, std::uint32_t minute) {
  std::uint32_t last = logged.load(std::memory_order_relaxed);
  return last != minute && logged.compare_exchange_strong(last, minute);
}

}  // namespace

std::string_view quota_name(Quota quota) {
  switch (quota) {
    case Quota::kItemsPerMinute:
      return "items_per_minute";
    case Quota::kIssues:
      return "issues";
    case Quota::kDatabaseSize:
      return "database_size";
  }
  return "unknown";
}

ProjectQuotas::ProjectQuotas(QuotaOptions options, std::span<const std::int64_t> projects,
                             std::string database_path)
    : options_(options), database_path_(std::move(database_path)) {
  std::vector<std::int64_t> ids(projects.begin(), projects.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (std::int64_t id : ids) {
    projects_.push_back(std::make_unique<Project>());
    projects_.back()->id = id;
  }
}

ProjectQuotas::Project* ProjectQuotas::find(std::int64_t id) {
  auto it =
      std::lower_bound(projects_.begin(), projects_.end(), id,
                       [](const std::unique_ptr<Project>& p, std::int64_t v) { return p->id < v; });
  return it != projects_.end() && (*it)->id == id ? it->get() : nullptr;
}

// One compare-and-swap on the packed (minute, count) word: a new minute starts from zero, and
// nothing is counted unless all of the records fit.
bool ProjectQuotas::take(Project& p, std::size_t records, std::uint32_t minute) {
  const std::uint64_t limit = options_.items_per_minute;
  std::uint64_t word = p.window.load(std::memory_order_relaxed);
  for (;;) {
    // A thread whose clock read is a little behind another's stays in the newer minute.
    const std::uint32_t stored = static_cast<std::uint32_t>(word >> 32);
    const std::uint32_t current = std::max(stored, minute);
    const std::uint64_t used = stored == current ? (word & 0xffff'ffffULL) : 0;
    if (records > limit - std::min(used, limit)) return false;
    const std::uint64_t next = (std::uint64_t{current} << 32) | (used + records);
    if (p.window.compare_exchange_weak(word, next, std::memory_order_relaxed)) return true;
  }
}

std::uint64_t ProjectQuotas::database_size(std::int64_t now_ms) {
  std::int64_t checked = database_checked_ms_.load(std::memory_order_relaxed);
  if (now_ms - checked >= kDatabaseCheckMs &&
      database_checked_ms_.compare_exchange_strong(checked, now_ms)) {
    database_bytes_.store(file_bytes(database_path_) + file_bytes(database_path_ + "-wal"),
                          std::memory_order_relaxed);
  }
  return database_bytes_.load(std::memory_order_relaxed);
}

QuotaRefusal ProjectQuotas::refuse(Quota quota, Project* p, int retry_after_s, std::string message,
                                   std::string rate_limits, std::uint32_t minute) {
  refused_[static_cast<std::size_t>(quota)].fetch_add(1, std::memory_order_relaxed);
  std::atomic<std::uint32_t>& logged =
      p ? p->logged[static_cast<std::size_t>(quota)] : database_logged_;
  if (first_in_minute(logged, minute)) {
    spdlog::warn("ingest: rate-limited: {}; answering 429 (logged once a minute)", message);
  }
  return QuotaRefusal{quota, retry_after_s, std::move(message), std::move(rate_limits)};
}

std::optional<QuotaRefusal> ProjectQuotas::admit(std::int64_t project, std::size_t records,
                                                 bool errors, std::int64_t now_ms) {
  const std::uint32_t minute = minute_of(now_ms);
  Project* p = find(project);
  if (options_.max_database_bytes > 0) {
    const std::uint64_t bytes = database_size(now_ms);
    if (bytes >= options_.max_database_bytes) {
      return refuse(Quota::kDatabaseSize, nullptr, kRetryAfterS,
                    "the database is " + size_text(bytes) + ", at its quota of " +
                        size_text(options_.max_database_bytes) + " (ingest.max_database_size)",
                    std::to_string(kRetryAfterS) + "::organization:edgewatch_database_size",
                    minute);
    }
  }
  if (!p) return std::nullopt;
  const auto who = [project] { return "project " + std::to_string(project); };
  if (errors && options_.max_issues > 0) {
    const std::int64_t issues = p->issues.load(std::memory_order_relaxed);
    if (issues >= options_.max_issues) {
      return refuse(Quota::kIssues, p, kRetryAfterS,
                    who() + " has " + std::to_string(issues) + " stored issues, its quota " +
                        "(ingest.project_max_issues); error events are refused",
                    std::to_string(kRetryAfterS) + ":error:project:edgewatch_issue_quota", minute);
    }
  }
  if (options_.items_per_minute > 0 && !take(*p, records, minute)) {
    const int retry = seconds_left_in_minute(now_ms);
    return refuse(Quota::kItemsPerMinute, p, retry,
                  who() + " is over its quota of " + std::to_string(options_.items_per_minute) +
                      " items per minute (ingest.project_items_per_minute)",
                  std::to_string(retry) + "::project:edgewatch_items_per_minute", minute);
  }
  return std::nullopt;
}

void ProjectQuotas::add_issues(std::int64_t project, std::size_t count) {
  if (count == 0) return;
  if (Project* p = find(project)) {
    p->issues.fetch_add(static_cast<std::int64_t>(count), std::memory_order_relaxed);
  }
}

void ProjectQuotas::set_issues(const std::vector<std::pair<std::int64_t, std::int64_t>>& counts) {
  for (const std::unique_ptr<Project>& p : projects_) {
    std::int64_t n = 0;
    for (const auto& [id, issues] : counts) {
      if (id == p->id) n = issues;
    }
    p->issues.store(n, std::memory_order_relaxed);
  }
}

bool ProjectQuotas::issues_resync_due(std::int64_t now_ms) {
  std::int64_t synced = issues_synced_ms_.load(std::memory_order_relaxed);
  return now_ms - synced >= kMinuteMs && issues_synced_ms_.compare_exchange_strong(synced, now_ms);
}

}  // namespace ew::ingest
