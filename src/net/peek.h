// What a connection's peer has left in the socket, found without consuming it and without
// blocking: one recv(MSG_PEEK | MSG_DONTWAIT).
#pragma once

#include <sys/socket.h>

#include <cerrno>

namespace ew {

enum class Peeked {
  kNothing,  // open, nothing to read yet
  kData,     // bytes are waiting
  kClosed,   // the peer sent its FIN, or the connection failed
};

inline Peeked peek_peer(int fd) {
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return Peeked::kData;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return Peeked::kNothing;
  }
  return Peeked::kClosed;
}

}  // namespace ew
