// Per-project ingestion quotas, so that one address (or one runaway page) cannot fill the
// database however fast it sends: records stored per minute per project, issues stored per
// project, and the size of the database file (one limit for every project: storage is per
// replica). Over a quota, the ingestion endpoints answer 429 with Retry-After and a Sentry-style
// X-Sentry-Rate-Limits header, so the SDK backs off instead of retrying at once; the first
// refusal of each quota and project in a minute is logged, never one line per request.
//
// The request path reads and updates atomics only: projects are fixed at startup, the minute
// window is one 64-bit word per project, and the database size is looked up at most once a
// second. Issue counts follow the writer's commits and are re-read from the store every minute
// (retention deletes issues).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ew::ingest {

struct QuotaOptions {
  std::uint32_t items_per_minute = 60'000;        // records per project and minute; 0 = off
  std::int64_t max_issues = 10'000;               // stored issues per project; 0 = off
  std::uint64_t max_database_bytes = 1ULL << 30;  // database file and its WAL; 0 = off
};

enum class Quota : std::uint8_t { kItemsPerMinute, kIssues, kDatabaseSize };
inline constexpr std::size_t kQuotaCount = 3;
inline constexpr std::array<Quota, kQuotaCount> kQuotas = {Quota::kItemsPerMinute, Quota::kIssues,
                                                           Quota::kDatabaseSize};
// "items_per_minute", "issues", "database_size": the label of the /metrics counter.
std::string_view quota_name(Quota quota);

struct QuotaRefusal {
  Quota quota = Quota::kItemsPerMinute;
  int retry_after_s = 60;
  std::string message;      // which project, which limit, which configuration key
  std::string rate_limits;  // the X-Sentry-Rate-Limits value
};

class ProjectQuotas {
 public:
  // `projects`: every project id that will be asked about (0, the seed endpoints, included).
  // `database_path`: the SQLite file; its "-wal" file counts too.
  ProjectQuotas(QuotaOptions options, std::span<const std::int64_t> projects,
                std::string database_path);

  // Whether `records` records of `project` may be stored now, `errors` saying whether any is an
  // error event (only those can create issues). When they may, they are counted against the
  // project's minute; when not, nothing is counted and the refusal says why. Projects not
  // given to the constructor have no quota but the database size.
  std::optional<QuotaRefusal> admit(std::int64_t project, std::size_t records, bool errors,
                                    std::int64_t now_ms);

  // Issues created by a commit.
  void add_issues(std::int64_t project, std::size_t count);
  // The store's counts, (project, issues); projects missing from it have none.
  void set_issues(const std::vector<std::pair<std::int64_t, std::int64_t>>& counts);
  // True once per minute (to one caller): time to re-read the issue counts.
  bool issues_resync_due(std::int64_t now_ms);
  bool issues_enabled() const { return options_.max_issues > 0; }

  std::uint64_t refused(Quota quota) const {
    return refused_[static_cast<std::size_t>(quota)].load(std::memory_order_relaxed);
  }
  std::uint64_t database_bytes() const { return database_bytes_.load(std::memory_order_relaxed); }
  const QuotaOptions& options() const { return options_; }

 private:
  struct Project {
    std::int64_t id = 0;
    std::atomic<std::uint64_t> window{0};  // minute << 32 | records counted in that minute
    std::atomic<std::int64_t> issues{0};
    std::array<std::atomic<std::uint32_t>, kQuotaCount> logged{};  // minute of the last log line
  };
  Project* find(std::int64_t id);
  bool take(Project& p, std::size_t records, std::uint32_t minute);
  std::uint64_t database_size(std::int64_t now_ms);
  QuotaRefusal refuse(Quota quota, Project* p, int retry_after_s, std::string message,
                      std::string rate_limits, std::uint32_t minute);

  QuotaOptions options_;
  std::vector<std::unique_ptr<Project>> projects_;  // sorted by id
  std::string database_path_;
  std::atomic<std::int64_t> database_checked_ms_{-1'000'000};
  std::atomic<std::uint64_t> database_bytes_{0};
  std::atomic<std::uint32_t> database_logged_{0};
  std::atomic<std::int64_t> issues_synced_ms_{0};
  std::array<std::atomic<std::uint64_t>, kQuotaCount> refused_{};
};

}  // namespace ew::ingest
