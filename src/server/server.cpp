#include "server/server.h"

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/socket_base.hpp>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/server_impl.h"

namespace ew {
namespace detail {
namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(100);
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// A flood of connections leaves their freed buffers in the allocator's per-thread arenas, where
// glibc keeps them: once this many have come and (three quarters of them) gone, the sweep hands
// the free pages back to the system.
constexpr std::uint64_t kTrimAfterPeak = 1000;

// Records the current count in the peak, and says whether a flood has receded since.
bool flood_receded(Shared& shared) {
  std::uint64_t open = shared.open.load(std::memory_order_relaxed);
  std::uint64_t peak = shared.peak_open.load(std::memory_order_relaxed);
  if (open > peak) {
    shared.peak_open.compare_exchange_strong(peak, open);
    return false;
  }
  if (peak < kTrimAfterPeak || open > peak / 4) return false;
  // Only one worker trims per flood.
  return shared.peak_open.compare_exchange_strong(peak, open);
}

// Idle connections closed at once when the connection cap is reached: nginx frees 32 reusable
// connections when it runs out; a small cap frees fewer.
std::size_t reclaim_batch(std::uint64_t max_connections) {
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(max_connections / 64, 1, 32));
}

net::awaitable<void> run_session(std::shared_ptr<Session> session) {
  co_await session->run();
}

bool out_of_descriptors(const error_code& ec) {
  return ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_memory ||
         ec == net::error::no_buffer_space;
}

}  // namespace

bool AddressCounts::try_add(const std::string& address, std::uint64_t cap) {
  std::lock_guard lock(mutex_);
  std::uint64_t& count = counts_[address];
  if (cap != 0 && count >= cap) {
    if (count == 0) counts_.erase(address);
    return false;
  }
  ++count;
  return true;
}

void AddressCounts::remove(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(address);
  if (it != counts_.end() && --it->second == 0) counts_.erase(it);
}

Worker::Worker(Shared& s) : shared(s) {}

std::size_t Worker::reclaim_idle(std::size_t most) {
  std::vector<std::pair<Clock::time_point, Session*>> idle;
  for (Session* session : sessions_) {
    if (auto deadline = session->idle_deadline()) idle.emplace_back(*deadline, session);
  }
  std::size_t count = std::min(most, idle.size());
  std::partial_sort(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(count), idle.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < count; ++i) idle[i].second->close_now();
  return count;
}

std::list<Session*>::iterator Worker::add(Session* session) {
  return sessions_.insert(sessions_.end(), session);
}

void Worker::bind(const tcp::endpoint& endpoint, ListenerKind kind) {
  auto listener = std::make_unique<Listener>(ioc, kind);
  tcp::acceptor& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  // Every worker binds the same port; the kernel spreads new connections across them.
  int one = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::runtime_error("cannot set SO_REUSEPORT");
  }
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  listeners_.push_back(std::move(listener));
}

tcp::endpoint Worker::local_endpoint(ListenerKind kind) const {
  for (const auto& listener : listeners_) {
    if (listener->kind == kind) return listener->acceptor.local_endpoint();
  }
  return {};
}

void Worker::start() {
  for (auto& listener : listeners_) net::co_spawn(ioc, accept_loop(*listener), net::detached);
  net::co_spawn(ioc, sweep_loop(), net::detached);
}

net::awaitable<void> Worker::accept_loop(Listener& listener) {
  tcp::acceptor& acceptor = listener.acceptor;
  net::steady_timer pause(ioc);
  // One warning per minute at most: under a flood the cap is reached again and again.
  auto next_warning = Clock::time_point::min();
  while (acceptor.is_open()) {
    // At the connection cap, make room by closing the connections idle longest, so that idle
    // keep-alive clients cannot lock new ones out; only when none is idle anywhere, stop
    // accepting and let the kernel backlog hold new clients.
    if (shared.open.load(std::memory_order_relaxed) >= shared.options.max_connections) {
      // Only for a client actually waiting: an idle connection is not closed for nothing.
      error_code wait_ec;
      co_await acceptor.async_wait(tcp::acceptor::wait_read, with_ec(wait_ec));
      if (wait_ec) break;
      if (shared.open.load(std::memory_order_relaxed) < shared.options.max_connections) continue;
      std::size_t reclaimed = reclaim_idle(reclaim_batch(shared.options.max_connections));
      if (reclaimed == 0) shared.reclaim_wanted.store(true, std::memory_order_relaxed);
      if (Clock::now() >= next_warning) {
        spdlog::warn("connection limit of {} reached; closing idle connections{}",
                     shared.options.max_connections,
                     reclaimed == 0 ? " (none idle here: accepting paused)" : "");
        next_warning = Clock::now() + std::chrono::minutes(1);
      }
      // The closed sessions finish (and count themselves out) on this loop's next turns.
      pause.expires_after(std::chrono::milliseconds(reclaimed > 0 ? 1 : 20));
      error_code ec;
      co_await pause.async_wait(with_ec(ec));
      continue;
    }
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(with_ec(ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) break;
      if (out_of_descriptors(ec)) {
        // No busy loop on EMFILE: back off and let connections close.
        spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(), kAcceptBackoff.count());
        pause.expires_after(kAcceptBackoff);
        co_await pause.async_wait(with_ec(ec));
      }
      continue;
    }
    ++accepted_;
    auto session = std::make_shared<Session>(*this, std::move(socket), listener.kind);
    net::co_spawn(ioc, run_session(std::move(session)), net::detached);
  }
}

net::awaitable<void> Worker::sweep_loop() {
  net::steady_timer timer(ioc);
  for (;;) {
    timer.expires_after(kSweepInterval);
    error_code ec;
    co_await timer.async_wait(with_ec(ec));
    if (ec) co_return;
    auto now = Clock::now();
    if (shared.reclaim_wanted.load(std::memory_order_relaxed) &&
        shared.open.load(std::memory_order_relaxed) >= shared.options.max_connections) {
      shared.reclaim_wanted.store(false, std::memory_order_relaxed);
      reclaim_idle(reclaim_batch(shared.options.max_connections));
    }
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session* session = *it++;  // closing may not erase, but stay safe
      session->check_deadline(now);
    }
    if (flood_receded(shared) || burst_settled()) malloc_trim(0);
  }
}

// Setting up a connection takes more memory than keeping it (its first read buffer, the frames
// of the request it sends, the gateway's upstream connect), and glibc keeps what was freed. When
// a burst of at least kTrimAfterPeak new connections has ended (a sweep with no new one), the
// free pages go back to the system, so that RSS shows what the open connections hold.
bool Worker::burst_settled() {
  bool quiet = accepted_ == accepted_at_last_sweep_;
  accepted_at_last_sweep_ = accepted_;
  if (!quiet || accepted_ - accepted_at_last_trim_ < kTrimAfterPeak) return false;
  accepted_at_last_trim_ = accepted_;
  return true;
}

void Worker::begin_drain() {
  error_code ec;
  for (auto& listener : listeners_) listener->acceptor.close(ec);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session* session = *it++;
    session->close_if_idle();
  }
}

void Worker::close_all() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session* session = *it++;
    session->close_now();
  }
}

}  // namespace detail

struct Server::Impl {
  detail::Shared shared;
  Hooks hooks;
  std::vector<std::unique_ptr<detail::Worker>> workers;
  std::string local_address;
  std::string tls_local_address;
  detail::net::io_context control{1};
  // Installed with the server, before any worker accepts: a signal that arrives once clients can
  // be served is queued for run(), never left to its default action (which for SIGHUP is exit).
  detail::net::signal_set stop_signals{control, SIGTERM, SIGINT};
  detail::net::signal_set reload_signal{control, SIGHUP};
  std::atomic<bool> stop_requested{false};
};

// Every connection, proxied stream and large cached body holds a descriptor; the usual soft
// limit of 1024 would cap connections long before max_connections. The hard limit is what the
// administrator allows, so take all of it (as nginx's worker_rlimit_nofile lets one do).
namespace {
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}
}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<const Router> router,
               std::shared_ptr<telemetry::TrafficStats> traffic)
    : impl_(std::make_unique<Impl>()) {
  // A client that disconnects during sendfile(2) must cost an EPIPE, not the process: sends
  // through Asio use MSG_NOSIGNAL, sendfile cannot.
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();
  impl_->shared.options = std::move(options);
  impl_->shared.router = std::move(router);
  impl_->shared.traffic = std::move(traffic);
}

Server::~Server() = default;

namespace {

std::string format_endpoint(const detail::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

detail::tcp::endpoint resolve_listen(detail::net::io_context& ioc, const std::string& host,
                                     std::uint16_t port) {
  using namespace detail;
  error_code ec;
  auto address = detail::net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve listen host \"" + host + "\": " + ec.message());
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  if (port != 0) {
    // SO_REUSEPORT would let a second edgewatch silently share the port with us; a plain bind
    // first makes "address in use" an error, as users expect.
    tcp::acceptor probe(ioc);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(detail::net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + format_endpoint(endpoint) + ": " +
                               ec.message());
  }
  return endpoint;
}

}  // namespace

// Binds one listener in every worker; returns the address it got.
std::string Server::bind_listener(const std::string& host, std::uint16_t port,
                                  detail::ListenerKind kind) {
  using namespace detail;
  tcp::endpoint endpoint = resolve_listen(impl_->control, host, port);
  for (std::size_t i = 0; i < impl_->workers.size(); ++i) {
    try {
      impl_->workers[i]->bind(endpoint, kind);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot listen on " + format_endpoint(endpoint) + ": " +
                               e.code().message());
    }
    // Port 0 asks for an ephemeral port; the other workers must share the one the first got.
    if (i == 0) endpoint = impl_->workers[i]->local_endpoint(kind);
  }
  return format_endpoint(endpoint);
}

void Server::listen() {
  using namespace detail;
  const auto& o = impl_->shared.options;
  for (int i = 0; i < std::max(1, o.workers); ++i) {
    impl_->workers.push_back(std::make_unique<Worker>(impl_->shared));
  }
  impl_->local_address = bind_listener(o.host, o.port, ListenerKind::kPlain);
  if (o.https.port) {
    if (!o.https.handshake) throw std::runtime_error("an HTTPS listener needs certificates");
    impl_->tls_local_address = bind_listener(o.https.host.empty() ? o.host : o.https.host,
                                             *o.https.port, ListenerKind::kTls);
  }
}

std::string Server::local_address() const {
  return impl_->local_address;
}

std::string Server::tls_local_address() const {
  return impl_->tls_local_address;
}

void Server::stop() {
  impl_->stop_requested = true;
  detail::net::post(impl_->control, [this] { impl_->control.stop(); });
}

void Server::run(Hooks hooks) {
  using namespace detail;
  auto& impl = *impl_;
  impl.hooks = std::move(hooks);
  std::vector<std::thread> threads;
  for (auto& worker : impl.workers) {
    worker->start();
    threads.emplace_back([w = worker.get()] { w->ioc.run(); });
  }

  // The control thread (this one) handles signals; workers never see them.
  std::function<void()> wait_reload;
  wait_reload = [&] {
    impl.reload_signal.async_wait([&](const error_code& ec, int) {
      if (ec) return;
      spdlog::info("SIGHUP: reloading");
      for (auto& hook : impl.hooks.on_reload) hook();
      wait_reload();
    });
  };
  wait_reload();
  impl.stop_signals.async_wait([&](const error_code& ec, int signal) {
    if (!ec) spdlog::info("signal {}: draining", signal);
    impl.control.stop();
  });
  if (!impl.stop_requested) impl.control.run();

  // Drain: stop accepting, close idle connections, let requests in flight finish.
  impl.shared.draining = true;
  for (auto& hook : impl.hooks.on_stop) hook();
  for (auto& worker : impl.workers)
    detail::net::post(worker->ioc, [w = worker.get()] { w->begin_drain(); });
  auto deadline = Clock::now() + impl.shared.options.drain_timeout;
  while (impl.shared.open.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (const auto open = impl.shared.open.load(); open > 0) {
    spdlog::warn("drain deadline passed with {} connection{} open; closing {}", open,
                 open == 1 ? "" : "s", open == 1 ? "it" : "them");
    for (auto& worker : impl.workers)
      detail::net::post(worker->ioc, [w = worker.get()] { w->close_all(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& worker : impl.workers) worker->ioc.stop();
  for (auto& thread : threads) thread.join();
  spdlog::info("stopped");
}

}  // namespace ew
