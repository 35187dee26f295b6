// Waiting on conditions rather than on time, for unit and integration tests alike.
//
//   ASSERT_TRUE(wait_until([&] { return stats().delivered == 1; }, 5s, "one delivery"));
//
// A test never sleeps a fixed time to let something happen: it names the condition that shows
// it happened and waits for that, up to a deadline generous enough for a loaded machine. The
// deadline only bounds a failure; a passing test waits as long as the condition takes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace ew::test {

// Polls `done` until it returns true or `timeout` has passed; a failure names `what` and how long
// was waited. The poll interval starts at 1 ms and grows to 20 ms, so a quick condition costs
// little and a slow one does not spin.
inline ::testing::AssertionResult wait_until(const std::function<bool()>& done,
                                             std::chrono::milliseconds timeout,
                                             const std::string& what) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout;
  auto interval = std::chrono::milliseconds(1);
  for (;;) {
    if (done()) return ::testing::AssertionSuccess();
    if (Clock::now() >= deadline) break;
    // The one sleep of a poll: the time between two looks at the condition.
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::milliseconds(20));
  }
  return ::testing::AssertionFailure()
         << "timed out after " << timeout.count() << " ms waiting for " << what;
}

}  // namespace ew::test
