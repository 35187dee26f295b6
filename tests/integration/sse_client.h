// A streamed HTTP response read as it arrives: the head, then Server-Sent Events one at a time,
// each stamped with the moment its last byte arrived, so tests can assert on token spacing.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace ew::test {

struct SseEvent {
  std::string event = "message";  // the event: field, "message" when absent
  std::string data;               // data: lines joined with "\n"
  std::string id;
  std::chrono::steady_clock::time_point at;  // arrival of the blank line that ended it
};

class SseStream {
 public:
  // Sends the request on a fresh loopback connection and reads the response head. When a body is
  // given, Content-Length is added (and Content-Type: application/json unless headers name one).
  SseStream(int port, const std::string& method, const std::string& target,
            const std::vector<std::string>& headers = {}, const std::string& body = "",
            std::chrono::milliseconds timeout = 5s);
  ~SseStream();
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  // Status and headers; status 0 when no head arrived.
  const HttpResponse& head() const { return head_; }
  // The next event; nullopt once the body ended, the peer closed, or timeout passed.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = 5s);
  // Every remaining event, each waited for up to timeout.
  std::vector<SseEvent> rest(std::chrono::milliseconds timeout = 5s);
  // The body ended properly: the terminating chunk, or all of Content-Length.
  bool finished() const { return finished_; }
  // The peer closed or reset the connection.
  bool peer_closed() const { return peer_closed_; }
  // Every body byte received so far (after de-chunking).
  const std::string& body() const { return body_; }
  // Closes the client side, as a browser tab that goes away.
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  void decode();
  void parse_events(std::chrono::steady_clock::time_point now);

  int fd_ = -1;
  HttpResponse head_;
  std::string raw_;         // bytes not decoded yet
  std::string body_;        // decoded body
  std::size_t parsed_ = 0;  // body_ offset up to which lines are parsed into events
  SseEvent current_;
  std::deque<SseEvent> ready_;
  bool chunked_ = false;
  std::optional<std::size_t> remaining_;  // Content-Length left
  bool finished_ = false;
  bool peer_closed_ = false;
};

}  // namespace ew::test
