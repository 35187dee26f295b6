// The protocol-neutral contract of a streaming exchange: what a handler that streams (the /api/
// gateway, WebSocket tunnels) sees of one request. It reads the request body piece by piece
// through a BodyReader and answers through a ResponseWriter; it never sees a socket, a parser or
// the framing of the protocol the client speaks. The HTTP/1.1 session implements it today
// (server/http1_exchange.*); an HTTP/2 stream implements the same.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/handler.h"

namespace ew {

namespace net {
class ByteStream;
}  // namespace net

// A response's status line and end-to-end fields. Hop-by-hop fields (Connection, Keep-Alive,
// Transfer-Encoding...) and Content-Length are the writer's business: give the length here.
struct ResponseHead {
  int status = 200;
  std::string_view reason;  // empty: the standard phrase
  std::vector<HeaderField> fields;
  // The body's length when known; nullopt streams the body until finish() (chunked on HTTP/1.1).
  std::optional<std::uint64_t> content_length;
};

enum class BodyStatus : std::uint8_t {
  kOk,          // bytes read (0 at the end of the body)
  kTooLarge,    // over the route's limit
  kMalformed,   // the client's framing is broken (an invalid chunk size...)
  kClientGone,  // the client left or the read timed out
};

struct BodyPiece {
  std::size_t size = 0;
  BodyStatus status = BodyStatus::kOk;
  std::string detail;  // for kMalformed: what was wrong
};

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Whether the request declares a body at all, and its length when it declares one.
  virtual bool has_body() const = 0;
  virtual std::optional<std::uint64_t> length() const = 0;
  // Whether the whole body has been read (true at once for a request without one).
  virtual bool done() const = 0;
  // The next piece of the body into `into`; size 0 with kOk once it ended. The first read answers
  // a client's `Expect: 100-continue` for it.
  virtual boost::asio::awaitable<BodyPiece> read(std::span<char> into) = 0;
};

// What upgrade() hands over: the client's connection as a byte stream, and the bytes it sent
// past the request that are already read.
struct Upgraded {
  net::ByteStream* stream = nullptr;  // null when the protocol cannot hand over its connection
  std::string pending;
};

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // An interim answer (102, 103); dropped where the client cannot take one. False when the
  // client is gone.
  virtual boost::asio::awaitable<bool> interim(const ResponseHead& head) = 0;
  // Sends the head, with the first bytes of the body when they are at hand (one write, one
  // segment, for a small answer).
  virtual boost::asio::awaitable<bool> start(const ResponseHead& head,
                                             std::span<const char> first_bytes) = 0;
  // One more piece of the body, sent at once (SSE tokens are not held back). Completes once the
  // bytes are handed to the connection: a slow client slows the caller (backpressure).
  virtual boost::asio::awaitable<bool> write(std::span<const char> bytes) = 0;
  // The body is complete.
  virtual boost::asio::awaitable<bool> finish() = 0;
  // The answer broke after it started: the client must see a broken stream, not an end.
  // Also ends any read or write pending on the client's side. Safe to call from a deadline.
  virtual void abort() = 0;
  // A whole answer of edgewatch's own (an error), when nothing was started yet.
  virtual boost::asio::awaitable<bool> reply(Response response) = 0;
  // Sends a 101 and hands over the connection.
  virtual boost::asio::awaitable<Upgraded> upgrade(const ResponseHead& head) = 0;

  // Calls `on_hangup` (once) if the client closes its side while the handler waits on something
  // else. Stopped by stop_watching(), which must come before the exchange ends.
  virtual void watch_hangup(std::function<void()> on_hangup) = 0;
  virtual void stop_watching() = 0;

  virtual bool started() const = 0;
};

// One streaming exchange, as a stream handler sees it.
struct StreamExchange {
  Request& request;
  const RouteOptions& options;
  BodyReader& body;
  ResponseWriter& response;

  // Filled by the handler, for the access log and metrics: the status the client saw, and the
  // body bytes sent to it.
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
  // tunnel): frees the parsed request, keeping only what the access log prints. Afterwards
  // `request` holds just its method, path, User-Agent and id.
  std::function<void()> release_request = {};
};

// A handler that streams. While serve() runs, the server's own header and idle timeouts do not
// apply: the handler owns its timeouts (StreamExchange::deadline). serve() must not throw.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual boost::asio::awaitable<void> serve(StreamExchange& exchange) = 0;
};

}  // namespace ew
