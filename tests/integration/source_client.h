// Requests from a chosen loopback source address (127.0.0.2, 127.0.0.3, ...), so that one test
// can play several clients that edgewatch tells apart by address, as it would real ones.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "harness.h"

namespace ew::test {

// A TCP connection from `source` (any port) to 127.0.0.1:port; -1 on failure.
inline int connect_loopback_from(const std::string& source, int port) {
  return connect_loopback(port, source);
}

// One request with `Connection: close` from `source`; the body is what follows the head until
// the server closes (the tests' upstreams answer with a Content-Length, never chunked).
inline HttpResponse http_from(const std::string& source, int port, const std::string& method,
                              const std::string& target,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  HttpResponse r;
  int fd = connect_loopback_from(source, port);
  if (fd < 0) return r;
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return r;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string data;
  char buf[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  std::size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  r = parse_response_head(data.substr(0, end));
  r.body = data.substr(end + 4);
  r.complete = true;
  return r;
}

}  // namespace ew::test
