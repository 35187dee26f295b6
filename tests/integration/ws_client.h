// A minimal WebSocket client over a raw loopback socket, for tests: the opening handshake (with
// Sec-WebSocket-Key, checking Sec-WebSocket-Accept), masked client frames, and server frames
// parsed as they come. Nothing is answered automatically: a test sees every ping and close.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace ew::test {

struct WsMessage {
  enum Opcode : int { kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };
  int opcode = 0;
  std::string payload;  // for kClose: the 2-byte code, then the reason
  bool text() const { return opcode == kText; }
  // The close code of a kClose message, 1005 when it carries none.
  int close_code() const;
};

class WsClient {
 public:
  // Connects to 127.0.0.1:port and performs the opening handshake for target; extra headers
  // ("Name: value") are added to the upgrade request.
  explicit WsClient(int port, const std::string& target = "/ws",
                    const std::vector<std::string>& headers = {},
                    std::chrono::milliseconds timeout = 5s);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // True when the server answered 101 with the right Sec-WebSocket-Accept.
  bool open() const { return open_; }
  // The server's answer to the upgrade request (status 0 when none arrived).
  const HttpResponse& handshake() const { return handshake_; }

  bool send_text(const std::string& text) { return send_frame(WsMessage::kText, text); }
  bool send_binary(const std::string& bytes) { return send_frame(WsMessage::kBinary, bytes); }
  bool send_ping(const std::string& payload = "") { return send_frame(WsMessage::kPing, payload); }
  bool send_pong(const std::string& payload = "") { return send_frame(WsMessage::kPong, payload); }
  bool send_close(std::uint16_t code = 1000, const std::string& reason = "");
  // One masked frame; fin=false starts or continues a fragmented message (then opcode 0).
  bool send_frame(int opcode, const std::string& payload, bool fin = true);

  // The next message: data frames reassembled from fragments; control frames as they arrive.
  // nullopt when the peer closed the connection, the framing is broken, or timeout passed.
  std::optional<WsMessage> read(std::chrono::milliseconds timeout = 5s);
  // The next text, binary or close message, skipping pings and pongs.
  std::optional<WsMessage> read_data(std::chrono::milliseconds timeout = 5s);
  // True when the server closes the TCP connection (EOF or reset) within timeout; frames that
  // arrive meanwhile are discarded.
  bool closed_within(std::chrono::milliseconds timeout);
  // Closes the socket without a closing handshake.
  void close_socket();
  int fd() const { return fd_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  bool open_ = false;
  HttpResponse handshake_;
  std::string pending_;
  std::optional<WsMessage> partial_;  // a fragmented data message in progress
};

}  // namespace ew::test
