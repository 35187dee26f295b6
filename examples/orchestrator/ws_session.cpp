// GET /ws: a WebSocket chat. Each text message is answered with the reply's tokens, one message
// each ({"type":"token","token":"..."}), then {"type":"done"}; a message that starts with "echo:"
// comes straight back verbatim. Beast answers pings and the closing handshake by itself.
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include "orchestrator.h"

namespace orchestrator {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

struct ActiveSession {
  explicit ActiveSession(Stats& s) : stats(s) {
    ++stats.ws_sessions;
    ++stats.ws_active;
  }
  ~ActiveSession() { --stats.ws_active; }
  Stats& stats;
};

}  // namespace

net::awaitable<void> serve_websocket(tcp::socket socket, Request request, State& state) {
  websocket::stream<tcp::socket> ws(std::move(socket));
  ws.set_option(websocket::stream_base::decorator(
      [name = state.options.name](websocket::response_type& response) {
        response.set("X-Upstream-Name", name);
      }));
  error_code ec;
  auto with_ec = net::redirect_error(net::use_awaitable, ec);
  co_await ws.async_accept(request, with_ec);
  if (ec) co_return;

  ActiveSession active(state.stats);
  // The upgrade request's query parameters (delay_ms, tokens, drop_after) hold for the session.
  ReplyPlan plan = plan_reply(parse_query(target_of(request)), state.options);
  net::steady_timer timer(ws.get_executor());
  int sent = 0;
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    co_await ws.async_read(buffer, with_ec);
    if (ec) co_return;
    auto data = buffer.data();  // one contiguous buffer
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    if (text.starts_with("echo:")) {
      ws.text(ws.got_text());
      co_await ws.async_write(data, with_ec);
      if (ec) co_return;
      continue;
    }
    // A JSON {"message": "..."} or plain text.
    std::string message = json_string_field(text, "message").value_or(std::string(text));
    std::vector<std::string> tokens = reply_tokens(message, plan.tokens);
    ws.text(true);
    for (const std::string& token : tokens) {
      if (sent == plan.drop_after) {
        error_code ignored;
        if (plan.drop_with_reset) {
          ws.next_layer().set_option(net::socket_base::linger(true, 0), ignored);
        }
        ws.next_layer().close(ignored);
        co_return;
      }
      if (plan.delay.count() > 0) {
        timer.expires_after(plan.delay);
        co_await timer.async_wait(with_ec);
      }
      std::string out = dump_json({{"type", "token"}, {"token", token}});
      auto out_buffer = net::buffer(out);
      co_await ws.async_write(out_buffer, with_ec);
      if (ec) co_return;
      ++sent;
    }
    std::string done = dump_json({{"type", "done"}});
    auto done_buffer = net::buffer(done);
    co_await ws.async_write(done_buffer, with_ec);
    if (ec) co_return;
  }
}

}  // namespace orchestrator
