// Per-project quotas: records per minute, stored issues, database size; other projects keep
// their own allowance, and each refusal carries Retry-After and X-Sentry-Rate-Limits values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/quota.h"

namespace ew::ingest {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kT0 = 29'000'000 * kMinute + 10'000;  // 10 s into a minute

const std::vector<std::int64_t> kProjects{0, 42, 43};

TEST(IngestQuota, ItemsPerMinutePerProject) {
  QuotaOptions o;
  o.items_per_minute = 5;
  o.max_database_bytes = 0;
  ProjectQuotas q(o, kProjects, "/nonexistent/db");
  EXPECT_FALSE(q.admit(42, 3, false, kT0));
  EXPECT_FALSE(q.admit(42, 2, false, kT0 + 1));
  auto refusal = q.admit(42, 1, false, kT0 + 2);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->quota, Quota::kItemsPerMinute);
  EXPECT_EQ(refusal->retry_after_s, 50);
  EXPECT_EQ(refusal->rate_limits, "50::project:edgewatch_items_per_minute");
  EXPECT_NE(refusal->message.find("project 42"), std::string::npos) << refusal->message;
  EXPECT_NE(refusal->message.find("ingest.project_items_per_minute"), std::string::npos);
  // Another project, and the next minute, are unaffected; a refused request counts nothing.
  EXPECT_FALSE(q.admit(43, 5, false, kT0));
  EXPECT_FALSE(q.admit(42, 5, false, kT0 + kMinute));
  EXPECT_EQ(q.refused(Quota::kItemsPerMinute), 1u);
  // A request larger than what is left is refused whole.
  EXPECT_FALSE(q.admit(0, 4, false, kT0));
  EXPECT_TRUE(q.admit(0, 2, false, kT0));
  EXPECT_FALSE(q.admit(0, 1, false, kT0));
}

TEST(IngestQuota, StoredIssuesRefuseErrorsOnly) {
  QuotaOptions o;
  o.max_issues = 2;
  o.max_database_bytes = 0;
  ProjectQuotas q(o, kProjects, "");
  q.set_issues({{42, 1}});
  EXPECT_FALSE(q.admit(42, 1, true, kT0));
  q.add_issues(42, 1);
  auto refusal = q.admit(42, 1, true, kT0);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->quota, Quota::kIssues);
  EXPECT_EQ(refusal->rate_limits, "60:error:project:edgewatch_issue_quota");
  EXPECT_FALSE(q.admit(42, 1, false, kT0)) << "records that are not errors are still stored";
  EXPECT_FALSE(q.admit(43, 1, true, kT0));
  q.set_issues({});  // retention deleted them
  EXPECT_FALSE(q.admit(42, 1, true, kT0));
  EXPECT_TRUE(q.issues_resync_due(kT0));
  EXPECT_FALSE(q.issues_resync_due(kT0 + 1));
  EXPECT_TRUE(q.issues_resync_due(kT0 + kMinute));
}

TEST(IngestQuota, DatabaseSizeRefusesEveryProject) {
  const std::string dir = testing::TempDir() + "/quota_db";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/m.db";
  std::ofstream(path) << std::string(600, 'x');
  std::ofstream(path + "-wal") << std::string(600, 'x');
  QuotaOptions o;
  o.max_database_bytes = 1000;
  ProjectQuotas q(o, kProjects, path);
  for (std::int64_t project : {0, 42, 99}) {
    auto refusal = q.admit(project, 1, false, kT0);
    ASSERT_TRUE(refusal) << project;
    EXPECT_EQ(refusal->quota, Quota::kDatabaseSize);
    EXPECT_EQ(refusal->rate_limits, "60::organization:edgewatch_database_size");
  }
  EXPECT_EQ(q.database_bytes(), 1200u);
  std::filesystem::remove(path + "-wal");
  EXPECT_TRUE(q.admit(0, 1, false, kT0 + 500)) << "looked up at most once a second";
  EXPECT_FALSE(q.admit(0, 1, false, kT0 + 1000));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ew::ingest
