// Tiny upstreams written for the gateway's tests, where a fault or a capture is needed that the
// example orchestrator does not offer. Each runs one thread on an ephemeral loopback port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <string>
#include <string_view>
#include <thread>

namespace ew::test {

// A listening socket on an ephemeral loopback port, for in-test upstreams.
inline int listen_loopback(int* port, int backlog = 16) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  listen(fd, backlog);
  return fd;
}

// Reads from `c` until a request head is complete (or the peer stops); returns what came.
inline std::string read_head(int c) {
  std::string data;
  char buf[65536];
  while (data.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

// A one-shot upstream: accepts connections, records each request head (and body, when it has a
// Content-Length), and answers 200 with the number of body bytes received. It answers
// Expect: 100-continue with 100 Continue first, as Go's and Node's servers do.
class CaptureUpstream {
 public:
  CaptureUpstream() {
    fd_ = listen_loopback(&port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~CaptureUpstream() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string head() {
    std::lock_guard lock(mutex_);
    return head_;
  }
  std::size_t body_bytes() const { return body_bytes_; }

 private:
  void serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data = read_head(c);
      if (std::regex_search(data, std::regex("\r\nExpect: *100-continue", std::regex::icase))) {
        // As Go's and Node's servers do.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        send(c, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
      }
      char buf[65536];
      std::size_t end = data.find("\r\n\r\n");
      std::string head = data.substr(0, end);
      std::size_t have = data.size() - (end + 4);
      std::smatch m;
      std::size_t want = 0;
      if (std::regex_search(head, m, std::regex("\r\nContent-Length: (\\d+)", std::regex::icase))) {
        want = std::stoul(m[1]);
      }
      while (have < want) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        have += static_cast<std::size_t>(n);
      }
      if (std::regex_search(head,
                            std::regex("\r\nTransfer-Encoding: chunked", std::regex::icase))) {
        have = read_chunked(c, data.substr(end + 4));
      }
      {
        std::lock_guard lock(mutex_);
        head_ = head;
      }
      body_bytes_ = have;
      std::string body = std::to_string(have);
      std::string response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                             "\r\nConnection: close\r\n\r\n" + body;
      send(c, response.data(), response.size(), MSG_NOSIGNAL);
      close(c);
    }
  }
  // Decodes a chunked body; returns its length once the last chunk arrived.
  static std::size_t read_chunked(int c, std::string data) {
    std::size_t total = 0;
    char buf[65536];
    for (;;) {
      std::size_t crlf;
      while ((crlf = data.find("\r\n")) == std::string::npos) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) return total;
        data.append(buf, static_cast<std::size_t>(n));
      }
      std::size_t size = std::stoul(data.substr(0, crlf), nullptr, 16);
      while (data.size() < crlf + 2 + size + 2) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) return total;
        data.append(buf, static_cast<std::size_t>(n));
      }
      total += size;
      data.erase(0, crlf + 2 + size + 2);
      if (size == 0) return total;
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> body_bytes_{0};
  std::mutex mutex_;
  std::string head_;
  std::thread thread_;
};

// An upstream that answers every request with the same bytes, sent in one write (so body bytes
// arrive together with the header), then closes.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(std::string answer) : answer_(std::move(answer)) {
    fd_ = listen_loopback(&port_);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        read_head(c);
        send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
        close(c);
      }
    });
  }
  ~ScriptedUpstream() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ew::test
