// orchestrator: the example streaming-chat backend (see orchestrator.h).
//
//   orchestrator --listen 127.0.0.1:8004 [--token-delay 50ms] [--fail-rate 0] [--name NAME]
//
// Prints "orchestrator listening on http://HOST:PORT" to stderr once it accepts connections
// (tests start it on port 0 and read the port from there); SIGTERM or SIGINT end it with 0.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "orchestrator.h"

namespace orchestrator {
namespace {

using boost::system::error_code;

void report(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::cerr << "orchestrator: connection failed: " << e.what() << std::endl;
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, State& state) {
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  net::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(with_ec);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {  // e.g. out of file descriptors: pause rather than spin
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(with_ec);
      continue;
    }
    net::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), state), report);
  }
}

// "host:port", with IPv6 hosts in brackets.
bool parse_listen(const std::string& text, tcp::endpoint& endpoint) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  error_code ec;
  auto address = net::ip::make_address(host, ec);
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    return false;
  }
  if (ec || port < 0 || port > 65535) return false;
  endpoint = tcp::endpoint(address, static_cast<unsigned short>(port));
  return true;
}

}  // namespace
}  // namespace orchestrator

int main(int argc, char** argv) {
  using namespace orchestrator;
  CLI::App app{"edgewatch example orchestrator: a streaming-chat backend for demos and tests"};
  std::string listen = "127.0.0.1:8004";
  std::string token_delay = "50ms";
  State state;
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--token-delay", token_delay, "Delay before each streamed token (50ms, 1s)")
      ->capture_default_str();
  app.add_option("--fail-rate", state.options.fail_rate, "Fraction of requests answered with 500")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--name", state.options.name, "Sent back in X-Upstream-Name on every response")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  tcp::endpoint endpoint;
  if (!parse_listen(listen, endpoint)) {
    std::cerr << "orchestrator: --listen wants HOST:PORT, got " << listen << std::endl;
    return 2;
  }
  if (!parse_duration(token_delay, state.options.token_delay)) {
    std::cerr << "orchestrator: --token-delay wants e.g. 50ms or 1s, got " << token_delay
              << std::endl;
    return 2;
  }

  net::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "orchestrator: cannot listen on " << listen << ": " << ec.message() << std::endl;
    return 1;
  }
  // Before the port is announced: a signal sent as soon as it is must find the handler.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const error_code&, int) { ioc.stop(); });
  auto local = acceptor.local_endpoint();
  std::string host = local.address().to_string();
  if (local.address().is_v6()) host = "[" + host + "]";
  std::cerr << "orchestrator listening on http://" << host << ":" << local.port() << std::endl;

  net::co_spawn(ioc, accept_loop(acceptor, state), report);
  ioc.run();
  return 0;
}
