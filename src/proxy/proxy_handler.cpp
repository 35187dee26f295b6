#include "proxy/proxy_handler.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>
#include <optional>
#include <span>

#include <spdlog/spdlog.h>

#include "net/byte_stream.h"
#include "net/framed_pieces.h"
#include "net/read_hints.h"
#include "net/with_ec.h"
#include "proxy/connection_pool.h"
#include "proxy/headers.h"
#include "proxy/tunnel.h"
#include "proxy/upstream_connection.h"

namespace ew::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using ew::net::ByteStream;

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
  BodyPiece client_error;        // with kBadClientBody: what was wrong with the body
};

// Statuses that count against an upstream for outlier detection.
bool is_failure_status(int status) {
  return status >= 500;
}

// A field list kept per thread between answers, so that passing an upstream's answer on does
// not allocate one each time (recycle() gives it back once the writer has the head).
std::vector<HeaderField>& spare_fields() {
  thread_local std::vector<HeaderField> spare;
  return spare;
}

void recycle(ResponseHead& head) {
  if (head.fields.capacity() > spare_fields().capacity()) head.fields.swap(spare_fields());
}

// The upstream's answer as the client's writer takes it: status, reason and end-to-end fields.
// The fields are views into the parser's message, valid while it lives.
ResponseHead response_head(const ResponseParser& parser, bool upgrade) {
  const auto& message = parser.get();
  ResponseHead head;
  head.fields.swap(spare_fields());
  head.fields.clear();
  head.status = message.result_int();
  auto reason = message.reason();
  head.reason = {reason.data(), reason.size()};
  auto connection = message[http::field::connection];
  std::string_view connection_field(connection.data(), connection.size());
  for (const auto& field : message) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    std::string_view value(field.value().data(), field.value().size());
    if (upgrade && iequals(name, "upgrade")) {
      head.fields.push_back({name, value});
      continue;
    }
    if (is_hop_by_hop(name, connection_field)) continue;
    // The gateway's own: the framing is the writer's, the Date edgewatch's (as nginx does).
    if (iequals(name, "content-length") || iequals(name, "date")) continue;
    head.fields.push_back({name, value});
  }
  if (auto length = parser.content_length()) head.content_length = *length;
  return head;
}

// One attempt of one request against one upstream.
class Exchange {
 public:
  Exchange(StreamExchange& ctx, const RouteConfig& config, Upstream& upstream,
           std::string_view target, bool websocket, const net::any_io_executor& executor)
      : ctx_(ctx),
        config_(config),
        upstream_(upstream),
        target_(target),
        websocket_(websocket),
        stream_(executor) {
    // Timeouts ride on the server's sweep: no timer per request. Expiry closes the upstream
    // connection, which ends whatever operation was waiting on it.
    ctx_.on_deadline = [this] {
      timed_out_ = true;
      stream_.close();
      // A client that stopped reading mid-response, or stopped sending mid-body, would
      // otherwise pin this exchange.
      if (response_started_ || reading_client_body_) ctx_.response.abort();
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
  net::awaitable<void> relay_websocket(std::optional<ResponseParser>& parser);
  net::awaitable<error_code> read_final_header(std::optional<ResponseParser>& parser);
  net::awaitable<error_code> read_header(ResponseParser& parser);
  std::optional<std::size_t> parse_buffered_body(ResponseParser& parser, std::span<char> into);
  bool parse_buffered_header(ResponseParser& parser, error_code& ec);
  void count_body_bytes(std::size_t n);
  void watch_client();

  StreamExchange& ctx_;
  const RouteConfig& config_;
  Upstream& upstream_;
  std::string target_;
  bool websocket_;
  ByteStream stream_;
  beast::flat_buffer upstream_buffer_;
  bool reused_ = false;
  // The request went out whole, at once, on a pooled connection found empty, and nothing ran in
  // between: the answer cannot be there yet (see AwaitedReadBuffer).
  bool nothing_pending_ = false;
  bool reading_client_body_ = false;
  bool timed_out_ = false;
  bool response_started_ = false;
  Attempt result_;
};

net::awaitable<bool> Exchange::connect() {
  if (auto pooled = ConnectionPool::local().take(&upstream_)) {
    stream_ = std::move(*pooled);
    reused_ = true;
    co_return true;
  }
  ctx_.set_timeout(config_.connect_timeout);
  error_code ec = co_await open_upstream(stream_, upstream_, timed_out_);
  if (ec || timed_out_) {
    spdlog::debug("request_id={} cannot connect to {}: {}", ctx_.request.request_id,
                  upstream_.url(), timed_out_ ? "timed out" : ec.message());
    co_return false;
  }
  co_return true;
}

// Sends the request head and streams the body, piece by piece, as the client sends it.
net::awaitable<error_code> Exchange::send_request() {
  BodyReader& body = ctx_.body;
  std::optional<std::uint64_t> length = body.length();
  BodyFraming framing = websocket_ || !body.has_body() ? BodyFraming::kNone
                        : length                       ? BodyFraming::kLength
                                                       : BodyFraming::kChunked;
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
  std::array<net::const_buffer, 1> head_buffer{net::buffer(head)};
  std::optional<ByteStream::Rest> rest;
  if (stream_.write_at_once(head_buffer, rest, ec)) {
    nothing_pending_ = !ec && reused_ && framing == BodyFraming::kNone;
  } else {
    co_await net::async_write(stream_, *rest, with_ec(ec));
  }
  if (ec || framing == BodyFraming::kNone) co_return ec;

  result_.body_consumed = true;
  std::array<char, 16384> chunk;
  reading_client_body_ = true;
  while (!body.done()) {
    BodyPiece piece = co_await body.read(chunk);
    if (piece.status != BodyStatus::kOk) {
      result_.outcome =
          piece.status == BodyStatus::kClientGone ? Outcome::kClientGone : Outcome::kBadClientBody;
      result_.client_error = std::move(piece);
      co_return net::error::operation_aborted;
    }
    if (piece.size == 0) continue;
    upstream_.stats.bytes_to_upstream.fetch_add(piece.size, std::memory_order_relaxed);
    // The request body as the upstream gets it: chunked framing when its length is unknown.
    ew::net::FramedPieces pieces({}, chunk.data(), piece.size, framing == BodyFraming::kChunked);
    rest.reset();
    if (!stream_.write_at_once(pieces.buffers(), rest, ec)) {
      co_await net::async_write(stream_, *rest, with_ec(ec));
    }
    if (ec) co_return ec;
    ctx_.set_timeout(config_.send_timeout);
  }
  reading_client_body_ = false;
  if (framing == BodyFraming::kChunked) {
    co_await net::async_write(stream_, net::buffer("0\r\n\r\n", 5), with_ec(ec));
  }
  co_return ec;
}

// Parses a response header already in the buffer. True when that settled it: complete, or
// malformed (then `ec` says how); false when more must be read.
bool Exchange::parse_buffered_header(ResponseParser& parser, error_code& ec) {
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
  ctx_.response.watch_hangup([this] {
    stream_.close();
    result_.outcome = Outcome::kClientGone;
  });
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
    co_await relay_websocket(final_parser);
    co_return result_;
  }

  bool complete = co_await relay_response(parser);
  ctx_.deadline = Clock::time_point::max();
  ctx_.response.stop_watching();
  upstream_.stats.stream_duration.observe(
      std::chrono::duration<double>(Clock::now() - started).count());
  if (complete && parser.keep_alive() && upstream_buffer_.size() == 0 && stream_.is_open()) {
    ConnectionPool::local().put(&upstream_, std::move(stream_), config_.max_idle_per_upstream);
  }
  co_return result_;
}

net::awaitable<void> Exchange::relay_websocket(std::optional<ResponseParser>& parser) {
  ctx_.deadline = Clock::time_point::max();
  ctx_.status = 101;
  Upgraded client;
  {
    ResponseHead head = response_head(*parser, /*upgrade=*/true);
    client = co_await ctx_.response.upgrade(head);
  }
  if (!client.stream) co_return;
  // A tunnel may stay open for hours: keep nothing of either header while it runs.
  parser.reset();
  if (ctx_.release_request) ctx_.release_request();
  std::string().swap(target_);
  response_started_ = true;  // so that the idle deadline closes the client's side as well
  upstream_.stats.open_websockets.fetch_add(1, std::memory_order_relaxed);
  TunnelStats bytes =
      co_await tunnel(*client.stream, std::move(client.pending), stream_, upstream_buffer_,
                      ctx_.deadline, config_.websocket_idle_timeout);
  upstream_.stats.open_websockets.fetch_sub(1, std::memory_order_relaxed);
  upstream_.stats.bytes_to_upstream.fetch_add(bytes.to_b, std::memory_order_relaxed);
  upstream_.stats.bytes_from_upstream.fetch_add(bytes.to_a, std::memory_order_relaxed);
  ctx_.bytes_sent = bytes.to_a;
}

// One response header from the upstream, into a fresh parser.
net::awaitable<error_code> Exchange::read_header(ResponseParser& parser) {
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (ctx_.request.method == Method::kHead) parser.skip(true);
  error_code ec;
  if (std::exchange(nothing_pending_, false)) {
    std::size_t n = co_await stream_.async_read_some(
        AwaitedReadBuffer(upstream_buffer_.prepare(kHeaderRead)), with_ec(ec));
    if (!ec) upstream_buffer_.commit(n);
  }
  if (!ec && !parse_buffered_header(parser, ec)) {
    co_await http::async_read_header(stream_, upstream_buffer_, parser, with_ec(ec));
  }
  co_return ec;
}

// Reads past the upstream's interim answers to its final one (RFC 9110 15.2): a 100 is
// swallowed (edgewatch answered the client's 100-continue itself), a 103 or 102 is relayed,
// and a 101 is final only for a WebSocket upgrade: unasked, it is a bad reply.
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
    if (status == 100) continue;
    if (!co_await ctx_.response.interim(response_head(*parser, /*upgrade=*/false))) {
      result_.outcome = Outcome::kClientGone;
      co_return net::error::operation_aborted;
    }
  }
}

// Parses body bytes already read past the header into `into`, without waiting for more.
// nullopt when they are malformed.
std::optional<std::size_t> Exchange::parse_buffered_body(ResponseParser& parser,
                                                         std::span<char> into) {
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

// Starts the answer, then passes each piece of the body on the moment it arrives. Returns true
// when the whole response went through.
net::awaitable<bool> Exchange::relay_response(ResponseParser& parser) {
  int status = parser.get().result_int();
  bool head_only =
      ctx_.request.method == Method::kHead || status < 200 || status == 204 || status == 304;
  bool streamed = !head_only && !parser.content_length().has_value();
  ctx_.status = status;
  response_started_ = true;
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
  ResponseHead head = response_head(parser, /*upgrade=*/false);
  bool started = co_await ctx_.response.start(head, std::span<const char>(chunk.data(), first));
  recycle(head);
  if (!started) {
    result_.outcome = Outcome::kClientGone;
    co_return false;
  }
  if (head_only) co_return parser.is_done() || ctx_.request.method == Method::kHead;
  count_body_bytes(first);

  // A stream (no length: SSE, chunked) may run long; watch for the client hanging up meanwhile.
  if (streamed) watch_client();
  upstream_.stats.open_streams.fetch_add(1, std::memory_order_relaxed);
  while (ok && !parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    error_code ec;
    co_await http::async_read_some(stream_, upstream_buffer_, parser, with_ec(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      ok = false;
      if (result_.outcome != Outcome::kClientGone) result_.upstream_failed = true;
      break;
    }
    std::size_t n = chunk.size() - parser.get().body().size;
    if (n == 0) continue;
    ctx_.set_timeout(config_.read_timeout);  // silence, not stream length, is what times out
    if (!co_await ctx_.response.write(std::span<const char>(chunk.data(), n))) {
      result_.outcome = Outcome::kClientGone;
      ok = false;
      break;
    }
    count_body_bytes(n);
  }
  upstream_.stats.open_streams.fetch_sub(1, std::memory_order_relaxed);
  if (!ok) {
    // The client must learn the stream broke: no end of body, a broken connection.
    ctx_.response.stop_watching();
    ctx_.response.abort();
    co_return false;
  }
  co_return co_await ctx_.response.finish();
}

// Books one attempt's outcome; true when the client got its answer (or left).
// Connect failures are the upstream's alone; anything later may be the request's doing.
bool record(Pool& pool, Admission& admission, std::uint64_t client, const Attempt& result) {
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
      return true;
    case Outcome::kBadClientBody:
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

net::awaitable<void> write_error(StreamExchange& ctx, int status, std::string_view code,
                                 std::string_view message, std::chrono::seconds retry_after) {
  Response response = error_response(status, code, message, ctx.request.request_id);
  if (status == 503 || status == 429) {
    response.add_header("Retry-After", std::to_string(retry_after.count()));
  }
  ctx.status = status;
  ctx.bytes_sent = response.body.size();
  co_await ctx.response.reply(std::move(response));
}

}  // namespace

ProxyHandler::ProxyHandler(RouteConfig config, std::shared_ptr<Pool> pool,
                           std::shared_ptr<RetryBudget> budget)
    : config_(std::move(config)), pool_(std::move(pool)), budget_(std::move(budget)) {}

net::awaitable<void> ProxyHandler::serve(StreamExchange& ctx) {
  auto& request = ctx.request;
  bool websocket = is_websocket_upgrade(request);
  std::optional<std::uint64_t> length = ctx.body.length();
  bool has_body = ctx.body.has_body();
  if (length && *length > config_.max_body_size) {
    co_await write_error(ctx, 413, "body_too_large",
                         "the request body of " + std::to_string(*length) +
                             " bytes exceeds this route's limit of " +
                             std::to_string(config_.max_body_size) + " bytes",
                         std::chrono::seconds(0));
    co_return;
  }
  std::string target = rewrite_target(request.target, config_.prefix, config_.rewrite);

  // A client whose requests keep failing while others are served waits, not the upstream.
  std::uint64_t client = client_key(request.client_address);
  if (auto wait = pool_->clients().blocked_for(client, Clock::now()); wait.count() > 0) {
    co_await write_error(ctx, 429, "client_failing",
                         "this client's recent requests keep failing upstream; retry later",
                         std::chrono::ceil<std::chrono::seconds>(wait));
    co_return;
  }

  auto executor = co_await net::this_coro::executor;
  budget_->begin_request();
  std::vector<const Upstream*> tried;
  bool answered = false;
  bool only_connect_failures = true;
  int error_status = 0;
  std::optional<BodyPiece> client_error;
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
    Attempt result;
    {
      Exchange exchange(ctx, config_, *upstream, full_target, websocket, executor);
      result = co_await exchange.run();
    }
    upstream->end();
    if (retry) budget_->end_retry();
    answered = record(*pool_, admission, client, result);
    if (answered) break;
    if (result.outcome == Outcome::kBadClientBody) {
      client_error = std::move(result.client_error);
      break;
    }
    if (result.outcome != Outcome::kConnectFailed) only_connect_failures = false;
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
    bool too_large = client_error->status == BodyStatus::kTooLarge;
    std::string message = too_large ? "the request body exceeds this route's limit of " +
                                          std::to_string(config_.max_body_size) + " bytes"
                                    : "malformed request body: " + client_error->detail;
    co_await write_error(ctx, too_large ? 413 : 400, too_large ? "body_too_large" : "bad_request",
                         message, std::chrono::seconds(0));
    co_return;
  }
  if (error_status == 0) error_status = only_connect_failures ? 503 : 502;
  co_await write_error(ctx, error_status, "upstream_unavailable", failure,
                       pool_->retry_after(Clock::now()));
}

}  // namespace ew::proxy
