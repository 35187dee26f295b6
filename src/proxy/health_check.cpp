#include "proxy/health_check.h"

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include <spdlog/spdlog.h>

#include "net/with_ec.h"
#include "proxy/upstream_connection.h"
#include "proxy/watchdog.h"

namespace ew::proxy {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using ew::net::ByteStream;

// One probe: true when the health path answers 2xx or 3xx within the timeout.
net::awaitable<bool> probe(Upstream& upstream, const HealthCheckOptions& options) {
  auto executor = co_await net::this_coro::executor;
  ByteStream stream(executor);
  bool timed_out = false;
  auto watchdog = Watchdog::start(executor, [&stream, &timed_out] {
    timed_out = true;
    stream.close();
  });
  watchdog->arm(options.timeout);
  error_code ec = co_await open_upstream(stream, upstream, timed_out);
  std::string request = "GET " + options.path + " HTTP/1.1\r\nHost: " + upstream.host() +
                        "\r\nUser-Agent: edgewatch-health-check\r\nConnection: close\r\n\r\n";
  if (!ec) co_await net::async_write(stream, net::buffer(request), with_ec(ec));
  net::streambuf response;
  if (!ec) co_await net::async_read_until(stream, response, "\r\n", with_ec(ec));
  watchdog->stop();
  if (ec || response.size() < 12) co_return false;
  std::string status_line(net::buffers_begin(response.data()),
                          net::buffers_begin(response.data()) + 12);
  co_return status_line.starts_with("HTTP/1.") && (status_line[9] == '2' || status_line[9] == '3');
}

net::awaitable<void> check_loop(Upstream& upstream, HealthCheckOptions options) {
  auto executor = co_await net::this_coro::executor;
  net::steady_timer timer(executor);
  int successes = 0;
  int failures = 0;
  for (;;) {
    auto probe_started = Clock::now();
    bool ok = co_await probe(upstream, options);
    successes = ok ? successes + 1 : 0;
    failures = ok ? 0 : failures + 1;
    if (upstream.healthy() && failures >= options.unhealthy_threshold) {
      upstream.set_healthy(false);
      spdlog::warn("upstream {} is down: {} failed health check{} of {}", upstream.url(), failures,
                   failures == 1 ? "" : "s", options.path);
    } else if (!upstream.healthy() && successes >= options.healthy_threshold) {
      upstream.set_healthy(true);
      spdlog::info("upstream {} is up again", upstream.url());
    }
    // The upstream answers its health path: whatever ejected it earlier is over (a slow path, a
    // burst of errors), so clients need not wait for the ejection to run out.
    if (ok && upstream.healthy() && upstream.clear_ejection(probe_started)) {
      spdlog::info("upstream {}: circuit closed by a passing health check", upstream.url());
    }
    timer.expires_after(options.interval);
    error_code ec;
    co_await timer.async_wait(with_ec(ec));
    if (ec) co_return;
  }
}

}  // namespace

struct HealthChecker::Impl {
  net::io_context ioc{1};
  std::vector<std::pair<std::shared_ptr<Pool>, HealthCheckOptions>> pools;
  std::thread thread;
};

HealthChecker::HealthChecker() : impl_(std::make_unique<Impl>()) {}

HealthChecker::~HealthChecker() {
  stop();
}

void HealthChecker::add(std::shared_ptr<Pool> pool, HealthCheckOptions options) {
  impl_->pools.emplace_back(std::move(pool), std::move(options));
}

void HealthChecker::start() {
  bool any = false;
  for (auto& [pool, options] : impl_->pools) {
    if (options.path.empty()) continue;
    for (auto& upstream : pool->upstreams()) {
      net::co_spawn(impl_->ioc, check_loop(*upstream, options), net::detached);
      any = true;
    }
  }
  if (any) impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void HealthChecker::stop() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace ew::proxy
