#include "proxy/watchdog.h"

#include "net/peek.h"

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

std::shared_ptr<ClientWatch> ClientWatch::start(boost::asio::ip::tcp::socket& client,
                                                std::function<void()> on_hangup) {
  auto watch = std::make_shared<ClientWatch>();
  watch->client_ = &client;
  watch->on_hangup_ = std::move(on_hangup);
  client.async_wait(boost::asio::ip::tcp::socket::wait_read,
                    [watch](const boost::system::error_code& ec) {
                      if (ec || watch->stopped_) return;
                      if (peek_peer(watch->client_->native_handle()) == Peeked::kClosed) {
                        watch->stopped_ = true;
                        watch->on_hangup_();
                      }
                    });
  return watch;
}

void ClientWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Cancelling the wait also cancels nothing else: no other operation is pending on the client
  // socket while the gateway waits on the upstream.
  boost::system::error_code ignored;
  client_->cancel(ignored);
}

}  // namespace ew::proxy
