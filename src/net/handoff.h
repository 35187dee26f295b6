// Connection-level handlers. The reverse proxy and WebSocket tunnel need the socket itself,
// before the request body is read, so that bodies stream instead of being held whole. Only
// such modules include this header (and with it Asio and Beast).
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "core/handler.h"

namespace ew {

struct StreamContext {
  boost::asio::ip::tcp::socket& socket;
  boost::beast::flat_buffer& buffer;  // bytes already read past the header
  // The header is parsed; the body (if any) is still unread. Convert it to another body type
  // (request_parser<buffer_body>(std::move(parser))) to stream the body.
  boost::beast::http::request_parser<boost::beast::http::string_body>& parser;
  Request& request;
  const RouteOptions& options;
  // Filled by the handler for the server: whether the connection may serve another request,
  // and what to write in the access log.
  bool keep_alive = false;
  int status = 0;
  std::uint64_t bytes_sent = 0;

  // A deadline enforced by the server's periodic sweep (about every 100 ms), so a handler needs
  // no timer of its own per request: once it passes, on_deadline runs once, on this thread.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void()> on_deadline = {};
  void set_timeout(std::chrono::milliseconds timeout) {
    deadline = std::chrono::steady_clock::now() + timeout;
  }

  // For a handler that keeps the connection long after it has read the request (a WebSocket
  // tunnel): frees the parsed header, keeping only what the access log prints. Afterwards
  // `parser` must not be used and `request` holds just its method, path, User-Agent and id.
  std::function<void()> release_request = {};
};

// While serve() runs, the server's header/idle timeouts do not apply to the connection: the
// handler owns its own timeouts. serve() must not throw.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual boost::asio::awaitable<void> serve(StreamContext& context) = 0;
};

}  // namespace ew
