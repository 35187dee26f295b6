// The request and response types every handler sees. Deliberately free of Boost.Beast and Asio:
// handlers are pure functions of a Request that fill a Response, and only src/server/ knows how
// bytes reach a socket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ew {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view to_string(Method m);
Method parse_method(std::string_view name);

// ASCII case-insensitive equality, as HTTP field names compare.
bool iequals(std::string_view a, std::string_view b);

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// One parsed request. Views point into buffers owned by the connection; they stay valid until
// the handler's Responder::send() has been called.
class Request {
 public:
  Method method = Method::kOther;
  std::string_view method_name;
  std::string_view target;  // the raw request-target, as received
  std::string_view path;    // target up to '?', still percent-encoded
  std::string_view query;   // after '?', without it
  unsigned version = 11;    // 10 or 11
  bool keep_alive = true;
  bool secure = false;  // arrived over TLS
  // The client: the TCP peer, or behind `server.trusted_proxies` the address they forwarded.
  // Per-client limits and the breaker's fairness key on it; X-Real-IP carries it upstream.
  std::string_view client_address;
  std::string_view peer_address;  // the TCP peer, always
  std::string_view request_id;
  std::string body;

  // First value of the named field (case-insensitive), or empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  const std::vector<HeaderField>& headers() const { return headers_; }

  // Values captured by a pattern route's {name} segments; empty when absent.
  std::string_view param(std::string_view name) const;

  // Used by the server and router to fill the request.
  std::vector<HeaderField>& mutable_headers() { return headers_; }
  std::vector<std::pair<std::string_view, std::string_view>>& mutable_params() { return params_; }

 private:
  std::vector<HeaderField> headers_;
  std::vector<std::pair<std::string_view, std::string_view>> params_;
};

// Bytes shared between many responses (a cached file, a pre-built header block). The owner keeps
// the memory alive for as long as any response still refers to it.
struct SharedBytes {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
};

// A region of an open file, sent with sendfile(2) for files too large to keep in memory.
struct FileRegion {
  std::shared_ptr<const int> fd;  // owns the descriptor; the deleter closes it
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

class Response {
 public:
  Response() = default;
  explicit Response(int status) : status(status) {}

  int status = 200;

  // Appends one header line. The caller guarantees name and value hold no CR or LF.
  void add_header(std::string_view name, std::string_view value);
  // Appends pre-formatted "Name: value\r\n" lines shared with other responses.
  void add_header_block(SharedBytes block) { shared_headers = std::move(block); }
  const std::string& header_lines() const { return headers_; }
  // Finds a header added with add_header (not in a shared block); empty when absent.
  std::string_view find_header(std::string_view name) const;

  // Body, one of: an owned string, shared bytes, or a file region.
  void set_body(std::string text, std::string_view content_type);
  std::string body;
  std::optional<SharedBytes> shared_body;
  std::optional<FileRegion> file_body;
  std::uint64_t body_size() const;

  // Ask the server to close the connection once this answer is sent.
  bool close_connection = false;
  // Pre-formatted header lines (add_header_block), sent after the ones added one by one.
  SharedBytes shared_headers;

 private:
  std::string headers_;
};

// Builds the small JSON error body used for every error edgewatch itself produces:
// {"error":{"code":...,"message":...,"request_id":...}}.
Response error_response(int status, std::string_view code, std::string_view message,
                        std::string_view request_id);

std::string_view reason_phrase(int status);

// "Date: Tue, 15 Nov 1994 08:12:31 GMT\r\n" for now, rebuilt at most once a second per thread:
// every response head edgewatch writes carries it.
std::string_view date_header_line();

// The interim answer to `Expect: 100-continue`, sent when the server is ready for the body.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace ew
