// The HTTP/1.1 side of the streaming contract (net/exchange.h): reads a request body in
// HTTP/1.1's framing (Content-Length or chunked, with 100-continue) and writes the answer in it
// (a length, chunked, or until the close for an HTTP/1.0 client), through the one head writer.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/byte_stream.h"
#include "net/exchange.h"
#include "net/framed_pieces.h"
#include "server/http1_head.h"

namespace ew::detail {

using HeaderParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// What one exchange borrows from its connection.
struct Http1Link {
  ew::net::ByteStream& stream;
  boost::beast::flat_buffer& buffer;  // bytes read past the header
  HeaderParser& parser;               // the header is parsed, the body not read
  Request& request;
  std::uint64_t body_limit = 0;
  bool keep_alive = true;  // the connection may carry another request, as far as it is known
  std::string_view hsts;   // the Strict-Transport-Security value for this request, or empty
  std::string& head;       // where heads are written: the connection's, reused across requests
};

class Http1Exchange final : public BodyReader, public ResponseWriter {
 public:
  explicit Http1Exchange(Http1Link link);
  ~Http1Exchange() override;

  bool has_body() const override;
  std::optional<std::uint64_t> length() const override;
  bool done() const override { return body_done_; }
  boost::asio::awaitable<BodyPiece> read(std::span<char> into) override;

  boost::asio::awaitable<bool> interim(const ResponseHead& head) override;
  boost::asio::awaitable<bool> start(const ResponseHead& head,
                                     std::span<const char> first_bytes) override;
  boost::asio::awaitable<bool> write(std::span<const char> bytes) override;
  boost::asio::awaitable<bool> finish() override;
  void abort() override;
  boost::asio::awaitable<bool> reply(Response response) override;
  boost::asio::awaitable<Upgraded> upgrade(const ResponseHead& head) override;
  void watch_hangup(std::function<void()> on_hangup) override;
  void stop_watching() override;
  bool started() const override { return started_; }

  // Whether the connection may carry another request once the exchange is over: the answer
  // completed, the body was read whole, and nothing said close.
  bool reusable() const;
  // The answer's status and body bytes, for the access log.
  int status() const { return status_; }
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  struct HangupWatch;
  void format_head(const ResponseHead& head, Framing framing);
  using Rest = ew::net::ByteStream::Rest;
  bool send_now(const ew::net::FramedPieces& pieces, std::optional<Rest>& rest);
  bool look_at_client();

  Http1Link link_;
  using BodyParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  std::unique_ptr<BodyParser> body_parser_;  // made when a body is read: most requests have none
  Framing framing_ = Framing::kNone;
  int status_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool body_done_ = false;
  bool client_ended_ = false;
  bool started_ = false;
  bool finished_ = false;
  bool broken_ = false;
  bool keep_alive_ = true;
  std::shared_ptr<HangupWatch> watch_;
};

}  // namespace ew::detail
