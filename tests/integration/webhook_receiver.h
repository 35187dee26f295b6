// A small HTTP server for tests, standing in for an alert webhook (or any HTTP endpoint
// edgewatch calls out to): it records every request and answers with a status the test picks.
// Real sockets on loopback; header-only so unit and integration tests can both use it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ew::test {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::string head;  // request line and header lines
  std::string body;
  std::chrono::steady_clock::time_point at;
};

class WebhookReceiver {
 public:
  // Answers status_for(n) to the n-th request (0-based); 200 by default. A negative status
  // closes the connection without answering.
  explicit WebhookReceiver(std::function<int(std::size_t)> status_for = nullptr)
      : status_for_(std::move(status_for)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }

  ~WebhookReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  // Waits until at least n requests arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      serve(client);
      ::close(client);
    }
  }

  void serve(int client) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::size_t need = std::string::npos;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{client, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        need = head_end + 4 + content_length(in.substr(0, head_end));
      }
      if (in.size() >= need) break;
    }
    if (head_end == std::string::npos) return;
    ReceivedRequest r;
    r.head = in.substr(0, head_end);
    r.body = in.substr(head_end + 4);
    std::size_t sp1 = r.head.find(' ');
    std::size_t sp2 = r.head.find(' ', sp1 + 1);
    r.method = r.head.substr(0, sp1);
    r.path = r.head.substr(sp1 + 1, sp2 - sp1 - 1);
    r.at = std::chrono::steady_clock::now();
    std::size_t index;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(r);
    }
    arrived_.notify_all();
    int status = status_for_ ? status_for_(index) : 200;
    if (status < 0) return;
    std::string reply = "HTTP/1.1 " + std::to_string(status) +
                        " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  static std::size_t content_length(const std::string& head) {
    std::string lower;
    for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) return 0;
    return static_cast<std::size_t>(std::strtoul(head.c_str() + at + 17, nullptr, 10));
  }

  std::function<int(std::size_t)> status_for_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace ew::test
