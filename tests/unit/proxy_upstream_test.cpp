#include <gtest/gtest.h>

#include <map>

#include "proxy/upstream.h"

namespace ew::proxy {
namespace {

using namespace std::chrono_literals;

CircuitOptions circuit(int failures, std::chrono::milliseconds base = 1000ms,
                       std::chrono::milliseconds max = 8000ms) {
  return {failures, base, max};
}

std::unique_ptr<Upstream> upstream(const std::string& name, CircuitOptions c = circuit(3)) {
  return std::make_unique<Upstream>("http://" + name, name, 80, "/", c);
}

TEST(Circuit, OpensAfterConsecutiveFailuresAndBacksOffLongerEachTime) {
  auto u = upstream("a");
  auto t0 = Clock::now();
  u->record_failure(t0);
  u->record_failure(t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kClosed);
  u->record_success();  // resets the run
  u->record_failure(t0);
  u->record_failure(t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kClosed);
  u->record_failure(t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kOpen);
  EXPECT_FALSE(u->available(t0 + 999ms));
  // Half-open after the ejection: exactly one trial at a time.
  auto t1 = t0 + 1001ms;
  EXPECT_EQ(u->circuit(t1), CircuitState::kHalfOpen);
  EXPECT_TRUE(u->available(t1));
  EXPECT_TRUE(u->try_begin_trial(t1));
  EXPECT_FALSE(u->available(t1));
  EXPECT_FALSE(u->try_begin_trial(t1));
  // The trial fails: ejected again at once, for twice as long.
  u->record_failure(t1);
  EXPECT_EQ(u->circuit(t1 + 1999ms), CircuitState::kOpen);
  EXPECT_EQ(u->circuit(t1 + 2001ms), CircuitState::kHalfOpen);
  // A successful trial closes it.
  auto t2 = t1 + 2001ms;
  EXPECT_TRUE(u->try_begin_trial(t2));
  u->record_success();
  EXPECT_EQ(u->circuit(t2), CircuitState::kClosed);
  EXPECT_TRUE(u->available(t2));
}

TEST(Circuit, BackoffIsCappedAtTheMaximum) {
  auto u = upstream("a", circuit(1, 1000ms, 3000ms));
  auto t = Clock::now();
  for (int i = 0; i < 6; ++i) {
    u->record_failure(t);
    t = u->ejected_until() + 1ms;
  }
  auto now = Clock::now();
  u->record_failure(now);
  EXPECT_LE(u->ejected_until() - now, 3000ms);
  EXPECT_GE(u->ejected_until() - now, 2999ms);
}

TEST(Pool, RoundRobinVisitsEveryAvailableUpstream) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("a"));
  list.push_back(upstream("b"));
  list.push_back(upstream("c"));
  list[1]->set_healthy(false);
  Pool pool(std::move(list), Balancer::kRoundRobin);
  std::map<std::string, int> seen;
  for (int i = 0; i < 100; ++i) seen[pool.pick(Clock::now(), {})->host()]++;
  EXPECT_EQ(seen.count("b"), 0u);
  EXPECT_EQ(seen["a"], 50);
  EXPECT_EQ(seen["c"], 50);
}

TEST(Pool, LeastRequestPrefersTheLessBusy) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("busy"));
  list.push_back(upstream("idle"));
  for (int i = 0; i < 10; ++i) list[0]->begin();
  Pool pool(std::move(list), Balancer::kLeastRequest);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(pool.pick(Clock::now(), {})->host(), "idle");
}

TEST(Pool, SkipsTriedAndReportsNoneWhenAllAreOut) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("a", circuit(1, 4000ms)));
  list.push_back(upstream("b", circuit(1, 4000ms)));
  Upstream* a = list[0].get();
  Upstream* b = list[1].get();
  Pool pool(std::move(list), Balancer::kLeastRequest);
  auto now = Clock::now();
  EXPECT_EQ(pool.pick(now, {a}), b);
  a->record_failure(now);
  b->record_failure(now);
  EXPECT_EQ(pool.pick(now, {}), nullptr);
  auto wait = pool.retry_after(now);
  EXPECT_GE(wait, 3s);
  EXPECT_LE(wait, 4s);
}

TEST(RetryBudget, AllowsAShareOfRequestsInFlightWithAMinimum) {
  RetryBudget budget(0.2, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(budget.try_begin_retry());
  EXPECT_FALSE(budget.try_begin_retry()) << "minimum of 3 with nothing in flight";
  for (int i = 0; i < 30; ++i) budget.begin_request();
  EXPECT_TRUE(budget.try_begin_retry());
  EXPECT_TRUE(budget.try_begin_retry());
  EXPECT_TRUE(budget.try_begin_retry());
  EXPECT_FALSE(budget.try_begin_retry()) << "20% of 30 is 6";
  budget.end_retry();
  EXPECT_TRUE(budget.try_begin_retry());
}

TEST(Histogram, CountsIntoBucketsAndSums) {
  Histogram h;
  h.observe(0.0005);
  h.observe(0.003);
  h.observe(20);
  auto c = h.counts();
  EXPECT_EQ(c[0], 1u);
  EXPECT_EQ(c[2], 1u);
  EXPECT_EQ(c.back(), 1u);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_NEAR(h.sum(), 20.0035, 1e-4);
}

}  // namespace
}  // namespace ew::proxy
