#include "sse_client.h"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

SseStream::SseStream(int port, const std::string& method, const std::string& target,
                     const std::vector<std::string>& headers, const std::string& body,
                     std::chrono::milliseconds timeout)
    : fd_(connect_loopback(port)) {
  if (fd_ < 0) return;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  bool has_type = false;
  for (const auto& h : headers) {
    request += h + "\r\n";
    if (h.size() > 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0) has_type = true;
  }
  if (!body.empty()) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!has_type) request += "Content-Type: application/json\r\n";
  }
  request += "\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return;
  }
  head_ = parse_response_head(raw_.substr(0, end));
  raw_.erase(0, end + 4);
  std::string encoding = head_.header("transfer-encoding");
  chunked_ = encoding.find("chunked") != std::string::npos;
  if (!chunked_ && head_.count("content-length")) {
    remaining_ = std::stoul(head_.header("content-length"));
  }
  head_.complete = true;
  decode();
  parse_events(Clock::now());
}

SseStream::~SseStream() {
  close();
}

void SseStream::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SseStream::fill(Clock::time_point deadline) {
  if (fd_ < 0 || peer_closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char buf[16384];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    peer_closed_ = true;
    return false;
  }
  raw_.append(buf, static_cast<std::size_t>(n));
  return true;
}

void SseStream::decode() {
  if (finished_) return;
  if (!chunked_ && !remaining_) {  // delimited by the end of the connection
    body_ += raw_;
    raw_.clear();
    return;
  }
  if (remaining_) {
    std::size_t take = std::min(*remaining_, raw_.size());
    body_.append(raw_, 0, take);
    raw_.erase(0, take);
    *remaining_ -= take;
    finished_ = *remaining_ == 0;
    return;
  }
  for (;;) {
    std::size_t crlf = raw_.find("\r\n");
    if (crlf == std::string::npos) return;
    std::size_t size = std::stoul(raw_.substr(0, crlf), nullptr, 16);
    if (size == 0) {  // the terminating chunk; trailers are not expected
      finished_ = true;
      raw_.clear();
      return;
    }
    if (raw_.size() < crlf + 2 + size + 2) return;
    body_.append(raw_, crlf + 2, size);
    raw_.erase(0, crlf + 2 + size + 2);
  }
}

void SseStream::parse_events(Clock::time_point now) {
  for (;;) {
    std::size_t newline = body_.find('\n', parsed_);
    if (newline == std::string::npos) return;
    std::string line = body_.substr(parsed_, newline - parsed_);
    parsed_ = newline + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!current_.data.empty() || current_.event != "message") {
        current_.at = now;
        ready_.push_back(std::move(current_));
      }
      current_ = SseEvent();
      continue;
    }
    if (line.front() == ':') continue;  // a comment
    std::size_t colon = line.find(':');
    std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "data") {
      if (!current_.data.empty()) current_.data += "\n";
      current_.data += value;
    } else if (field == "event") {
      current_.event = value;
    } else if (field == "id") {
      current_.id = value;
    }
  }
}

std::optional<SseEvent> SseStream::next(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (ready_.empty()) {
    if (finished_ || !fill(deadline)) return std::nullopt;
    decode();
    parse_events(Clock::now());
  }
  SseEvent event = std::move(ready_.front());
  ready_.pop_front();
  return event;
}

std::vector<SseEvent> SseStream::rest(std::chrono::milliseconds timeout) {
  std::vector<SseEvent> events;
  while (auto event = next(timeout)) events.push_back(std::move(*event));
  return events;
}

}  // namespace ew::test
