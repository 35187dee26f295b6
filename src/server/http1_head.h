// The one writer of HTTP/1.1 response heads. Every answer edgewatch sends over HTTP/1.1 (a
// handler's, an error of the server's own, a 413, a proxied answer, a 101) gets its status line,
// Date, framing, Connection, X-Request-Id and Strict-Transport-Security here, the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ew::detail {

enum class Framing : std::uint8_t {
  kNone,        // no body may follow: 1xx, 204, 304, or the answer to a HEAD's length is given
  kLength,      // Content-Length: length
  kChunked,     // Transfer-Encoding: chunked
  kUntilClose,  // the body ends with the connection (an HTTP/1.0 client of a stream)
  kUpgrade,     // a 101: the connection switches protocols
};

struct HeadFacts {
  int status = 200;
  std::string_view reason;  // empty: the standard phrase
  Framing framing = Framing::kLength;
  std::uint64_t length = 0;  // with kLength (also sent for HEAD, where no body follows)
  bool keep_alive = true;
  unsigned version = 11;        // the request's; an HTTP/1.0 keep-alive is said out loud
  std::string_view request_id;  // empty: the caller's fields already carry one
  std::string_view hsts;        // the Strict-Transport-Security value to add; empty: none
};

// Appends the status line and the fields above to `out`; the caller appends its own fields
// ("Name: value\r\n" lines) and then end_head().
void begin_head(std::string& out, const HeadFacts& facts);
inline void end_head(std::string& out) {
  out += "\r\n";
}

// Appends "Name: value\r\n".
inline void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace ew::detail

namespace ew {
class Response;
}

namespace ew::detail {

struct ReplyFacts {
  bool keep_alive = true;
  unsigned version = 11;
  std::string_view request_id;
  std::string_view hsts;  // empty unless the request came over TLS
};

// The head of a whole answer (a handler's Response). Returns whether the connection stays open
// after it: not when the facts or the response say close.
bool append_response_head(std::string& out, const Response& response, const ReplyFacts& facts);

bool status_has_body(int status);

}  // namespace ew::detail
