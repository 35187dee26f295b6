// A small blocking HTTP/1.1 client for background threads: readiness probes, the WebSocket
// handshake check and alert webhooks. One request per connection (Connection: close), a
// deadline over the whole exchange, http:// and https:// (OpenSSL, peer and host name
// verified against the system's trust store). Never used on a worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ew::outbound {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path?query or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // connect, send and receive together
  std::size_t max_body = 64 * 1024;         // response body bytes kept at most
};

struct HttpResult {
  bool ok = false;    // a response head was received
  std::string error;  // why not, when !ok: "connect: Connection refused", "timed out", ...
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;  // as received (a chunked body is not decoded), cut at max_body
  double elapsed_ms = 0;

  std::string header(std::string_view lower_name) const;
};

HttpResult http_request(const HttpRequest& request);

// The WebSocket opening handshake (RFC 6455 section 4) against ws://, wss://, http:// or
// https:// URLs: ok when the server answers 101 with the right Sec-WebSocket-Accept. The
// connection is closed right after; no frame is sent.
HttpResult websocket_handshake(const std::string& url, std::chrono::milliseconds timeout);

// base64(SHA-1(key + the RFC 6455 GUID)).
std::string websocket_accept(std::string_view key);

}  // namespace ew::outbound
