// One write's worth of an HTTP/1.1 message, as gather buffers: a head (may be empty), then body
// bytes, in chunked framing when asked. Used wherever edgewatch writes HTTP/1.1: to clients
// (server/http1_exchange) and to upstreams (the gateway).
#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstdio>
#include <span>
#include <string_view>

namespace ew::net {

class FramedPieces {
 public:
  FramedPieces(std::string_view head, const char* data, std::size_t n, bool chunked) {
    add(head.data(), head.size());
    if (n == 0) return;
    if (chunked) {
      add(size_line_,
          static_cast<std::size_t>(std::snprintf(size_line_, sizeof size_line_, "%zx\r\n", n)));
    }
    add(data, n);
    if (chunked) add("\r\n", 2);
  }
  FramedPieces(const FramedPieces&) = delete;  // the pieces may point into size_line_
  FramedPieces& operator=(const FramedPieces&) = delete;
  std::span<const boost::asio::const_buffer> buffers() const { return {pieces_.data(), count_}; }

 private:
  void add(const char* p, std::size_t n) {
    if (n > 0) pieces_[count_++] = boost::asio::const_buffer(p, n);
  }
  char size_line_[24];
  std::array<boost::asio::const_buffer, 4> pieces_;
  std::size_t count_ = 0;
};

}  // namespace ew::net
