// The in-memory guards: token buckets per address or key, per-session minute windows, and the
// metric-name cardinality cap.
#include "ingest/guards.h"

#include <gtest/gtest.h>

namespace ew::ingest {
namespace {

TEST(IngestGuards, TokenBucketsRefillAtTheirRate) {
  TokenBuckets buckets(2, 3);  // 2 per second, burst 3
  int retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(buckets.take("10.0.0.1", 1, 100.0, retry));
  EXPECT_FALSE(buckets.take("10.0.0.1", 1, 100.0, retry));
  EXPECT_EQ(retry, 1);
  EXPECT_TRUE(buckets.take("10.0.0.2", 1, 100.0, retry));  // other keys are independent
  EXPECT_TRUE(buckets.take("10.0.0.1", 1, 100.5, retry));  // half a second refills one token
  EXPECT_FALSE(buckets.take("10.0.0.1", 1, 100.5, retry));
  EXPECT_TRUE(buckets.take("10.0.0.1", 3, 102.0, retry));  // never more than the burst
  EXPECT_FALSE(buckets.take("10.0.0.1", 1, 102.0, retry));
  TokenBuckets off(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.take("x", 1, 0, retry));
}

TEST(IngestGuards, TokenBucketsRefundNeverExceedsTheBurst) {
  TokenBuckets buckets(1, 2);
  int retry = 0;
  EXPECT_TRUE(buckets.take("a", 1, 0, retry));
  EXPECT_TRUE(buckets.take("a", 1, 0, retry));
  EXPECT_FALSE(buckets.take("a", 1, 0, retry));
  buckets.refund("a", 1);
  EXPECT_TRUE(buckets.take("a", 1, 0, retry));
  buckets.refund("a", 5);  // capped at the burst of 2
  EXPECT_TRUE(buckets.take("a", 1, 0, retry));
  EXPECT_TRUE(buckets.take("a", 1, 0, retry));
  EXPECT_FALSE(buckets.take("a", 1, 0, retry));
  buckets.refund("unknown", 1);  // no bucket, nothing to give back
  EXPECT_TRUE(buckets.take("unknown", 2, 0, retry));
}

TEST(IngestGuards, TokenBucketsStayBounded) {
  TokenBuckets buckets(1, 1, /*max_keys=*/10);
  int retry = 0;
  for (int i = 0; i < 1000; ++i) buckets.take("k" + std::to_string(i), 1, 0.0, retry);
  // Still working, and a key seen long ago starts afresh rather than being remembered forever.
  EXPECT_TRUE(buckets.take("k0", 1, 10.0, retry));
}

TEST(IngestGuards, SessionWindowCapsItemsPerMinute) {
  SessionWindow window(5);
  const std::int64_t t = 1'750'000'040'000;  // 20 s into a minute
  EXPECT_EQ(window.admit("s1", 3, t), 3u);
  EXPECT_EQ(window.admit("s1", 3, t + 1000), 2u);
  EXPECT_EQ(window.admit("s1", 1, t + 2000), 0u);
  EXPECT_EQ(window.admit("s2", 4, t), 4u);
  EXPECT_EQ(window.admit("", 100, t), 100u);         // no session, no cap
  EXPECT_EQ(window.admit("s1", 5, t + 60'000), 5u);  // the next minute starts afresh
  EXPECT_EQ(SessionWindow::seconds_left(t), 40);
  SessionWindow off(0);
  EXPECT_EQ(off.admit("s", 1000, t), 1000u);
}

TEST(IngestGuards, NameGuardFoldsNamesAndSeriesBeyondTheCaps) {
  NameGuard guard(2, 3);
  std::string name = "a", tags = "x=1";
  EXPECT_FALSE(guard.admit(name, tags));
  name = "b";
  tags = "x=1";
  EXPECT_FALSE(guard.admit(name, tags));
  name = "c";
  tags = "x=1";
  EXPECT_TRUE(guard.admit(name, tags));  // a third name: folded
  EXPECT_EQ(name, "other");
  EXPECT_EQ(tags, "");
  name = "a";
  tags = "x=2";
  EXPECT_TRUE(guard.admit(name, tags));  // a known name, but past the series cap: no tags
  EXPECT_EQ(name, "a");
  EXPECT_EQ(tags, "");
  name = "a";
  tags = "x=1";
  EXPECT_FALSE(guard.admit(name, tags));  // known series pass unchanged
  EXPECT_EQ(tags, "x=1");
}

}  // namespace
}  // namespace ew::ingest
