// The example orchestrator: a small streaming-chat backend that stands in for the seed's chat
// orchestrator on :8004. POST /chat streams a reply token by token as Server-Sent Events, GET /ws
// streams the same tokens as WebSocket messages, and switches make it misbehave on purpose.
#pragma once

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace orchestrator {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;

// Process-wide behaviour, flipped at runtime by POST /_control.
enum class Mode { kHealthy, kFail, kHang };

struct Options {
  std::chrono::milliseconds token_delay{50};
  double fail_rate = 0.0;
  std::string name = "orchestrator";
};

struct Stats {
  std::uint64_t requests = 0;           // HTTP requests, /_stats and /_control not counted
  std::uint64_t chat_requests = 0;      // POST /chat only: probes and health checks excluded
  std::uint64_t active_streams = 0;     // SSE replies in progress
  std::uint64_t cancelled_streams = 0;  // SSE replies whose client went away before the end
  std::uint64_t ws_sessions = 0;        // WebSocket sessions accepted, ever
  std::uint64_t ws_active = 0;          // WebSocket sessions open now
};

// Everything a connection needs; the server runs on one thread, so no locking.
struct State {
  Options options;
  Mode mode = Mode::kHealthy;
  Stats stats;
  std::mt19937 random{std::random_device{}()};
};

// The query parameters of one request (no percent-decoding: the switches are all numbers).
using Query = std::map<std::string, std::string, std::less<>>;

// Per-request reply settings: the process defaults overridden by query parameters.
struct ReplyPlan {
  std::chrono::milliseconds delay{0};
  int tokens = -1;      // -1: as many as the reply sentence has words
  int drop_after = -1;  // -1: never drop
  bool drop_with_reset = false;
};

// Beast 1.74 hands out boost::string_view.
inline std::string_view target_of(const Request& request) {
  auto target = request.target();
  return {target.data(), target.size()};
}

// reply.cpp
// Compact JSON; invalid UTF-8 is replaced rather than thrown about.
std::string dump_json(const nlohmann::json& value);
// The string member key of the JSON object in body; nullopt when body is not such an object.
std::optional<std::string> json_string_field(std::string_view body, std::string_view key);
std::string_view path_of(std::string_view target);
Query parse_query(std::string_view target);
int query_int(const Query& query, std::string_view key, int fallback);
ReplyPlan plan_reply(const Query& query, const Options& options);
// The deterministic reply to message, split into tokens that concatenate back to the sentence.
std::vector<std::string> reply_tokens(std::string_view message, int count);
std::string_view mode_name(Mode mode);
bool parse_mode(std::string_view name, Mode& mode);
// Parses "50ms", "2s", "500us" or a bare number of milliseconds; false when malformed.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);

// http_session.cpp: serves one accepted connection until it closes.
net::awaitable<void> serve_connection(tcp::socket socket, State& state);

// ws_session.cpp: takes over a connection whose request is a WebSocket upgrade to /ws.
net::awaitable<void> serve_websocket(tcp::socket socket, Request request, State& state);

}  // namespace orchestrator
