// One client connection: read a request, route it, run its handler, write the response, and
// repeat while keep-alive allows. Every phase has a deadline that the worker's sweep enforces.
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <limits>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/request_id.h"
#include "core/request_rules.h"
#include "log/log.h"
#include "net/byte_stream.h"
#include "net/read_hints.h"
#include "server/http1_exchange.h"
#include "server/http1_head.h"
#include "server/server_impl.h"
#include "telemetry/traffic_stats.h"

namespace ew::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kNever = Clock::time_point::max();
constexpr std::string_view kImplementedMethods = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

// A TLS connection's close_notify waits this long for the client's own, at most.
constexpr auto kTlsCloseGrace = std::chrono::seconds(1);
// Every TLS connection starts with a handshake record; anything else is plain text.
constexpr unsigned char kTlsHandshakeRecord = 0x16;

// Receives the response of one request. Synchronous handlers complete it while the session is
// still inside the handler call; asynchronous ones from any thread, through a post.
class Sink final : public ResponseSink, public std::enable_shared_from_this<Sink> {
 public:
  explicit Sink(net::io_context& ioc)
      : ioc_(ioc), timer_(ioc), owner_(std::this_thread::get_id()) {}

  void complete(Response&& response) override {
    if (inline_ && std::this_thread::get_id() == owner_) {
      result_ = std::move(response);
      return;
    }
    net::post(ioc_, [self = shared_from_this(), response = std::move(response)]() mutable {
      self->result_ = std::move(response);
      self->timer_.cancel();
    });
  }

  void set_inline(bool on) { inline_ = on; }

  net::awaitable<Response> wait() {
    while (!result_) {
      error_code ec;
      timer_.expires_at(kNever);
      co_await timer_.async_wait(with_ec(ec));
    }
    Response response = std::move(*result_);
    result_.reset();
    co_return response;
  }

  std::optional<Response> take() {
    std::optional<Response> out = std::move(result_);
    result_.reset();
    return out;
  }

 private:
  net::io_context& ioc_;
  net::steady_timer timer_;
  std::thread::id owner_;
  bool inline_ = false;
  std::optional<Response> result_;
};

template <class Message>
void fill_headers(const Message& message, Request& request) {
  auto& headers = request.mutable_headers();
  headers.clear();
  for (const auto& field : message) {
    headers.push_back({{field.name_string().data(), field.name_string().size()},
                       {field.value().data(), field.value().size()}});
  }
}

bool has_body(const HeaderParser& parser) {
  auto length = parser.content_length();
  return parser.chunked() || (length && *length > 0);
}

// The phases in which the session waits on a read from the client.
bool waits_for_client(Phase phase) {
  return phase == Phase::kIdle || phase == Phase::kHeader || phase == Phase::kBody;
}

int status_for_parse_error(const error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 400;
}

}  // namespace

ew::net::ByteStream open_stream(const ServerOptions& options, tcp::socket socket,
                                ListenerKind kind) {
  if (kind == ListenerKind::kPlain) return ew::net::ByteStream(std::move(socket));
  TlsHandshake tls = options.https.handshake();
  return ew::net::ByteStream(std::move(socket), *tls.context, std::move(tls.owner));
}

struct Session::State {
  State(Worker& w, tcp::socket s, ListenerKind kind)
      : worker(w), options(w.shared.options), stream(open_stream(options, std::move(s), kind)) {}

  Worker& worker;
  const ServerOptions& options;
  ew::net::ByteStream stream;
  beast::flat_buffer buffer;
  std::list<Session*>::iterator registry;
  Phase phase = Phase::kIdle;
  Clock::time_point deadline = kNever;
  std::string client_address;
  std::string request_id;
  std::string out;  // serialized response head, reused across requests
  Request request;
  std::shared_ptr<Sink> sink;
  StreamExchange* exchange = nullptr;  // while a stream handler owns the connection
  // Made once per connection and reused by every request on it; freed (with the Sink) by
  // release_request(), so that a WebSocket tunnel holds neither.
  std::unique_ptr<std::optional<HeaderParser>> reused_parser;
  std::size_t written = 0;      // bytes of `out` + body already sent by write_now()
  std::uint64_t file_sent = 0;  // bytes of a file body already sent by write_now()
  bool head_built = false;
  bool closed = false;
  // Set on entering a phase that waits for the client, until the sweep has looked once for a
  // FIN that came with the client's last bytes (see read_hints.h): such a FIN raises no epoll
  // event of its own. When the sweep finds one it sets peer_fin and cancels the pending read,
  // which then ends as end of stream would have.
  bool fin_probe = false;
  bool peer_fin = false;
  const Route* stream_route = nullptr;  // set by serve_one() for a stream route; run() runs it
  std::string released;                 // what the access log needs of a released request
  std::string target_storage;  // the target when the rules rewrote it (absolute form, dots)
  std::string resolved_path;
  bool admitted = true;          // within the per-address connection cap
  std::string forwarded_client;  // the client behind trusted proxies, when they named one

  // Per request.
  Clock::time_point started;
  bool keep_alive = false;
  bool head = false;
  bool log_this = true;
  std::string_view route_name;    // metrics label: RouteOptions.name, or "unmatched"
  bool route_operations = false;  // RouteOptions.operations

  void enter(Phase next, std::chrono::milliseconds timeout) {
    phase = next;
    deadline = Clock::now() + timeout;
    fin_probe = waits_for_client(next);
  }

  net::awaitable<bool> handshake();
  net::awaitable<bool> serve_one();
  std::optional<Response> redirect_to_https();
  net::awaitable<error_code> parse(HeaderParser& parser, bool header_only);
  net::awaitable<bool> wait_for_request();
  net::awaitable<bool> read_body(HeaderParser& header_parser, const Route& route);
  std::optional<Response> run_handler(const Route& route);
  void finish_handler();
  error_code parse_buffered(HeaderParser& parser, bool header_only);
  void build_head(Response& response);
  std::string_view body_of(const Response& response) const;
  bool write_now(Response& response);
  bool sends_file(const Response& response) const;
  enum class SendFileResult { kDone, kWouldBlock, kFailed };
  SendFileResult send_file_now(const FileRegion& region, std::uint64_t& sent);
  void count_response(const Response& response);
  void finish_response(const Response& response, std::uint64_t bytes);
  net::awaitable<void> serve_stream(HeaderParser& parser, const Route& route);
  net::awaitable<bool> write(Response& response);
  net::awaitable<bool> send_file(const FileRegion& region, std::uint64_t sent);
  net::awaitable<bool> copy_file(const FileRegion& region);
  std::string_view hsts() const;
  net::awaitable<void> reply_error(int status, std::string_view code, std::string_view message);
  void prepare_request(const HeaderParser& parser);
  std::optional<Refusal> apply_request_rules();
  void set_target(std::string_view path, std::string_view query);
  void release_request();
  void log_access(int status, std::uint64_t bytes);
};

Session::Session(Worker& worker, tcp::socket socket, ListenerKind kind)
    : state_(std::make_unique<State>(worker, std::move(socket), kind)) {
  auto& s = *state_;
  s.client_address = s.stream.remote_address();
  s.stream.set_no_delay();
  s.stream.set_non_blocking();
  s.registry = worker.add(this);
  worker.shared.open.fetch_add(1, std::memory_order_relaxed);
  s.admitted =
      worker.shared.per_address.try_add(s.client_address, s.options.max_connections_per_address);
  worker.shared.traffic->connection_opened();
}

Session::~Session() {
  if (state_->admitted) state_->worker.shared.per_address.remove(state_->client_address);
  state_->worker.remove(state_->registry);
  state_->worker.shared.open.fetch_sub(1, std::memory_order_relaxed);
  state_->worker.shared.traffic->connection_closed();
}

void Session::check_deadline(Clock::time_point now) {
  auto& s = *state_;
  if (s.phase != Phase::kStream) {
    if (now >= s.deadline) {
      close_now();
    } else if (waits_for_client(s.phase) && std::exchange(s.fin_probe, false) &&
               s.stream.peek() == Peeked::kClosed) {
      // Not a close: a read that already completed, with the request the FIN came after, must
      // still be served. Cancelling ends only a read that is still waiting.
      s.peer_fin = true;
      s.stream.cancel();
    }
    return;
  }
  StreamExchange* stream = s.exchange;
  if (stream && now >= stream->deadline) {
    stream->deadline = Clock::time_point::max();
    if (stream->on_deadline) stream->on_deadline();
  }
}

void Session::close_if_idle() {
  if (state_->phase == Phase::kIdle) close_now();
}

std::optional<Clock::time_point> Session::idle_deadline() const {
  if (state_->phase != Phase::kIdle || state_->closed) return std::nullopt;
  return state_->deadline;
}

void Session::close_now() {
  auto& s = *state_;
  if (s.closed) return;
  s.closed = true;
  s.deadline = kNever;
  s.stream.close();
}

net::awaitable<void> Session::run() {
  auto& s = *state_;
  s.sink = std::make_shared<Sink>(s.worker.ioc);
  if (s.stream.secure() && !co_await s.handshake()) {
    s.closed = true;
    s.stream.close();
    co_return;
  }
  while (!s.closed && co_await s.serve_one()) {
    if (const Route* route = std::exchange(s.stream_route, nullptr)) {
      co_await s.serve_stream(**s.reused_parser, *route);
      if (!s.keep_alive || s.closed) break;
    }
  }
  if (s.closed) co_return;
  if (s.stream.secure()) {
    s.enter(Phase::kWriting, std::chrono::duration_cast<std::chrono::milliseconds>(kTlsCloseGrace));
    co_await s.stream.close_gracefully();
    s.closed = true;
    co_return;
  }
  // Half-close first so the client reads the whole last response before the FIN.
  s.stream.shutdown_send();
  s.closed = true;
  s.stream.close();
}

// The TLS handshake, within the header timeout. Plain HTTP sent to the TLS port gets a plain
// answer saying so (as nginx does) instead of a handshake failure the client cannot read.
net::awaitable<bool> Session::State::handshake() {
  enter(Phase::kHeader, options.header_timeout);
  // The ClientHello usually arrives with the connection: look before waiting for it.
  std::optional<unsigned char> first = stream.peek_byte();
  if (!first) {
    if (stream.peek() == Peeked::kClosed) co_return false;
    error_code ec;
    co_await stream.wait_readable(ec);
    if (ec) co_return false;
    first = stream.peek_byte();
  }
  if (!first) co_return false;
  if (*first != kTlsHandshakeRecord) {
    if (std::isalpha(*first)) {
      Response response =
          error_response(400, "plain_http_to_https_port",
                         "The plain HTTP request was sent to HTTPS port: use https://", "");
      out.clear();
      append_response_head(out, response, ReplyFacts{false, 11, {}, {}});
      out += response.body;
      stream.write_plain_now(out);
    }
    co_return false;
  }
  error_code ec = co_await stream.handshake();
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", client_address, ec.message());
    co_return false;
  }
  co_return true;
}

// Waits until the next request starts arriving; false when the connection should end.
net::awaitable<bool> Session::State::wait_for_request() {
  if (worker.shared.draining.load(std::memory_order_relaxed)) co_return false;
  enter(Phase::kIdle, options.idle_timeout);
  error_code ec;
  std::size_t n =
      co_await stream.async_read_some(DrainedReadBuffer(buffer.prepare(4096)), with_ec(ec));
  if (ec || n == 0) co_return false;
  buffer.commit(n);
  co_return true;
}

void Session::State::prepare_request(const HeaderParser& parser) {
  const auto& message = parser.get();
  Request& r = request;
  r.mutable_params().clear();
  r.body.clear();
  auto method_name = message.method_string();
  r.method_name = {method_name.data(), method_name.size()};
  r.method = parse_method(r.method_name);
  auto target = message.target();
  r.target = {target.data(), target.size()};
  std::size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view{} : r.target.substr(q + 1);
  r.version = message.version();
  r.keep_alive = message.keep_alive();
  r.secure = stream.secure();
  r.peer_address = client_address;
  fill_headers(message, r);
  r.client_address = client_address;
  std::string_view forwarded =
      client_behind_proxies(client_address, r.header("X-Forwarded-For"), options.trusted_proxies);
  if (forwarded.data() != client_address.data()) {
    forwarded_client.assign(forwarded);  // outlives the header, for the access log
    r.client_address = forwarded_client;
  }
  std::string_view given = r.header("X-Request-Id");
  if (is_sane_request_id(given)) {
    request_id.assign(given);
  } else {
    fill_request_id(request_id);  // reuses the string's storage: no allocation per request
  }
  r.request_id = request_id;
}

// Points the request's target, path and query at target_storage, rebuilt from `path` and
// `query` (which must not point into it).
void Session::State::set_target(std::string_view path, std::string_view query) {
  target_storage.assign(path.empty() ? "/" : path);
  std::size_t path_size = target_storage.size();
  if (!query.empty()) target_storage.append("?").append(query);
  request.target = target_storage;
  request.path = request.target.substr(0, path_size);
  request.query = query.empty() ? std::string_view{} : request.target.substr(path_size + 1);
}

// The rules every request meets before routing (core/request_rules.h). The target may be
// rewritten: an absolute-form target becomes origin-form with its authority as Host, and dot
// segments are resolved, so that the router and every handler (the gateway included) see the
// same path.
std::optional<Refusal> Session::State::apply_request_rules() {
  Request& r = request;
  if (auto absolute = split_absolute_form(r.target)) {
    if (!is_valid_host(absolute->authority)) {
      return Refusal{400, "bad_request",
                     "the authority of the absolute-form target is not a valid host[:port]"};
    }
    // RFC 9112 3.2.2: the target's authority replaces any Host field the request carries.
    std::erase_if(r.mutable_headers(),
                  [](const HeaderField& field) { return iequals(field.name, "host"); });
    r.mutable_headers().push_back({"Host", absolute->authority});
    std::string_view origin = absolute->origin_form;
    std::size_t q = origin.find('?');
    std::string query(q == std::string_view::npos ? std::string_view{} : origin.substr(q + 1));
    set_target(origin.substr(0, q), query);
  }
  if (auto refusal = check_framing(r)) return refusal;
  if (auto refusal = check_host(r)) return refusal;
  if (r.method_name == "TRACE" && !options.allow_trace) {
    return Refusal{405, "method_not_allowed",
                   "TRACE is disabled: it would echo the request, cookies included"};
  }
  if (auto refusal = resolve_dot_segments(r.path, options.escaped_slashes, resolved_path)) {
    return refusal;
  }
  if (!resolved_path.empty()) {
    std::string query(r.query);
    set_target(resolved_path, query);
  }
  return std::nullopt;
}

// On the plain listener, when HTTPS is enforced: the same target on the canonical https
// origin. The host comes from the configuration, never from the request (no open redirect).
std::optional<Response> Session::State::redirect_to_https() {
  const HttpsOptions& https = options.https;
  if (!https.redirect || stream.secure()) return std::nullopt;
  for (const std::string& exempt : https.redirect_exempt) {
    if (request.path == exempt) return std::nullopt;
  }
  bool safe = request.method == Method::kGet || request.method == Method::kHead;
  Response response(safe ? 301 : 308);
  std::string location = "https://";
  location.append(https.canonical_host).append(request.target);
  response.add_header("Location", location);
  response.set_body("redirecting to " + location + "\n", "text/plain; charset=utf-8");
  return response;
}

void Session::State::release_request() {
  std::string_view user_agent = request.header("User-Agent");
  released.clear();
  released.append(request.method_name).append(request.path).append(user_agent);
  std::string_view kept = released;
  request.method_name = kept.substr(0, request.method_name.size());
  request.path = kept.substr(request.method_name.size(), request.path.size());
  request.target = request.path;
  request.query = {};
  std::vector<HeaderField> headers;
  if (!user_agent.empty()) {
    headers.push_back({"User-Agent", kept.substr(kept.size() - user_agent.size())});
  }
  request.mutable_headers().swap(headers);
  std::vector<std::pair<std::string_view, std::string_view>>().swap(request.mutable_params());
  std::string().swap(request.body);
  std::string().swap(out);
  reused_parser.reset();
  sink.reset();
}

net::awaitable<bool> Session::State::serve_one() {
  // The fast path of a small keep-alive request runs without nested coroutines: each nested
  // awaitable costs a frame allocation and a trip through the event loop.
  if (buffer.size() == 0 && !co_await wait_for_request()) co_return false;
  started = Clock::now();
  enter(Phase::kHeader, options.header_timeout);
  log_this = true;
  route_name = "unmatched";
  route_operations = false;
  head = false;
  keep_alive = false;
  request_id.clear();

  if (!reused_parser) reused_parser = std::make_unique<std::optional<HeaderParser>>();
  HeaderParser& parser = reused_parser->emplace();
  // The body limit depends on the route, known only after the header: it is applied then.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_size));
  error_code ec = parse_buffered(parser, /*header_only=*/true);
  if (ec == http::error::need_more) ec = co_await parse(parser, /*header_only=*/true);
  if (ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || closed ||
        ec == net::error::eof || ec == net::error::connection_reset) {
      co_return false;
    }
    fill_request_id(request_id);
    request.method_name = "-";
    request.path = "-";
    // Messages are built as named values before co_await: g++ 12 mishandles temporaries of a
    // conditional expression inside a co_await operand (it destroys them twice).
    int status = status_for_parse_error(ec);
    std::string_view code = status == 431 ? "header_too_large" : "bad_request";
    std::string message = status == 431 ? std::string("the request header exceeds the limit of ") +
                                              std::to_string(options.max_header_size) + " bytes"
                                        : "malformed request: " + ec.message();
    co_await reply_error(status, code, message);
    co_return false;
  }
  prepare_request(parser);
  std::optional<Refusal> refusal = apply_request_rules();
  if (!refusal && !admitted) {
    refusal = Refusal{503, "too_many_connections",
                      "this address has " + std::to_string(options.max_connections_per_address) +
                          " connections open, the most allowed; reuse one of them"};
  }
  if (refusal) {
    keep_alive = false;
    Response response =
        error_response(refusal->status, refusal->code, refusal->message, request_id);
    if (refusal->status == 405) response.add_header("Allow", kImplementedMethods);
    if (refusal->status == 503) response.add_header("Retry-After", "1");
    co_await write(response);
    co_return false;
  }
  keep_alive = request.keep_alive && !worker.shared.draining.load(std::memory_order_relaxed);
  head = request.method == Method::kHead;
  if (std::optional<Response> redirect = redirect_to_https()) {
    if (has_body(parser)) keep_alive = false;  // its body is never read
    co_return co_await write(*redirect) && keep_alive;
  }

  RouteMatch match = worker.shared.router->match(request.method, request.path, &request);
  if (!match.route) {
    // The body of a refused request is never read, so the connection cannot carry another.
    auto length = parser.content_length();
    if (parser.chunked() || (length && *length > 0)) keep_alive = false;
    if (length && *length > options.max_body_size) {
      std::string message = "the request body of " + std::to_string(*length) +
                            " bytes exceeds the limit of " + std::to_string(options.max_body_size) +
                            " bytes";
      co_await reply_error(413, "body_too_large", message);
      co_return false;
    }
    if (match.method_not_allowed) {
      std::string message = "this path does not accept " + std::string(request.method_name);
      Response response = error_response(405, "method_not_allowed", message, request_id);
      response.add_header("Allow", match.allow);
      co_return co_await write(response) && keep_alive;
    }
    Response response =
        error_response(404, "not_found", "nothing is served at this path", request_id);
    co_return co_await write(response) && keep_alive;
  }
  const Route& route = *match.route;
  log_this = route.options.access_log;
  route_name = route.options.name;
  route_operations = route.options.operations;
  if (route.stream) {
    // Run by the caller, once this frame (the largest of the request path) is gone: a
    // WebSocket tunnel may stay open for hours.
    stream_route = &route;
    co_return true;
  }
  if (has_body(parser) && !co_await read_body(parser, route)) co_return false;
  std::optional<Response> response = run_handler(route);
  if (!response) response = co_await sink->wait();
  finish_handler();
  if (write_now(*response)) co_return keep_alive && !closed;
  co_return co_await write(*response) && keep_alive;
}

// Parses what is already buffered; need_more when the message is not complete yet.
error_code Session::State::parse_buffered(HeaderParser& parser, bool header_only) {
  error_code ec;
  while (buffer.size() > 0) {
    std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec) return ec;
    if (header_only ? parser.is_header_done() : parser.is_done()) return {};
    if (used == 0) break;
  }
  return http::error::need_more;
}

// Feeds the parser from the buffer, reading more only when it needs more. Parsing what is
// already buffered without an asynchronous operation saves a trip through the event loop per
// request, which matters for small keep-alive requests. While reading a body each read
// refreshes the deadline, so the body timeout measures silence, not total time.
net::awaitable<error_code> Session::State::parse(HeaderParser& parser, bool header_only) {
  constexpr std::size_t kReadSize = 8192;
  error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;
      ec = {};
      if (header_only ? parser.is_header_done() : parser.is_done()) co_return ec;
      if (used > 0 && buffer.size() > 0) continue;
    }
    std::size_t n =
        co_await stream.async_read_some(DrainedReadBuffer(buffer.prepare(kReadSize)), with_ec(ec));
    if (ec == net::error::operation_aborted && peer_fin) ec = net::error::eof;
    if (ec == net::error::eof) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec ? ec : error_code(http::error::partial_message);
    }
    if (ec) co_return ec;
    buffer.commit(n);
    if (!header_only) deadline = Clock::now() + options.body_timeout;
  }
}

net::awaitable<bool> Session::State::read_body(HeaderParser& parser, const Route& route) {
  std::uint64_t limit =
      route.options.max_body_size ? route.options.max_body_size : options.max_body_size;
  auto length = parser.content_length();
  if (length && *length > limit) {
    // Refused before reading: the body is never received, so the connection cannot be reused.
    keep_alive = false;
    std::string message = "the request body of " + std::to_string(*length) +
                          " bytes exceeds this route's limit of " + std::to_string(limit) +
                          " bytes";
    co_await reply_error(413, "body_too_large", message);
    co_return false;
  }
  if (iequals(request.header("Expect"), "100-continue")) {
    error_code ec;
    co_await net::async_write(
        stream, net::buffer(kContinueResponse.data(), kContinueResponse.size()), with_ec(ec));
    if (ec) co_return false;
  }
  parser.body_limit(limit);
  enter(Phase::kBody, options.body_timeout);
  error_code ec = co_await parse(parser, /*header_only=*/false);
  if (!ec) {
    request.body = std::move(parser.get().body());
    co_return true;
  }
  keep_alive = false;
  if (ec == http::error::body_limit) {
    std::string message =
        "the request body exceeds this route's limit of " + std::to_string(limit) + " bytes";
    co_await reply_error(413, "body_too_large", message);
  } else if (!closed && ec != net::error::eof && ec != http::error::end_of_stream &&
             ec != http::error::partial_message && ec != net::error::operation_aborted) {
    std::string message = "malformed request body: " + ec.message();
    co_await reply_error(400, "bad_request", message);
  }
  co_return false;
}

// Runs the handler. Returns its response when it answered at once; otherwise the caller awaits
// sink->wait().
std::optional<Response> Session::State::run_handler(const Route& route) {
  worker.shared.traffic->request_started();
  phase = Phase::kHandling;
  deadline = kNever;
  Responder responder(sink);
  sink->set_inline(true);
  try {
    route.handler(request, responder);
  } catch (const std::exception& e) {
    spdlog::error("request_id={} handler for {} threw: {}", request_id, route.path, e.what());
    responder.send(error_response(500, "internal_error", "the handler failed", request_id));
  }
  sink->set_inline(false);
  std::optional<Response> response = sink->take();
  if (!response) {
    // An asynchronous handler answers later. Dropping our Responder here answers 500 at once
    // when the handler neither answered nor kept it.
    Responder dropped = std::move(responder);
  }
  return response;
}

void Session::State::finish_handler() {
  worker.shared.traffic->request_finished();
}

net::awaitable<void> Session::State::serve_stream(HeaderParser& parser, const Route& route) {
  phase = Phase::kStream;
  deadline = kNever;
  worker.shared.traffic->request_started();
  // An upgrade may hold the connection for hours and its setup may wait on an upstream: the
  // read buffer (its header is parsed into the parser's own storage) goes back now rather than
  // after the 101, so that a burst of upgrades does not hold one each meanwhile.
  if (buffer.size() == 0 && parser.upgrade()) buffer.shrink_to_fit();
  std::uint64_t limit =
      route.options.max_body_size ? route.options.max_body_size : options.max_body_size;
  Http1Exchange http1(Http1Link{.stream = stream,
                                .buffer = buffer,
                                .parser = parser,
                                .request = request,
                                .body_limit = limit,
                                .keep_alive = keep_alive,
                                .hsts = hsts(),
                                .head = out});
  StreamExchange context{request, route.options, http1, http1};
  context.release_request = [this] { release_request(); };
  exchange = &context;
  co_await route.stream->serve(context);
  if (!http1.started() && !closed) {
    // A handler that returned without answering still owes the client one.
    co_await http1.reply(
        error_response(500, "internal_error", "the handler did not answer", request_id));
  }
  exchange = nullptr;
  worker.shared.traffic->request_finished();
  keep_alive = keep_alive && http1.reusable();
  int status = context.status != 0 ? context.status : http1.status();
  std::uint64_t bytes = context.bytes_sent != 0 ? context.bytes_sent : http1.body_bytes();
  if (log_this) log_access(status, bytes);
  worker.shared.traffic->record(route_name, route_operations, status, Clock::now() - started);
}

std::string_view Session::State::hsts() const {
  return stream.secure() ? std::string_view(options.https.hsts) : std::string_view{};
}

net::awaitable<void> Session::State::reply_error(int status, std::string_view code,
                                                 std::string_view message) {
  keep_alive = false;
  Response response = error_response(status, code, message, request_id);
  co_await write(response);
}

// Serializes the status line and headers into `out`.
void Session::State::build_head(Response& response) {
  out.clear();
  keep_alive = append_response_head(out, response,
                                    ReplyFacts{keep_alive, request.version, request_id, hsts()});
}

std::string_view Session::State::body_of(const Response& response) const {
  if (!status_has_body(response.status) || head || response.file_body) return {};
  return response.shared_body ? response.shared_body->bytes : std::string_view(response.body);
}

// A handler's answer is counted as it starts to go out, so that a scrape of /metrics made after a
// client has seen the answer always includes it (its duration: until the answer was ready to
// send). A stream route (the gateway) is counted in serve_stream() when the stream ends, so that
// its duration covers the whole stream: a scrape racing the last bytes of a streamed answer can
// miss it by that long.
void Session::State::count_response(const Response& response) {
  worker.shared.traffic->record(route_name, route_operations, response.status,
                                Clock::now() - started);
}

void Session::State::finish_response(const Response& response, std::uint64_t bytes) {
  if (log_this) log_access(response.status, bytes);
}

// Tries to send the whole response at once without waiting: one writev for an in-memory body;
// for a file body the head with MSG_MORE (so it leaves in the same segment as the file's first
// bytes) and then sendfile(2). True when it is done (sent, or the connection failed); false
// leaves the rest to write(), with `written` bytes of `out` + body and `file_sent` bytes of
// the file already out.
bool Session::State::write_now(Response& response) {
  written = 0;
  file_sent = 0;
  build_head(response);
  count_response(response);
  head_built = true;
  bool file = sends_file(response);
  std::string_view body = body_of(response);
  std::array<net::const_buffer, 2> buffers{net::buffer(out), net::buffer(body.data(), body.size())};
  auto fail = [&] {
    head_built = false;
    keep_alive = false;
    finish_response(response, 0);
    return true;
  };
  error_code ec;
  std::size_t n = file && stream.can_sendfile() ? stream.write_now_more(buffers, ec)
                                                : stream.write_now(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) return false;
  if (ec) return fail();
  written = n;
  if (n < out.size() + body.size()) return false;
  if (file && !stream.can_sendfile()) return false;  // over TLS: copied by write()
  if (file) {
    SendFileResult sent = send_file_now(*response.file_body, file_sent);
    if (sent == SendFileResult::kFailed) return fail();
    if (sent == SendFileResult::kWouldBlock) return false;
  }
  head_built = false;
  finish_response(response, file ? response.file_body->length : body.size());
  return true;
}

bool Session::State::sends_file(const Response& response) const {
  return status_has_body(response.status) && !head && response.file_body;
}

// Without sendfile(2) (over TLS): the file region read and written in pieces.
net::awaitable<bool> Session::State::copy_file(const FileRegion& region) {
  constexpr std::size_t kPiece = 64 * 1024;
  std::string piece;
  std::uint64_t sent = 0;
  while (sent < region.length) {
    piece.resize(std::min<std::uint64_t>(kPiece, region.length - sent));
    ssize_t n =
        ::pread(*region.fd, piece.data(), piece.size(), static_cast<off_t>(region.offset + sent));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) co_return false;  // an error, or the file shrank under us
    error_code ec;
    co_await net::async_write(stream, net::buffer(piece.data(), static_cast<std::size_t>(n)),
                              with_ec(ec));
    if (ec) co_return false;
    sent += static_cast<std::uint64_t>(n);
    deadline = Clock::now() + options.send_timeout;
  }
  co_return true;
}

net::awaitable<bool> Session::State::write(Response& response) {
  enter(Phase::kWriting, options.send_timeout);
  if (!head_built) {
    build_head(response);
    count_response(response);
    written = 0;
    file_sent = 0;
  }
  head_built = false;
  std::string_view body = body_of(response);
  std::array<net::const_buffer, 2> buffers{net::buffer(out), net::buffer(body.data(), body.size())};
  beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
  rest.consume(written);
  written = 0;
  error_code ec;
  if (beast::buffer_bytes(rest) > 0) co_await net::async_write(stream, rest, with_ec(ec));
  std::uint64_t bytes = ec ? 0 : body.size();
  if (!ec && sends_file(response)) {
    bool sent = stream.can_sendfile() ? co_await send_file(*response.file_body, file_sent)
                                      : co_await copy_file(*response.file_body);
    if (sent) {
      bytes = response.file_body->length;
    } else {
      ec = net::error::broken_pipe;
    }
  }
  finish_response(response, bytes);
  co_return !ec && !closed;
}

// One pass of sendfile(2) without waiting: until the region is sent, the socket is full, or an
// error. `sent` counts the region's bytes already out and is advanced.
Session::State::SendFileResult Session::State::send_file_now(const FileRegion& region,
                                                             std::uint64_t& sent) {
  constexpr std::uint64_t kChunk = 1 << 20;  // bounded, so one client cannot hog the worker
  while (sent < region.length) {
    auto offset = static_cast<std::int64_t>(region.offset + sent);
    error_code ec;
    std::size_t n =
        stream.sendfile_now(*region.fd, offset, std::min(region.length - sent, kChunk), ec);
    if (ec == net::error::would_block) return SendFileResult::kWouldBlock;
    if (ec || n == 0) return SendFileResult::kFailed;  // an error, or the file shrank under us
    sent += n;
    deadline = Clock::now() + options.send_timeout;
  }
  return SendFileResult::kDone;
}

// sendfile(2) straight from the page cache (or the sealed memory file of a cached body), waiting
// for room in the socket as needed.
net::awaitable<bool> Session::State::send_file(const FileRegion& region, std::uint64_t sent) {
  SendFileResult result;
  while ((result = send_file_now(region, sent)) == SendFileResult::kWouldBlock) {
    if (co_await stream.wait_writable()) co_return false;
  }
  co_return result == SendFileResult::kDone;
}

void Session::State::log_access(int status, std::uint64_t bytes) {
  if (!log::access_enabled()) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  log::access({request_id, request.method_name, request.path, status, bytes,
               static_cast<std::uint64_t>(micros.count()), request.client_address,
               request.header("User-Agent")});
}

}  // namespace ew::detail
