// One HTTP/1.1 connection: reads requests one after another, applies the misbehaviour switches,
// and answers /chat (a Server-Sent Events stream), /health, /json, /_stats and /_control. An
// upgrade to /ws is handed over to serve_websocket.
//
// g++ 12 note: operands of co_await are kept simple (named locals, no conditional expressions);
// temporaries there have caused double frees with this compiler.
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "orchestrator.h"

namespace orchestrator {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;
using Response = http::response<http::string_body>;

constexpr std::size_t kMaxBody = 1 << 20;

enum class Next { kKeepAlive, kClose, kUpgrade };

Response json_response(const Request& request, const State& state, http::status status,
                       const nlohmann::json& body) {
  Response response{status, request.version()};
  response.set(http::field::content_type, "application/json");
  response.set("X-Upstream-Name", state.options.name);
  response.keep_alive(request.keep_alive());
  response.body() = dump_json(body);
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

net::awaitable<Next> send(tcp::socket& socket, Response& response) {
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  co_await http::async_write(socket, response, with_ec);
  if (ec || !response.keep_alive()) co_return Next::kClose;
  co_return Next::kKeepAlive;
}

// Never answers: reads and discards until the client goes away.
std::int64_t monotonic_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

net::awaitable<void> hang(tcp::socket& socket) {
  char sink[1024];
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  auto buffer = net::buffer(sink);
  while (!ec) co_await socket.async_read_some(buffer, with_ec);
}

net::awaitable<void> sleep_for(tcp::socket& socket, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  net::steady_timer timer(socket.get_executor());
  timer.expires_after(delay);
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  co_await timer.async_wait(with_ec);
}

// The status to fail this request with, or 0: ?fail=5xx, /_control's fail mode, --fail-rate.
int injected_failure(const Query& query, State& state, bool control) {
  int status = query_int(query, "fail", 0);
  if (status >= 400 && status <= 599) return status;
  if (control) return 0;
  if (state.mode == Mode::kFail) return 500;
  if (state.options.fail_rate > 0.0 &&
      std::uniform_real_distribution<double>(0.0, 1.0)(state.random) < state.options.fail_rate) {
    return 500;
  }
  return 0;
}

// Ends the connection in the middle of a reply: a FIN, or with ?drop=rst a reset.
void drop_connection(tcp::socket& socket, bool reset) {
  error_code ec;
  if (reset) socket.set_option(net::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

struct ActiveStream {
  explicit ActiveStream(Stats& s) : stats(s) { ++stats.active_streams; }
  ~ActiveStream() { --stats.active_streams; }
  Stats& stats;
};

// POST /chat: the reply as Server-Sent Events, each token its own chunk and its own write.
net::awaitable<Next> stream_chat(tcp::socket& socket, const Request& request, const Query& query,
                                 State& state) {
  std::optional<std::string> message = json_string_field(request.body(), "message");
  if (!message) {
    nlohmann::json error = {{"error", "expected a JSON object with a string \"message\""}};
    Response response = json_response(request, state, http::status::bad_request, error);
    co_return co_await send(socket, response);
  }
  ReplyPlan plan = plan_reply(query, state.options);
  std::vector<std::string> tokens = reply_tokens(*message, plan.tokens);

  http::response<http::empty_body> head{http::status::ok, request.version()};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Upstream-Name", state.options.name);
  if (auto id = json_string_field(request.body(), "conversation_id")) {
    head.set("X-Conversation-Id", *id);
  }
  head.keep_alive(request.keep_alive());
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  co_await http::async_write_header(socket, serializer, with_ec);
  if (ec) co_return Next::kClose;

  ActiveStream active(state.stats);
  int sent = 0;
  for (const std::string& token : tokens) {
    if (sent == plan.drop_after) break;
    co_await sleep_for(socket, plan.delay);
    // "t": when the token left, in CLOCK_MONOTONIC microseconds, so a client on the same machine
    // can measure what each hop adds (bench/sse_latency.py).
    std::string event = "data: " + dump_json({{"token", token}, {"t", monotonic_us()}}) + "\n\n";
    auto chunk = http::make_chunk(net::buffer(event));
    co_await net::async_write(socket, chunk, with_ec);
    if (ec) {
      ++state.stats.cancelled_streams;
      co_return Next::kClose;
    }
    ++sent;
  }
  if (sent == plan.drop_after) {
    drop_connection(socket, plan.drop_with_reset);
    co_return Next::kClose;
  }
  std::string done = "event: done\ndata: " + dump_json({{"tokens", sent}}) + "\n\n";
  auto done_chunk = http::make_chunk(net::buffer(done));
  co_await net::async_write(socket, done_chunk, with_ec);
  auto last_chunk = http::make_chunk_last();
  if (!ec) co_await net::async_write(socket, last_chunk, with_ec);
  if (ec) {
    ++state.stats.cancelled_streams;
    co_return Next::kClose;
  }
  if (!request.keep_alive()) co_return Next::kClose;
  co_return Next::kKeepAlive;
}

// The small JSON endpoints.
Response answer(const Request& request, std::string_view path, State& state) {
  if (path == "/health") return json_response(request, state, http::status::ok, {{"status", "ok"}});
  if (path == "/json") {
    static const nlohmann::json body = {{"id", 1},
                                        {"service", "orchestrator"},
                                        {"ok", true},
                                        {"items", {1, 2, 3}},
                                        {"message", "hello from the example orchestrator"}};
    return json_response(request, state, http::status::ok, body);
  }
  if (path == "/_stats") {
    const Stats& s = state.stats;
    nlohmann::json body = {{"requests", s.requests},
                           {"chat_requests", s.chat_requests},
                           {"active_streams", s.active_streams},
                           {"cancelled_streams", s.cancelled_streams},
                           {"ws_sessions", s.ws_sessions},
                           {"ws_active", s.ws_active},
                           {"mode", mode_name(state.mode)},
                           {"name", state.options.name}};
    return json_response(request, state, http::status::ok, body);
  }
  if (path == "/_control") {
    if (request.method() == http::verb::post) {
      std::optional<std::string> mode = json_string_field(request.body(), "mode");
      if (!mode || !parse_mode(*mode, state.mode)) {
        nlohmann::json error = {{"error", "expected {\"mode\": \"healthy\"|\"fail\"|\"hang\"}"}};
        return json_response(request, state, http::status::bad_request, error);
      }
    }
    return json_response(request, state, http::status::ok, {{"mode", mode_name(state.mode)}});
  }
  if (path == "/ws") {
    nlohmann::json error = {{"error", "WebSocket upgrade required"}};
    return json_response(request, state, http::status::upgrade_required, error);
  }
  return json_response(request, state, http::status::not_found, {{"error", "not found"}});
}

net::awaitable<Next> handle(tcp::socket& socket, const Request& request, State& state) {
  std::string_view path = path_of(target_of(request));
  Query query = parse_query(target_of(request));
  // The test hooks stay reachable whatever the process-wide mode.
  bool control = path == "/_stats" || path == "/_control";
  if (!control) ++state.stats.requests;
  if (path == "/chat") ++state.stats.chat_requests;

  auto first_byte_delay = std::chrono::milliseconds(query_int(query, "first_byte_delay_ms", 0));
  co_await sleep_for(socket, first_byte_delay);
  if (query_int(query, "hang", 0) == 1 || (!control && state.mode == Mode::kHang)) {
    co_await hang(socket);
    co_return Next::kClose;
  }
  if (int status = injected_failure(query, state, control); status != 0) {
    auto code = static_cast<http::status>(status);
    Response response = json_response(request, state, code, {{"error", "injected failure"}});
    co_return co_await send(socket, response);
  }
  if (path == "/ws" && websocket::is_upgrade(request)) co_return Next::kUpgrade;
  if (path == "/chat") {
    if (request.method() == http::verb::post) {
      co_return co_await stream_chat(socket, request, query, state);
    }
    Response response =
        json_response(request, state, http::status::method_not_allowed, {{"error", "use POST"}});
    response.set(http::field::allow, "POST");
    co_return co_await send(socket, response);
  }
  Response response = answer(request, path, state);
  co_return co_await send(socket, response);
}

}  // namespace

net::awaitable<void> serve_connection(tcp::socket socket, State& state) {
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  socket.set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    co_await http::async_read_header(socket, buffer, parser, with_ec);
    if (ec) break;
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> proceed{http::status::continue_, 11};
      co_await http::async_write(socket, proceed, with_ec);
    }
    if (!ec && !parser.is_done()) co_await http::async_read(socket, buffer, parser, with_ec);
    if (ec) break;
    Request request = parser.release();
    Next next = co_await handle(socket, request, state);
    if (next == Next::kUpgrade) {
      co_await serve_websocket(std::move(socket), std::move(request), state);
      co_return;
    }
    if (next == Next::kClose) break;
  }
  if (socket.is_open()) {
    // Half-close first so the client reads the whole last response before the FIN.
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }
}

}  // namespace orchestrator
