#include "proxy/proxy_handler.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>
#include <optional>
#include <span>

#include <spdlog/spdlog.h>

#include "net/read_hints.h"
#include "net/with_ec.h"
#include "proxy/connection_pool.h"
#include "proxy/headers.h"
#include "proxy/tunnel.h"
#include "proxy/watchdog.h"

namespace ew::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

// The first read of an upstream's answer: a header and a small body fit.
constexpr std::size_t kHeaderRead = 16 * 1024;
// Interim (1xx) answers accepted before the final one; a server sends one or two.
constexpr int kMaxInterimResponses = 8;

using ResponseParser = http::response_parser<http::buffer_body>;

enum class Outcome : std::uint8_t {
  kDone,               // a response went to the client (maybe cut short by the upstream)
  kConnectFailed,      // the request never reached an upstream
  kFailedBeforeReply,  // sent, but no response header came back
  kTimedOut,           // no response header within the read timeout
  kClientGone,         // the client left; the upstream request was abandoned
  kBadClientBody,      // the client's body was malformed (say, an invalid chunk size)
  kBadUpstreamReply,   // an unsolicited 101, or more interim answers than any server sends
};

struct Attempt {
  Outcome outcome = Outcome::kDone;
  int status = 0;
  bool body_consumed = false;    // the client's body was read: the request cannot be replayed
  bool upstream_failed = false;  // the upstream broke mid-response
  error_code client_error;       // with kBadClientBody: what was wrong with the body
};

// Statuses that count against an upstream for outlier detection.
bool is_failure_status(int status) {
  return status >= 500;
}

// "HTTP/1.1 200 OK\r\n", with the upstream's status and reason.
std::string status_line(const ResponseParser::value_type& message) {
  std::string line = "HTTP/1.1 " + std::to_string(message.result_int()) + " ";
  auto reason = message.reason();
  line.append(reason.data(), reason.size());
  line += "\r\n";
  return line;
}

std::string status_line_and_headers(const http::response_parser<http::buffer_body>& parser,
                                    std::string_view request_id, bool chunked_to_client,
                                    bool keep_alive) {
  const auto& message = parser.get();
  std::string head = status_line(message);
  auto connection = message[http::field::connection];
  bool has_request_id = false;
  bool upgrade = message.result_int() == 101;
  for (const auto& field : message) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    std::string_view value(field.value().data(), field.value().size());
    if (upgrade && iequals(name, "upgrade")) {
      head.append(name).append(": ").append(value).append("\r\n");
      continue;
    }
    if (is_hop_by_hop(name, {connection.data(), connection.size()})) continue;
    if (chunked_to_client && iequals(name, "content-length")) continue;
    if (iequals(name, "x-request-id")) has_request_id = true;
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_request_id) head.append("X-Request-Id: ").append(request_id).append("\r\n");
  if (upgrade) {
    head += "Connection: upgrade\r\n";
  } else {
    if (chunked_to_client) head += "Transfer-Encoding: chunked\r\n";
    if (!keep_alive) head += "Connection: close\r\n";
  }
  head += "\r\n";
  return head;
}

// An interim answer to relay (103 Early Hints, 102): its status line and end-to-end fields.
std::string interim_head(const ResponseParser& parser) {
  const auto& message = parser.get();
  std::string head = status_line(message);
  auto connection = message[http::field::connection];
  for (const auto& field : message) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    if (is_hop_by_hop(name, {connection.data(), connection.size()})) continue;
    head.append(name).append(": ");
    head.append(field.value().data(), field.value().size()).append("\r\n");
  }
  head += "\r\n";
  return head;
}

// One write's worth of a message: `head` (may be empty), then `n` body bytes, in chunked framing
// when `framed`. It must outlive the write.
class FramedPieces {
 public:
  FramedPieces(std::string_view head, const char* data, std::size_t n, bool framed) {
    add(head.data(), head.size());
    if (n == 0) return;
    if (framed)
      add(size_line_,
          static_cast<std::size_t>(std::snprintf(size_line_, sizeof size_line_, "%zx\r\n", n)));
    add(data, n);
    if (framed) add("\r\n", 2);
  }
  FramedPieces(const FramedPieces&) = delete;  // the pieces may point into size_line_
  FramedPieces& operator=(const FramedPieces&) = delete;
  std::span<const net::const_buffer> buffers() const { return {pieces_.data(), count_}; }

 private:
  void add(const char* p, std::size_t n) {
    if (n > 0) pieces_[count_++] = net::const_buffer(p, n);
  }
  char size_line_[24];
  std::array<net::const_buffer, 4> pieces_;
  std::size_t count_ = 0;
};

// Sends what the socket takes at once, without a trip through the event loop (an asynchronous
// write costs one even when the kernel takes every byte at once, the usual case for a token or
// a small answer). True when everything went or on an error (in `ec`); otherwise `sent` says
// where send_rest() resumes. The socket must be in non-blocking mode.
bool send_now(tcp::socket& socket, std::span<const net::const_buffer> buffers, std::size_t& sent,
              error_code& ec) {
  sent = socket.write_some(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) {
    ec = {};
    sent = 0;
  }
  return ec || sent == beast::buffer_bytes(buffers);
}

net::awaitable<void> send_rest(tcp::socket& socket, std::span<const net::const_buffer> buffers,
                               std::size_t sent, error_code& ec) {
  beast::buffers_suffix<std::span<const net::const_buffer>> rest(buffers);
  rest.consume(sent);
  co_await net::async_write(socket, rest, with_ec(ec));
}

// One attempt of one request against one upstream.
class Exchange {
 public:
  Exchange(StreamContext& ctx, const RouteConfig& config, Upstream& upstream,
           std::string_view target, bool websocket)
      : ctx_(ctx),
        config_(config),
        upstream_(upstream),
        target_(target),
        websocket_(websocket),
        socket_(ctx.socket.get_executor()) {
    // Timeouts ride on the server's sweep: no timer per request. Expiry closes the upstream
    // socket, which ends whatever operation was waiting on it.
    ctx_.on_deadline = [this] {
      timed_out_ = true;
      error_code ignored;
      socket_.close(ignored);
      // A client that stopped reading mid-response, or stopped sending mid-body, would
      // otherwise pin this exchange.
      if (response_started_ || reading_client_body_) ctx_.socket.close(ignored);
    };
  }
  ~Exchange() {
    ctx_.on_deadline = nullptr;
    ctx_.deadline = Clock::time_point::max();
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  net::awaitable<Attempt> run();

 private:
  net::awaitable<bool> connect();
  net::awaitable<error_code> send_request();
  net::awaitable<bool> relay_response(ResponseParser& parser);
  net::awaitable<error_code> read_final_header(std::optional<ResponseParser>& parser);
  net::awaitable<error_code> read_header(ResponseParser& parser);
  net::awaitable<error_code> send_continue();
  std::optional<std::size_t> parse_buffered_body(http::response_parser<http::buffer_body>& parser,
                                                 std::span<char> into);
  bool look_at_client(const http::request_parser<http::buffer_body>& body_parser);
  bool parse_buffered_header(http::response_parser<http::buffer_body>& parser, error_code& ec);
  void count_body_bytes(std::size_t n);
  void watch_client();
  void stop_watching_client();

  StreamContext& ctx_;
  const RouteConfig& config_;
  Upstream& upstream_;
  std::string target_;
  bool websocket_;
  tcp::socket socket_;
  beast::flat_buffer upstream_buffer_;
  bool reused_ = false;
  // The request went out whole, at once, on a pooled connection found empty, and nothing ran in
  // between: the answer cannot be there yet (see AwaitedReadBuffer).
  bool nothing_pending_ = false;
  bool reading_client_body_ = false;
  bool timed_out_ = false;
  bool response_started_ = false;
  Attempt result_;
  std::shared_ptr<ClientWatch> client_watch_;
};

net::awaitable<bool> Exchange::connect() {
  if (auto pooled = ConnectionPool::local().take(&upstream_)) {
    socket_ = std::move(*pooled);
    reused_ = true;
    co_return true;
  }
  ctx_.set_timeout(config_.connect_timeout);
  error_code ec;
  auto address = net::ip::make_address(upstream_.host(), ec);
  if (!ec) {
    // An address needs no lookup: connect at once, without the resolver thread's round trip.
    co_await socket_.async_connect(tcp::endpoint(address, upstream_.port()), with_ec(ec));
  } else {
    ec = {};
    tcp::resolver resolver(socket_.get_executor());
    std::string port = std::to_string(upstream_.port());
    auto endpoints = co_await resolver.async_resolve(upstream_.host(), port, with_ec(ec));
    if (!ec && !timed_out_) co_await net::async_connect(socket_, endpoints, with_ec(ec));
  }
  if (ec || timed_out_) {
    spdlog::debug("request_id={} cannot connect to {}: {}", ctx_.request.request_id,
                  upstream_.url(), timed_out_ ? "timed out" : ec.message());
    co_return false;
  }
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);  // for send_now()
  co_return true;
}

// Sends the request head and streams the body, chunk by chunk, as the client sends it.
net::awaitable<error_code> Exchange::send_request() {
  auto& parser = ctx_.parser;
  auto length = parser.content_length();
  bool chunked = parser.chunked();
  BodyFraming framing = websocket_                ? BodyFraming::kNone
                        : chunked                 ? BodyFraming::kChunked
                        : (length && *length > 0) ? BodyFraming::kLength
                                                  : BodyFraming::kNone;
  std::string authority = upstream_.host() + ":" + std::to_string(upstream_.port());
  ForwardContext forward{.client_address = ctx_.request.client_address,
                         .peer_address = ctx_.request.peer_address,
                         .request_id = ctx_.request.request_id,
                         .secure = ctx_.request.secure,
                         .websocket = websocket_,
                         .configured_host = config_.host_header,
                         .upstream_authority = authority};
  std::string head =
      upstream_request_head(ctx_.request, target_, forward, framing, length.value_or(0));
  error_code ec;
  {
    FramedPieces pieces(head, nullptr, 0, false);
    std::size_t sent = 0;
    if (send_now(socket_, pieces.buffers(), sent, ec)) {
      nothing_pending_ = !ec && reused_ && framing == BodyFraming::kNone;
    } else {
      co_await send_rest(socket_, pieces.buffers(), sent, ec);
    }
  }
  if (ec || framing == BodyFraming::kNone) co_return ec;

  if (iequals(ctx_.request.header("Expect"), "100-continue") && ctx_.request.version >= 11) {
    ec = co_await send_continue();
    if (ec) {
      result_.outcome = Outcome::kClientGone;
      co_return ec;
    }
  }
  result_.body_consumed = true;
  http::request_parser<http::buffer_body> body_parser(std::move(parser));
  body_parser.body_limit(config_.max_body_size);
  std::array<char, 16384> chunk;
  bool client_ended = look_at_client(body_parser);
  reading_client_body_ = true;
  while (!body_parser.is_done()) {
    body_parser.get().body().data = chunk.data();
    body_parser.get().body().size = chunk.size();
    error_code read_ec;
    if (client_ended && ctx_.buffer.size() == 0) {
      result_.outcome = Outcome::kClientGone;
      co_return http::error::partial_message;
    }
    co_await http::async_read_some(ctx_.socket, ctx_.buffer, body_parser, with_ec(read_ec));
    if (read_ec == http::error::need_buffer) read_ec = {};
    if (read_ec) {
      // A body that breaks HTTP/1.1's framing gets its 400; one cut short means the client left.
      bool malformed = read_ec.category() == error_code(http::error::bad_chunk).category() &&
                       read_ec != http::error::partial_message &&
                       read_ec != http::error::end_of_stream;
      result_.outcome = malformed ? Outcome::kBadClientBody : Outcome::kClientGone;
      result_.client_error = read_ec;
      co_return read_ec;
    }
    std::size_t n = chunk.size() - body_parser.get().body().size;
    if (n == 0) continue;
    upstream_.stats.bytes_to_upstream.fetch_add(n, std::memory_order_relaxed);
    FramedPieces pieces({}, chunk.data(), n, framing == BodyFraming::kChunked);
    std::size_t sent = 0;
    if (!send_now(socket_, pieces.buffers(), sent, ec)) {
      co_await send_rest(socket_, pieces.buffers(), sent, ec);
    }
    if (ec) co_return ec;
    ctx_.set_timeout(config_.send_timeout);
  }
  reading_client_body_ = false;
  if (framing == BodyFraming::kChunked) {
    co_await net::async_write(socket_, net::buffer("0\r\n\r\n", 5), with_ec(ec));
  }
  co_return ec;
}

// Unless the whole body is already buffered, reads the client's socket once, directly: a FIN
// that came with the request raises no later epoll event (see read_hints.h), so a read that
// only waited would wait for the deadline. True when the client has ended its side.
bool Exchange::look_at_client(const http::request_parser<http::buffer_body>& body_parser) {
  auto remaining = body_parser.content_length_remaining();
  if (remaining && ctx_.buffer.size() >= *remaining) return false;
  error_code ec;
  std::size_t n = ctx_.socket.read_some(ctx_.buffer.prepare(16384), ec);
  if (!ec) ctx_.buffer.commit(n);
  return ec && ec != net::error::would_block && ec != net::error::try_again;
}

// Parses a response header already in the buffer. True when that settled it: complete, or
// malformed (then `ec` says how); false when more must be read.
bool Exchange::parse_buffered_header(http::response_parser<http::buffer_body>& parser,
                                     error_code& ec) {
  if (upstream_buffer_.size() == 0) return false;
  std::size_t used = parser.put(upstream_buffer_.data(), ec);
  upstream_buffer_.consume(used);
  if (ec == http::error::need_more) {
    ec = {};
    return false;
  }
  return true;
}

// While waiting on the upstream, notice a client that hangs up and abandon the upstream
// request at once, instead of at the next write.
void Exchange::watch_client() {
  if (ctx_.buffer.size() > 0) return;  // a pipelined request is already here
  client_watch_ = ClientWatch::start(ctx_.socket, [this] {
    error_code ignored;
    socket_.close(ignored);
    result_.outcome = Outcome::kClientGone;
  });
}

void Exchange::stop_watching_client() {
  if (client_watch_) client_watch_->stop();
  client_watch_.reset();
}

net::awaitable<Attempt> Exchange::run() {
  if (!co_await connect()) {
    result_.outcome = Outcome::kConnectFailed;
    co_return result_;
  }
  auto started = Clock::now();
  ctx_.set_timeout(config_.send_timeout);
  error_code ec = co_await send_request();
  if (ec) {
    if (result_.outcome != Outcome::kClientGone && result_.outcome != Outcome::kBadClientBody) {
      result_.outcome = Outcome::kFailedBeforeReply;
    }
    co_return result_;
  }

  ctx_.set_timeout(config_.read_timeout);
  std::optional<ResponseParser> final_parser;
  ec = co_await read_final_header(final_parser);
  if (result_.outcome == Outcome::kBadUpstreamReply) co_return result_;
  if (ec) {
    if (result_.outcome == Outcome::kClientGone) co_return result_;
    spdlog::debug("request_id={} upstream {} response header: {}", ctx_.request.request_id,
                  upstream_.url(), ec.message());
    result_.outcome = timed_out_ ? Outcome::kTimedOut : Outcome::kFailedBeforeReply;
    co_return result_;
  }
  ResponseParser& parser = *final_parser;
  upstream_.stats.time_to_first_byte.observe(
      std::chrono::duration<double>(Clock::now() - started).count());
  result_.status = parser.get().result_int();
  result_.outcome = Outcome::kDone;

  if (websocket_ && result_.status == 101) {
    ctx_.deadline = Clock::time_point::max();
    std::string head = status_line_and_headers(parser, ctx_.request.request_id, false, true);
    co_await net::async_write(ctx_.socket, net::buffer(head), with_ec(ec));
    ctx_.status = 101;
    ctx_.keep_alive = false;
    if (ec) co_return result_;
    // A tunnel may stay open for hours: keep nothing of either header while it runs.
    std::string().swap(head);
    parser.release();
    if (ctx_.release_request) ctx_.release_request();
    std::string().swap(target_);
    response_started_ = true;  // so that the idle deadline closes the client's side as well
    upstream_.stats.open_websockets.fetch_add(1, std::memory_order_relaxed);
    TunnelStats bytes = co_await tunnel(ctx_.socket, ctx_.buffer, socket_, upstream_buffer_,
                                        ctx_.deadline, config_.websocket_idle_timeout);
    upstream_.stats.open_websockets.fetch_sub(1, std::memory_order_relaxed);
    upstream_.stats.bytes_to_upstream.fetch_add(bytes.to_b, std::memory_order_relaxed);
    upstream_.stats.bytes_from_upstream.fetch_add(bytes.to_a, std::memory_order_relaxed);
    ctx_.bytes_sent = bytes.to_a;
    co_return result_;
  }

  bool complete = co_await relay_response(parser);
  ctx_.deadline = Clock::time_point::max();
  stop_watching_client();
  upstream_.stats.stream_duration.observe(
      std::chrono::duration<double>(Clock::now() - started).count());
  if (complete && parser.keep_alive() && upstream_buffer_.size() == 0 && socket_.is_open()) {
    ConnectionPool::local().put(&upstream_, std::move(socket_), config_.max_idle_per_upstream);
  }
  co_return result_;
}

net::awaitable<error_code> Exchange::send_continue() {
  error_code ec;
  co_await net::async_write(
      ctx_.socket, net::buffer(kContinueResponse.data(), kContinueResponse.size()), with_ec(ec));
  co_return ec;
}

// One response header from the upstream, into a fresh parser.
net::awaitable<error_code> Exchange::read_header(ResponseParser& parser) {
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (ctx_.request.method == Method::kHead) parser.skip(true);
  error_code ec;
  if (std::exchange(nothing_pending_, false)) {
    std::size_t n = co_await socket_.async_read_some(
        AwaitedReadBuffer(upstream_buffer_.prepare(kHeaderRead)), with_ec(ec));
    if (!ec) upstream_buffer_.commit(n);
  }
  if (!ec && !parse_buffered_header(parser, ec)) {
    co_await http::async_read_header(socket_, upstream_buffer_, parser, with_ec(ec));
  }
  co_return ec;
}

// Reads past the upstream's interim answers to its final one (RFC 9110 15.2): a 100 is
// swallowed (edgewatch answered the client's 100-continue itself), a 103 or 102 is relayed to an
// HTTP/1.1 client, and a 101 is final only for a WebSocket upgrade: unasked, it is a bad reply.
net::awaitable<error_code> Exchange::read_final_header(std::optional<ResponseParser>& parser) {
  for (int interim = 0;; ++interim) {
    error_code ec = co_await read_header(parser.emplace());
    if (ec) co_return ec;
    int status = parser->get().result_int();
    if (status >= 200 || (status == 101 && websocket_)) co_return ec;
    if (status == 101 || interim == kMaxInterimResponses) {
      spdlog::warn("request_id={} upstream {} answered {} {}", ctx_.request.request_id,
                   upstream_.url(), status,
                   status == 101 ? "without an upgrade being asked" : "once too often");
      result_.outcome = Outcome::kBadUpstreamReply;
      co_return ec;
    }
    if (status == 100 || ctx_.request.version < 11) continue;
    std::string head = interim_head(*parser);
    co_await net::async_write(ctx_.socket, net::buffer(head), with_ec(ec));
    if (ec) {
      result_.outcome = Outcome::kClientGone;
      co_return ec;
    }
  }
}

// Parses body bytes already read past the header into `into`, without waiting for more.
// nullopt when they are malformed.
std::optional<std::size_t> Exchange::parse_buffered_body(
    http::response_parser<http::buffer_body>& parser, std::span<char> into) {
  parser.get().body().data = into.data();
  parser.get().body().size = into.size();
  error_code ec;
  std::size_t used = parser.put(upstream_buffer_.data(), ec);
  upstream_buffer_.consume(used);
  if (ec && ec != http::error::need_buffer && ec != http::error::need_more) {
    result_.upstream_failed = true;
    return std::nullopt;
  }
  return into.size() - parser.get().body().size;
}

void Exchange::count_body_bytes(std::size_t n) {
  if (n == 0) return;
  upstream_.stats.bytes_from_upstream.fetch_add(n, std::memory_order_relaxed);
  ctx_.bytes_sent += n;
}

// Writes the response head, then each piece of the body the moment it arrives. Returns true
// when the whole response went through.
net::awaitable<bool> Exchange::relay_response(http::response_parser<http::buffer_body>& parser) {
  int status = parser.get().result_int();
  bool head_only =
      ctx_.request.method == Method::kHead || status < 200 || status == 204 || status == 304;
  bool chunked = !head_only && !parser.content_length().has_value();
  bool http10 = ctx_.request.version == 10;
  // An HTTP/1.0 client cannot read chunked framing: it gets the body until the close.
  bool keep_alive = ctx_.request.keep_alive && !(chunked && http10);
  ctx_.keep_alive = keep_alive;
  ctx_.status = status;
  std::string head =
      status_line_and_headers(parser, ctx_.request.request_id, chunked && !http10, keep_alive);
  response_started_ = true;
  bool framed = chunked && !http10;
  std::array<char, 16384> chunk;
  // Body bytes that came with the header go out with it, in one write (and one segment): for a
  // small JSON answer that is the whole response.
  bool ok = true;
  std::size_t first = 0;
  if (!head_only && upstream_buffer_.size() > 0) {
    std::optional<std::size_t> n = parse_buffered_body(parser, chunk);
    if (n) {
      first = *n;
    } else {
      ok = false;
    }
  }
  error_code ec;
  {
    FramedPieces pieces(head, chunk.data(), first, framed);
    std::size_t sent = 0;
    if (!send_now(ctx_.socket, pieces.buffers(), sent, ec)) {
      co_await send_rest(ctx_.socket, pieces.buffers(), sent, ec);
    }
  }
  if (ec) {
    result_.outcome = Outcome::kClientGone;
    co_return false;
  }
  if (head_only) co_return parser.is_done() || ctx_.request.method == Method::kHead;
  count_body_bytes(first);

  // A stream (no length: SSE, chunked) may run long; watch for the client hanging up meanwhile.
  if (chunked) watch_client();
  upstream_.stats.open_streams.fetch_add(1, std::memory_order_relaxed);
  while (ok && !parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    co_await http::async_read_some(socket_, upstream_buffer_, parser, with_ec(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      ok = false;
      if (result_.outcome != Outcome::kClientGone) result_.upstream_failed = true;
      break;
    }
    std::size_t n = chunk.size() - parser.get().body().size;
    if (n == 0) continue;
    ctx_.set_timeout(config_.read_timeout);  // silence, not stream length, is what times out
    FramedPieces pieces({}, chunk.data(), n, framed);
    std::size_t sent = 0;
    if (!send_now(ctx_.socket, pieces.buffers(), sent, ec)) {
      co_await send_rest(ctx_.socket, pieces.buffers(), sent, ec);
    }
    if (ec) {
      result_.outcome = Outcome::kClientGone;
      ok = false;
      break;
    }
    count_body_bytes(n);
  }
  upstream_.stats.open_streams.fetch_sub(1, std::memory_order_relaxed);
  if (!ok) {
    // The client must learn the stream broke: close instead of sending the last chunk.
    ctx_.keep_alive = false;
    error_code ignored;
    ctx_.socket.shutdown(tcp::socket::shutdown_both, ignored);
    co_return false;
  }
  if (chunked && !http10) {
    co_await net::async_write(ctx_.socket, net::buffer("0\r\n\r\n", 5), with_ec(ec));
    if (ec) co_return false;
  }
  co_return true;
}

// Books one attempt's outcome; true when the client got its answer (or left).
// Connect failures are the upstream's alone; anything later may be the request's doing.
bool record(Pool& pool, Admission& admission, std::uint64_t client, const Attempt& result,
            StreamContext& ctx) {
  Upstream& upstream = *admission.upstream();
  auto now = Clock::now();
  switch (result.outcome) {
    case Outcome::kDone: {
      int klass = std::clamp(result.status / 100, 1, 5);
      upstream.stats.responses_by_class[klass - 1].fetch_add(1, std::memory_order_relaxed);
      if (is_failure_status(result.status) || result.upstream_failed) {
        pool.record_failure(admission, client, Fault::kRequest, now);
      } else {
        pool.record_success(admission, client, now);
      }
      return true;
    }
    case Outcome::kClientGone:
      upstream.stats.client_aborts.fetch_add(1, std::memory_order_relaxed);
      ctx.keep_alive = false;
      return true;
    case Outcome::kBadClientBody:
      ctx.keep_alive = false;  // the client's framing is broken: nothing after it can be read
      return false;
    default:
      pool.record_failure(
          admission, client,
          result.outcome == Outcome::kConnectFailed ? Fault::kUpstream : Fault::kRequest, now);
      return false;
  }
}

const char* describe(Outcome outcome) {
  switch (outcome) {
    case Outcome::kConnectFailed:
      return "cannot connect to any upstream";
    case Outcome::kTimedOut:
      return "the upstream did not answer within the read timeout";
    case Outcome::kBadUpstreamReply:
      return "the upstream switched protocols unasked, or sent too many interim answers";
    default:
      return "the upstream closed the connection without answering";
  }
}

net::awaitable<void> write_error(StreamContext& ctx, int status, std::string_view code,
                                 std::string_view message, std::chrono::seconds retry_after) {
  Response response = error_response(status, code, message, ctx.request.request_id);
  if (status == 503 || status == 429) {
    response.add_header("Retry-After", std::to_string(retry_after.count()));
  }
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  head.append(reason_phrase(status));
  head += "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n";
  head += date_header_line();
  head += "X-Request-Id: ";
  head.append(ctx.request.request_id);
  head += "\r\n";
  head += response.header_lines();
  if (!ctx.keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  if (ctx.request.method != Method::kHead) head += response.body;
  error_code ec;
  co_await net::async_write(ctx.socket, net::buffer(head), with_ec(ec));
  ctx.status = status;
  ctx.bytes_sent = response.body.size();
  if (ec) ctx.keep_alive = false;
}

}  // namespace

ProxyHandler::ProxyHandler(RouteConfig config, std::shared_ptr<Pool> pool,
                           std::shared_ptr<RetryBudget> budget)
    : config_(std::move(config)), pool_(std::move(pool)), budget_(std::move(budget)) {}

net::awaitable<void> ProxyHandler::serve(StreamContext& ctx) {
  auto& request = ctx.request;
  bool websocket = is_websocket_upgrade(request);
  auto length = ctx.parser.content_length();
  bool has_body = ctx.parser.chunked() || (length && *length > 0);
  ctx.keep_alive = request.keep_alive;
  if (length && *length > config_.max_body_size) {
    ctx.keep_alive = false;
    Response response = error_response(
        413, "body_too_large", "the request body exceeds this route's limit", request.request_id);
    std::string head = "HTTP/1.1 413 Content Too Large\r\nContent-Length: " +
                       std::to_string(response.body.size()) + "\r\nConnection: close\r\n" +
                       std::string(date_header_line()) +
                       "X-Request-Id: " + std::string(request.request_id) + "\r\n" +
                       response.header_lines() + "\r\n" + response.body;
    error_code ec;
    co_await net::async_write(ctx.socket, net::buffer(head), with_ec(ec));
    ctx.status = 413;
    co_return;
  }
  std::string target = rewrite_target(request.target, config_.prefix, config_.rewrite);

  // A client whose requests keep failing while others are served waits, not the upstream.
  std::uint64_t client = client_key(request.client_address);
  if (auto wait = pool_->clients().blocked_for(client, Clock::now()); wait.count() > 0) {
    if (has_body) ctx.keep_alive = false;  // its body is not read
    co_await write_error(ctx, 429, "client_failing",
                         "this client's recent requests keep failing upstream; retry later",
                         std::chrono::ceil<std::chrono::seconds>(wait));
    co_return;
  }

  budget_->begin_request();
  std::vector<const Upstream*> tried;
  bool answered = false;
  bool only_connect_failures = true;
  int error_status = 0;
  error_code client_error;
  std::string failure = "no upstream is available";
  for (int attempt = 0; attempt <= config_.retries && !answered && error_status == 0; ++attempt) {
    auto now = Clock::now();
    Admission admission = pool_->admit(now, tried);
    if (!admission) break;
    Upstream* upstream = admission.upstream();
    tried.push_back(upstream);
    bool retry = attempt > 0;
    if (retry && !budget_->try_begin_retry()) {
      failure = "the retry budget is exhausted";
      break;
    }
    if (retry) upstream->stats.retries.fetch_add(1, std::memory_order_relaxed);
    upstream->begin();
    upstream->stats.requests.fetch_add(1, std::memory_order_relaxed);
    std::string full_target =
        upstream->base_path() == "/" ? target : upstream->base_path() + target.substr(1);
    Exchange exchange(ctx, config_, *upstream, full_target, websocket);
    Attempt result = co_await exchange.run();
    upstream->end();
    if (retry) budget_->end_retry();
    answered = record(*pool_, admission, client, result, ctx);
    if (answered) break;
    if (result.outcome == Outcome::kBadClientBody) {
      client_error = result.client_error;
      break;
    }
    if (result.outcome != Outcome::kConnectFailed) only_connect_failures = false;
    if (result.body_consumed) ctx.keep_alive = false;  // the body is gone with the attempt
    failure = describe(result.outcome);
    // A request that never reached an upstream may always go to another; one that did, only
    // when it is idempotent and has no body to replay.
    bool replayable = result.outcome == Outcome::kConnectFailed ||
                      (is_idempotent(request.method) && !result.body_consumed && !has_body);
    if (result.outcome == Outcome::kTimedOut) {
      error_status = 504;
    } else if (!replayable) {
      error_status = 502;
    }
  }
  budget_->end_request();
  if (answered) co_return;
  if (client_error) {
    bool too_large = client_error == http::error::body_limit;
    std::string message = too_large ? "the request body exceeds this route's limit of " +
                                          std::to_string(config_.max_body_size) + " bytes"
                                    : "malformed request body: " + client_error.message();
    int status = too_large ? 413 : 400;
    std::string_view code = too_large ? "body_too_large" : "bad_request";
    co_await write_error(ctx, status, code, message, std::chrono::seconds(0));
    co_return;
  }
  if (error_status == 0) error_status = only_connect_failures ? 503 : 502;
  co_await write_error(ctx, error_status, "upstream_unavailable", failure,
                       pool_->retry_after(Clock::now()));
}

}  // namespace ew::proxy
