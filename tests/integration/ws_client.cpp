#include "ws_client.h"

#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

std::mt19937& random_engine() {
  static std::mt19937 engine{std::random_device{}()};
  return engine;
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Sec-WebSocket-Accept for key (RFC 6455 section 4.2.2).
std::string accept_for(const std::string& key) {
  std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr);
  return base64(digest, length);
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int WsMessage::close_code() const {
  if (payload.size() < 2) return 1005;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

WsClient::WsClient(int port, const std::string& target, const std::vector<std::string>& headers,
                   std::chrono::milliseconds timeout)
    : fd_(connect_loopback(port)) {
  if (fd_ < 0) return;
  unsigned char nonce[16];
  for (auto& b : nonce) b = static_cast<unsigned char>(random_engine()());
  std::string key = base64(nonce, sizeof nonce);
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
      "\r\nSec-WebSocket-Version: 13\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  request += "\r\n";
  if (!send_all(fd_, request)) return;
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return;
  }
  handshake_ = parse_response_head(pending_.substr(0, end));
  handshake_.complete = true;
  pending_.erase(0, end + 4);
  open_ = handshake_.status == 101 && handshake_.header("sec-websocket-accept") == accept_for(key);
}

WsClient::~WsClient() {
  close_socket();
}

void WsClient::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool WsClient::send_close(std::uint16_t code, const std::string& reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  return send_frame(WsMessage::kClose, payload + reason);
}

bool WsClient::send_frame(int opcode, const std::string& payload, bool fin) {
  if (fd_ < 0) return false;
  std::string frame;
  frame += static_cast<char>((fin ? 0x80 : 0) | (opcode & 0x0f));
  std::size_t size = payload.size();
  if (size < 126) {
    frame += static_cast<char>(0x80 | size);
  } else if (size <= 0xffff) {
    frame += static_cast<char>(0x80 | 126);
    for (int shift = 8; shift >= 0; shift -= 8) frame += static_cast<char>((size >> shift) & 0xff);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((size >> shift) & 0xff);
  }
  char mask[4];
  for (auto& m : mask) m = static_cast<char>(random_engine()());
  frame.append(mask, 4);
  for (std::size_t i = 0; i < size; ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  return send_all(fd_, frame);
}

bool WsClient::fill(Clock::time_point deadline) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char buf[16384];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  pending_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<WsMessage> WsClient::read(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    // Parse one frame if it is all here.
    std::size_t header = 2;
    std::uint64_t size = 0;
    bool whole = false;
    if (pending_.size() >= 2) {
      auto byte = [&](std::size_t i) { return static_cast<unsigned char>(pending_[i]); };
      size = byte(1) & 0x7f;
      std::size_t extended = size == 126 ? 2 : size == 127 ? 8 : 0;
      bool masked = byte(1) & 0x80;
      if (pending_.size() >= header + extended) {
        if (extended > 0) {
          size = 0;
          for (std::size_t i = 0; i < extended; ++i) size = (size << 8) | byte(header + i);
        }
        header += extended + (masked ? 4 : 0);
        whole = pending_.size() >= header + size;
      }
      if (whole) {
        bool fin = byte(0) & 0x80;
        int opcode = byte(0) & 0x0f;
        std::string payload = pending_.substr(header, size);
        if (masked) {  // servers must not mask, but unmask anyway
          for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<char>(payload[i] ^ pending_[header - 4 + i % 4]);
          }
        }
        pending_.erase(0, header + size);
        if (opcode >= 8) return WsMessage{opcode, std::move(payload)};
        if (opcode != 0) partial_ = WsMessage{opcode, ""};
        if (!partial_) return std::nullopt;  // a continuation without a start
        partial_->payload += payload;
        if (fin) {
          WsMessage message = std::move(*partial_);
          partial_.reset();
          return message;
        }
        continue;
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<WsMessage> WsClient::read_data(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto message = read(std::chrono::milliseconds(remaining_ms(deadline)));
    if (!message || message->opcode < 8 || message->opcode == WsMessage::kClose) return message;
  }
}

bool WsClient::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    if (recv(fd_, buf, sizeof buf, 0) <= 0) return true;
  }
  return true;
}

}  // namespace ew::test
