#include <gtest/gtest.h>

#include <map>

#include "proxy/upstream.h"

namespace ew::proxy {
namespace {

using namespace std::chrono_literals;

CircuitOptions circuit(int failures, std::chrono::milliseconds base = 1000ms,
                       std::chrono::milliseconds max = 8000ms, int min_clients = 1,
                       int half_open = 1) {
  CircuitOptions c;
  c.consecutive_failures = failures;
  c.base_ejection = base;
  c.max_ejection = max;
  c.min_clients = min_clients;
  c.half_open_requests = half_open;
  return c;
}

std::unique_ptr<Upstream> upstream(const std::string& name, CircuitOptions c = circuit(3)) {
  return std::make_unique<Upstream>("http://" + name, name, 80, "/", c);
}

const std::uint64_t kAlice = client_key("127.0.0.2");
const std::uint64_t kBob = client_key("127.0.0.3");
const std::uint64_t kCarol = client_key("127.0.0.4");

// One request's whole life against one upstream: admitted at `at`, then failed at `at`.
bool fail(Upstream& u, Clock::time_point at, std::uint64_t client = kAlice,
          Fault fault = Fault::kRequest) {
  Admission a = u.try_admit(at);
  if (!a) return false;
  u.record_failure(a, at, client, fault);
  return true;
}

bool succeed(Upstream& u, Clock::time_point at) {
  Admission a = u.try_admit(at);
  if (!a) return false;
  u.record_success(a);
  return true;
}

TEST(Circuit, OpensAfterConsecutiveFailuresAndBacksOffLongerEachTime) {
  auto u = upstream("a");
  auto t0 = Clock::now();
  fail(*u, t0);
  fail(*u, t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kClosed);
  succeed(*u, t0);  // resets the run
  fail(*u, t0);
  fail(*u, t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kClosed);
  fail(*u, t0);
  EXPECT_EQ(u->circuit(t0), CircuitState::kOpen);
  EXPECT_FALSE(u->available(t0 + 999ms));
  EXPECT_FALSE(u->try_admit(t0 + 999ms));
  // Half-open after the ejection: one probe at a time here.
  auto t1 = t0 + 1001ms;
  EXPECT_EQ(u->circuit(t1), CircuitState::kHalfOpen);
  EXPECT_TRUE(u->available(t1));
  Admission probe = u->try_admit(t1);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe.pass(), Pass::kProbe);
  EXPECT_FALSE(u->available(t1));
  EXPECT_FALSE(u->try_admit(t1));
  // The probe fails: ejected again at once, for twice as long.
  u->record_failure(probe, t1, kAlice, Fault::kRequest);
  EXPECT_EQ(u->circuit(t1 + 1999ms), CircuitState::kOpen);
  EXPECT_EQ(u->circuit(t1 + 2001ms), CircuitState::kHalfOpen);
  // A successful probe closes it.
  auto t2 = t1 + 2001ms;
  EXPECT_TRUE(succeed(*u, t2));
  EXPECT_EQ(u->circuit(t2), CircuitState::kClosed);
  EXPECT_TRUE(u->available(t2));
}

// The problem found on main: 30 slow requests admitted together that time out together
// ejected the upstream six times in a row (10 s doubling to the 5 min cap), while the first five
// alone were the news.
TEST(Circuit, RequestsAdmittedBeforeAnEjectionCannotExtendOrDoubleIt) {
  auto u = upstream("a", circuit(5, 1000ms, 30000ms, 2));
  auto t0 = Clock::now();
  std::vector<Admission> slow;
  for (int i = 0; i < 30; ++i) slow.push_back(u->try_admit(t0));
  auto t1 = t0 + 60s;  // they time out together
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(slow[i]);
    u->record_failure(slow[i], t1, i % 2 ? kAlice : kBob, Fault::kRequest);
  }
  EXPECT_EQ(u->circuit(t1), CircuitState::kOpen);
  EXPECT_EQ(u->ejected_until(), t1 + 1000ms) << "one ejection, of the base length";
  EXPECT_EQ(u->stats.failures.load(), 30u) << "every failure is still counted for the metrics";
}

TEST(Circuit, OneClientsFailuresDoNotEject) {
  auto u = upstream("a", circuit(5, 1000ms, 30000ms, 2));
  auto t = Clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(fail(*u, t, kAlice));
  EXPECT_EQ(u->circuit(t), CircuitState::kClosed) << "50 failures, all from one client";
  ASSERT_TRUE(fail(*u, t, kBob));
  EXPECT_EQ(u->circuit(t), CircuitState::kOpen) << "a second client fails too";
}

TEST(Circuit, ConnectFailuresEjectWhicheverClientMetThem) {
  auto u = upstream("a", circuit(3, 1000ms, 30000ms, 2));
  auto t = Clock::now();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail(*u, t, kAlice, Fault::kUpstream));
  EXPECT_EQ(u->circuit(t), CircuitState::kOpen);
}

TEST(Circuit, PanicRequestsNeverCount) {
  auto u = upstream("a", circuit(1));
  auto t0 = Clock::now();
  ASSERT_TRUE(fail(*u, t0));
  auto until = u->ejected_until();
  for (int i = 0; i < 10; ++i) {
    Admission a = u->admit_in_panic(t0 + 10ms);
    EXPECT_EQ(a.pass(), Pass::kPanic);
    u->record_failure(a, t0 + 10ms, kAlice, Fault::kUpstream);
  }
  EXPECT_EQ(u->ejected_until(), until);
  EXPECT_EQ(u->circuit(until + 1ms), CircuitState::kHalfOpen);
}

TEST(Circuit, HalfOpenLetsSeveralProbesThroughAndClosesAfterAsManySuccesses) {
  auto u = upstream("a", circuit(1, 1000ms, 8000ms, 1, 3));
  auto t0 = Clock::now();
  ASSERT_TRUE(fail(*u, t0));
  auto t1 = t0 + 1001ms;
  Admission a = u->try_admit(t1);
  Admission b = u->try_admit(t1);
  {
    Admission c = u->try_admit(t1);
    ASSERT_TRUE(a && b && c);
    EXPECT_FALSE(u->try_admit(t1)) << "three probes at once, not four";
    EXPECT_FALSE(u->available(t1));
  }  // c is dropped unused (its client left): its slot comes back
  EXPECT_TRUE(u->available(t1));
  Admission c = u->try_admit(t1);
  ASSERT_TRUE(c);
  u->record_success(a);
  u->record_success(b);
  EXPECT_EQ(u->circuit(t1), CircuitState::kHalfOpen) << "two successes of three";
  u->record_success(c);
  EXPECT_EQ(u->circuit(t1), CircuitState::kClosed);
}

TEST(Circuit, ProbeFailuresFromOneClientDoNotEjectAgain) {
  auto u = upstream("a", circuit(1, 1000ms, 8000ms, 2, 3));
  auto t0 = Clock::now();
  ASSERT_TRUE(fail(*u, t0, kAlice, Fault::kUpstream));
  auto t1 = t0 + 1001ms;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fail(*u, t1, kAlice));
  EXPECT_EQ(u->circuit(t1), CircuitState::kHalfOpen);
  ASSERT_TRUE(fail(*u, t1, kBob));
  EXPECT_EQ(u->circuit(t1), CircuitState::kOpen);
  EXPECT_EQ(u->ejected_until(), t1 + 2000ms) << "the second ejection in a row: twice as long";
}

TEST(Circuit, BackoffIsCappedAtTheMaximum) {
  auto u = upstream("a", circuit(1, 1000ms, 3000ms));
  auto t = Clock::now();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(fail(*u, t));
    t = u->ejected_until() + 1ms;
  }
  ASSERT_TRUE(fail(*u, t));
  EXPECT_EQ(u->ejected_until() - t, 3000ms);
}

TEST(Circuit, APassingHealthCheckLiftsAnOlderEjection) {
  auto u = upstream("a", circuit(1, 10000ms, 30000ms));
  auto t0 = Clock::now();
  ASSERT_TRUE(fail(*u, t0));
  EXPECT_FALSE(u->clear_ejection(t0 - 1ms)) << "a check begun before the ejection says nothing";
  EXPECT_EQ(u->circuit(t0 + 1s), CircuitState::kOpen);
  EXPECT_TRUE(u->clear_ejection(t0 + 1s));
  EXPECT_EQ(u->circuit(t0 + 1s), CircuitState::kClosed);
  EXPECT_TRUE(u->available(t0 + 1s));
  // And the back-off starts over.
  ASSERT_TRUE(fail(*u, t0 + 2s));
  EXPECT_EQ(u->ejected_until(), t0 + 12s);
}

TEST(Pool, RoundRobinVisitsEveryAvailableUpstream) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("a"));
  list.push_back(upstream("b"));
  list.push_back(upstream("c"));
  list[1]->set_healthy(false);
  Pool pool(std::move(list), Balancer::kRoundRobin);
  std::map<std::string, int> seen;
  for (int i = 0; i < 100; ++i) seen[pool.admit(Clock::now(), {}).upstream()->host()]++;
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
  for (int i = 0; i < 50; ++i) EXPECT_EQ(pool.admit(Clock::now(), {}).upstream()->host(), "idle");
}

std::vector<std::unique_ptr<Upstream>> two_upstreams(Upstream** a, Upstream** b) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("a", circuit(1, 4000ms)));
  list.push_back(upstream("b", circuit(1, 4000ms)));
  *a = list[0].get();
  *b = list[1].get();
  return list;
}

TEST(Pool, SkipsTriedAndReportsNoneWhenAllAreOutAndPanicIsOff) {
  Upstream* a;
  Upstream* b;
  PoolOptions options;
  options.panic_threshold = 0;
  Pool pool(two_upstreams(&a, &b), options);
  auto now = Clock::now();
  EXPECT_EQ(pool.admit(now, {a}).upstream(), b);
  fail(*a, now);
  fail(*b, now);
  EXPECT_FALSE(pool.admit(now, {}));
  auto wait = pool.retry_after(now);
  EXPECT_GE(wait, 3s);
  EXPECT_LE(wait, 4s);
}

TEST(Pool, PanicSendsToEjectedUpstreamsRatherThanRefuseEveryone) {
  Upstream* a;
  Upstream* b;
  Pool pool(two_upstreams(&a, &b), PoolOptions{});  // panic below 50% by default
  auto now = Clock::now();
  fail(*a, now);
  EXPECT_FALSE(pool.panicking(now)) << "one of two still takes requests: no panic";
  for (int i = 0; i < 20; ++i) {
    Admission admission = pool.admit(now, {});
    EXPECT_EQ(admission.upstream(), b);
    EXPECT_EQ(admission.pass(), Pass::kClosed);
  }
  fail(*b, now);
  EXPECT_TRUE(pool.panicking(now));
  std::map<const Upstream*, int> seen;
  for (int i = 0; i < 40; ++i) {
    Admission admission = pool.admit(now, {});
    ASSERT_TRUE(admission);
    EXPECT_EQ(admission.pass(), Pass::kPanic);
    seen[admission.upstream()]++;
  }
  EXPECT_EQ(seen.size(), 2u) << "spread over both";
  Admission last = pool.admit(now, {a});
  EXPECT_EQ(last.upstream(), b) << "a retry still goes elsewhere";
  EXPECT_FALSE(pool.admit(now, {a, b}));
  // Panic requests that fail do not extend either ejection.
  auto until = a->ejected_until();
  Admission again = pool.admit(now + 1s, {b});
  pool.record_failure(again, kAlice, Fault::kUpstream, now + 1s);
  EXPECT_EQ(a->ejected_until(), until);
}

TEST(Pool, PanicThresholdIsAShareOfThePool) {
  std::vector<std::unique_ptr<Upstream>> list;
  for (const char* name : {"a", "b", "c", "d"}) list.push_back(upstream(name, circuit(1)));
  std::vector<Upstream*> u;
  for (auto& p : list) u.push_back(p.get());
  PoolOptions options;
  options.panic_threshold = 0.5;
  Pool pool(std::move(list), options);
  auto now = Clock::now();
  fail(*u[0], now);
  fail(*u[1], now);
  EXPECT_FALSE(pool.panicking(now)) << "2 of 4 is not fewer than half";
  fail(*u[2], now);
  EXPECT_TRUE(pool.panicking(now)) << "1 of 4 is";
  std::map<const Upstream*, int> seen;
  for (int i = 0; i < 200; ++i) seen[pool.admit(now, {}).upstream()]++;
  EXPECT_EQ(seen.size(), 4u);
}

TEST(ClientLedger, AClientFailingWhileOthersAreServedIsHeldBack) {
  ClientLedger ledger({3, 10000ms});
  auto t = Clock::now();
  for (int i = 0; i < 3; ++i) {
    ledger.success(kBob, t + 1ms);
    ledger.failure(kAlice, t, t + 2ms);
    t += 200ms;  // one failure now and then is still one run
  }
  EXPECT_GT(ledger.blocked_for(kAlice, t), 9000ms);
  EXPECT_EQ(ledger.blocked_for(kBob, t), 0ms);
  EXPECT_EQ(ledger.blocked_for(kAlice, t + 10s), 0ms) << "for a while only";
}

TEST(ClientLedger, NobodyIsHeldBackInAnOutage) {
  ClientLedger ledger({3, 10000ms});
  auto t = Clock::now();
  ledger.success(kBob, t);
  t += 1s;
  for (int i = 0; i < 20; ++i) {
    ledger.failure(kAlice, t, t + 1ms);
    ledger.failure(kBob, t, t + 1ms);
    ledger.failure(kCarol, t, t + 1ms);
    t += 10ms;
  }
  EXPECT_EQ(ledger.blocked_for(kAlice, t), 0ms);
  EXPECT_EQ(ledger.blocked_for(kBob, t), 0ms);
  EXPECT_EQ(ledger.blocked_for(kCarol, t), 0ms);
}

TEST(ClientLedger, SlowRequestsOutlivedByOthersSuccessesCount) {
  ClientLedger ledger({5, 10000ms});
  auto started = Clock::now();
  ledger.success(kBob, started + 100ms);  // served while the slow ones ran
  for (int i = 0; i < 5; ++i) ledger.failure(kAlice, started, started + 1s);
  EXPECT_GT(ledger.blocked_for(kAlice, started + 1s), 0ms);
}

TEST(ClientLedger, ASuccessStartsTheCountOver) {
  ClientLedger ledger({3, 10000ms});
  auto t = Clock::now();
  for (int i = 0; i < 10; ++i) {
    ledger.success(kBob, t + 1ms);
    ledger.failure(kAlice, t, t + 2ms);
    if (i % 2) ledger.success(kAlice, t + 3ms);
    t += 10ms;
  }
  EXPECT_EQ(ledger.blocked_for(kAlice, t), 0ms);
}

TEST(Pool, OneClientsErrorsHoldThatClientBackNotTheUpstream) {
  std::vector<std::unique_ptr<Upstream>> list;
  list.push_back(upstream("a", circuit(5, 10000ms, 30000ms, 2, 3)));
  Upstream* a = list[0].get();
  PoolOptions options;
  options.panic_threshold = 0;  // so that an ejection would show as a refusal
  options.clients = {5, 10000ms};
  Pool pool(std::move(list), options);
  auto t = Clock::now();
  int bob_served = 0;
  for (int i = 0; i < 100; ++i) {
    if (pool.clients().blocked_for(kAlice, t) == 0ms) {
      Admission attack = pool.admit(t, {});
      ASSERT_TRUE(attack);
      pool.record_failure(attack, kAlice, Fault::kRequest, t + 1ms);
    }
    Admission ok = pool.admit(t + 2ms, {});
    if (ok) {
      pool.record_success(ok, kBob, t + 3ms);
      ++bob_served;
    }
    t += 10ms;
  }
  EXPECT_EQ(bob_served, 100);
  EXPECT_EQ(a->circuit(t), CircuitState::kClosed);
  EXPECT_GT(pool.clients().blocked_for(kAlice, t), 0ms);
  EXPECT_EQ(pool.clients().blocked_for(kBob, t), 0ms);
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
  telemetry::Histogram h;
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
