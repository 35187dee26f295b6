// WebSocket load for bench/run: `echo` mode measures round trips per second over N connections
// (each sends "echo:..." and waits for it to come back); `idle` mode opens N connections and
// holds them quietly, so the proxy's resident memory can be read meanwhile.
//
//   ws_bench echo HOST PORT TARGET CONNECTIONS SECONDS
//   ws_bench idle HOST PORT TARGET CONNECTIONS SECONDS
// Prints one line: "messages_per_second=..." or "open=...".

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Totals {
  std::uint64_t messages = 0;
  int open = 0;
  int failed = 0;
  Clock::time_point stop;
};

net::awaitable<void> client(std::string host, std::string port, std::string target, bool echo,
                            Totals& totals) {
  auto executor = co_await net::this_coro::executor;
  boost::system::error_code ec;
  auto token = net::redirect_error(net::use_awaitable, ec);
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(host, port, token);
  websocket::stream<tcp::socket> ws(executor);
  if (!ec) co_await net::async_connect(ws.next_layer(), endpoints, token);
  if (!ec) ws.next_layer().set_option(tcp::no_delay(true), ec);
  std::string host_header = host + ":" + port;
  if (!ec) co_await ws.async_handshake(host_header, target, token);
  if (ec) {
    ++totals.failed;
    co_return;
  }
  ++totals.open;
  beast::flat_buffer buffer;
  std::string message = "echo:" + std::string(64, 'x');
  if (!echo) {
    net::steady_timer hold(executor, totals.stop);
    co_await hold.async_wait(token);
  }
  while (echo && Clock::now() < totals.stop) {
    co_await ws.async_write(net::buffer(message), token);
    if (ec) break;
    buffer.clear();
    co_await ws.async_read(buffer, token);
    if (ec) break;
    ++totals.messages;
  }
  co_await ws.async_close(websocket::close_code::normal, token);
}

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: ws_bench echo|idle HOST PORT TARGET CONNECTIONS SECONDS\n");
    return 2;
  }
  bool echo = std::string(argv[1]) == "echo";
  int connections = std::stoi(argv[5]);
  auto seconds = std::chrono::seconds(std::stoi(argv[6]));
  net::io_context ioc{1};
  Totals totals;
  totals.stop = Clock::now() + seconds;
  for (int i = 0; i < connections; ++i) {
    net::co_spawn(ioc, client(argv[2], argv[3], argv[4], echo, totals), net::detached);
  }
  auto start = Clock::now();
  // Report once every connection is open, so the caller can sample memory at the plateau. The
  // timer and the callback live as long as the event loop that uses them.
  net::steady_timer report(ioc);
  std::function<void()> check;
  if (!echo) {
    check = [&] {
      if (totals.open + totals.failed >= connections) {
        std::printf("open=%d failed=%d\n", totals.open, totals.failed);
        std::fflush(stdout);
        return;
      }
      report.expires_after(std::chrono::milliseconds(100));
      report.async_wait([&](auto) { check(); });
    };
    check();
  }
  ioc.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (echo) {
    std::printf("messages_per_second=%.0f failed=%d\n", totals.messages / elapsed, totals.failed);
  }
  return 0;
}
