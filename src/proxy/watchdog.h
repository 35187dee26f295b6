// A Watchdog enforces "no progress for this long" cheaply: arming it only moves a deadline,
// and the one timer re-checks it when it wakes.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace ew::proxy {

class Watchdog : public std::enable_shared_from_this<Watchdog> {
 public:
  using Clock = std::chrono::steady_clock;

  // on_expire runs on the executor's thread, at most once, unless stop() came first.
  static std::shared_ptr<Watchdog> start(boost::asio::any_io_executor executor,
                                         std::function<void()> on_expire);
  explicit Watchdog(boost::asio::any_io_executor executor, std::function<void()> on_expire)
      : timer_(executor), on_expire_(std::move(on_expire)) {}

  void arm(std::chrono::milliseconds timeout) { deadline_ = Clock::now() + timeout; }
  void stop();
  bool fired() const { return fired_; }

 private:
  void schedule();

  boost::asio::steady_timer timer_;
  std::function<void()> on_expire_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool stopped_ = false;
  bool fired_ = false;
};

}  // namespace ew::proxy
