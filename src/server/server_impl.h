// Internals of the server, shared by server.cpp and session.cpp only.
#pragma once

#include <atomic>
// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/with_ec.h"
#include "server/server.h"

namespace ew::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

using ew::with_ec;

// Open connections per peer address, for the per-address cap. Touched once when a connection
// opens and once when it closes, never per request, so a mutex costs nothing measurable.
class AddressCounts {
 public:
  // Counts one more connection from `address`; false (and nothing counted) when `cap` (0 = no
  // cap) is already reached.
  bool try_add(const std::string& address, std::uint64_t cap);
  void remove(const std::string& address);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::uint64_t> counts_;
};

// Process-wide state: options and router are read-only once serving; counters are atomics.
struct Shared {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::atomic<std::uint64_t> open{0};
  std::shared_ptr<telemetry::TrafficStats> traffic;  // never null once constructed
  std::atomic<bool> draining{false};
  // Set by a worker at the connection cap that has no idle connection of its own to close: the
  // others close some of theirs at their next sweep.
  std::atomic<bool> reclaim_wanted{false};
  // Most connections open at once since memory was last handed back (see Worker::sweep_loop).
  std::atomic<std::uint64_t> peak_open{0};
  AddressCounts per_address;
};

class Session;

enum class ListenerKind : std::uint8_t { kPlain, kTls };

struct Listener {
  Listener(net::io_context& ioc, ListenerKind kind) : acceptor(ioc), kind(kind) {}
  tcp::acceptor acceptor;
  ListenerKind kind;
};

// One thread's world: its io_context, its acceptor and the sessions it owns. Nothing here is
// touched by another thread except through post().
class Worker {
  // Declared before ioc so that it outlives it: destroying ioc destroys the coroutines of the
  // sessions still open, and each ~Session takes itself out of this list.
  std::list<Session*> sessions_;

 public:
  explicit Worker(Shared& shared);
  void bind(const tcp::endpoint& endpoint, ListenerKind kind);
  // The endpoint of this worker's listener of that kind (which must exist).
  tcp::endpoint local_endpoint(ListenerKind kind) const;
  void start();
  // Posted to this worker: stop accepting and close idle keep-alive connections.
  void begin_drain();
  // Posted to this worker: close every connection now.
  void close_all();

  Shared& shared;
  // I/O objects are only ever touched by this worker's thread, so the reactor needs no locks;
  // the scheduler keeps its lock because other threads post completions to it.
  net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};

  std::list<Session*>::iterator add(Session* session);
  void remove(std::list<Session*>::iterator it) { sessions_.erase(it); }

 private:
  net::awaitable<void> accept_loop(Listener& listener);
  net::awaitable<void> sweep_loop();
  // Closes up to `most` of this worker's idle connections, those idle longest first; returns
  // how many it closed.
  std::size_t reclaim_idle(std::size_t most);

  bool burst_settled();

  std::vector<std::unique_ptr<Listener>> listeners_;
  std::uint64_t accepted_ = 0;
  std::uint64_t accepted_at_last_sweep_ = 0;
  std::uint64_t accepted_at_last_trim_ = 0;
};

enum class Phase : std::uint8_t { kIdle, kHeader, kBody, kHandling, kWriting, kStream };

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Worker& worker, tcp::socket socket, ListenerKind kind);
  ~Session();
  net::awaitable<void> run();

  // Called by the worker's sweep; closes the socket when the current phase's deadline passed.
  void check_deadline(Clock::time_point now);
  // Closes the connection if it is between requests.
  void close_if_idle();
  void close_now();
  // When the connection waits for a request: the deadline of that wait (idle longest = earliest).
  std::optional<Clock::time_point> idle_deadline() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ew::detail
