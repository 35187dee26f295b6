#include "proxy/watchdog.h"

namespace ew::proxy {

std::shared_ptr<Watchdog> Watchdog::start(boost::asio::any_io_executor executor,
                                          std::function<void()> on_expire) {
  auto watchdog = std::make_shared<Watchdog>(executor, std::move(on_expire));
  watchdog->schedule();
  return watchdog;
}

void Watchdog::schedule() {
  auto wake =
      deadline_ == Clock::time_point::max() ? Clock::now() + std::chrono::seconds(1) : deadline_;
  timer_.expires_at(wake);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    if (self->stopped_) return;
    if (Clock::now() >= self->deadline_) {
      self->fired_ = true;
      self->on_expire_();
      return;
    }
    self->schedule();
  });
}

void Watchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace ew::proxy
