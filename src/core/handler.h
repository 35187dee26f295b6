// The handler contract. A handler gets a Request and a Responder and must call
// Responder::send() exactly once: at once (most handlers), or later from any thread (ingestion
// answers only after its data is committed). A Responder destroyed unsent answers 500, so a bug
// can never leave a client hanging.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/http.h"

namespace ew {

// Implemented by the server: receives the one response of one request.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Thread-safe. Called exactly once per request.
  virtual void complete(Response&& response) = 0;
};

class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<ResponseSink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Sends the response. Safe from any thread; later calls are ignored.
  void send(Response&& response);
  bool sent() const { return sink_ == nullptr; }

 private:
  std::shared_ptr<ResponseSink> sink_;
};

using Handler = std::function<void(Request&, Responder&)>;

// Connection-level handlers (the reverse proxy, WebSocket tunnels) take over the socket before
// the body is read. The type lives in net/handoff.h so that only such modules see Asio.
class StreamHandler;

struct RouteOptions {
  // Largest request body this route accepts; larger gets 413. 0 means the server default.
  std::uint64_t max_body_size = 0;
  bool access_log = true;
  // Label for metrics and logs: a fixed name, never the raw path.
  std::string_view name = "other";
  // The operator's own traffic (admin APIs, the dashboard, scrapes), which the dashboard keeps
  // out of the app's request and error rates.
  bool operations = false;
};

}  // namespace ew
