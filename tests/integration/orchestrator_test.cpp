// The example orchestrator (examples/orchestrator), tested directly over loopback: the
// streaming-chat upstream that the proxy tests put behind edgewatch must itself stream token by
// token, misbehave on request, and count what the proxy tests rely on.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "harness.h"
#include "sse_client.h"
#include "ws_client.h"

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string chat_body(const std::string& message) {
  return R"({"message":")" + message + R"("})";
}

// The non-negative integer member key of a flat JSON object, or -1.
long json_number(const std::string& json, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + key + "\":([0-9]+)"))) return -1;
  return std::stol(m[1]);
}

// The "token" string of {"token":"..."} or {"type":"token","token":"..."} (no escapes inside).
std::string token_of(const std::string& json) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex(R"("token":"([^"\\]*)\")"))) return "<none>";
  return m[1];
}

milliseconds since(Clock::time_point from, Clock::time_point to) {
  return duration_cast<milliseconds>(to - from);
}

TEST(Orchestrator, HealthJsonAndUpstreamName) {
  OrchestratorProcess orch({"--name", "alpha"});
  HttpResponse health = http(orch.port(), "GET", "/health");
  ASSERT_TRUE(health.complete);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(health.header("x-upstream-name"), "alpha");

  HttpResponse json = http(orch.port(), "GET", "/json");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.header("content-type"), "application/json");
  EXPECT_NE(json.body.find("\"ok\":true"), std::string::npos);
  // The same fixed object every time, over one keep-alive connection.
  Connection c(orch.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n"));
    HttpResponse again = c.read_response();
    ASSERT_TRUE(again.complete);
    EXPECT_EQ(again.body, json.body);
  }
  EXPECT_EQ(http(orch.port(), "GET", "/nothing-here").status, 404);
}

TEST(Orchestrator, SseTokensArriveOneByOneAtTheirSpacing) {
  // The query parameter overrides the process-wide delay.
  OrchestratorProcess orch({"--token-delay", "1ms"});
  auto start = Clock::now();
  SseStream stream(orch.port(), "POST", "/chat?delay_ms=100&tokens=6", {}, chat_body("hello"));
  ASSERT_EQ(stream.head().status, 200);
  EXPECT_EQ(stream.head().header("content-type"), "text/event-stream");
  EXPECT_EQ(stream.head().header("cache-control"), "no-cache");
  EXPECT_EQ(stream.head().header("transfer-encoding"), "chunked");
  std::vector<SseEvent> events = stream.rest();
  ASSERT_EQ(events.size(), 7u);
  std::string text;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(events[i].event, "message");
    text += token_of(events[i].data);
  }
  EXPECT_EQ(text, "You said: hello. Here is a");
  EXPECT_EQ(events[6].event, "done");
  EXPECT_EQ(events[6].data, R"({"tokens":6})");
  EXPECT_TRUE(stream.finished());
  // Each token arrives on its own, about 100 ms after the one before: not in a burst at the end.
  EXPECT_GE(since(start, events[0].at), 60ms);
  for (int i = 1; i < 6; ++i) {
    milliseconds gap = since(events[i - 1].at, events[i].at);
    EXPECT_GE(gap, 60ms) << "token " << i;
    EXPECT_LE(gap, 1000ms) << "token " << i;
  }
}

TEST(Orchestrator, DefaultReplyUsesTheTokenDelayFlag) {
  OrchestratorProcess orch({"--token-delay", "20ms"});
  SseStream stream(orch.port(), "POST", "/chat", {},
                   R"({"message":"hi there","conversation_id":"c-7"})");
  ASSERT_EQ(stream.head().status, 200);
  EXPECT_EQ(stream.head().header("x-conversation-id"), "c-7");
  std::vector<SseEvent> events = stream.rest();
  ASSERT_GE(events.size(), 10u);
  std::string text;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) text += token_of(events[i].data);
  EXPECT_TRUE(text.starts_with("You said: hi there. Here is a streamed reply")) << text;
  EXPECT_EQ(json_number(events.back().data, "tokens"), static_cast<long>(events.size() - 1));
  milliseconds total = since(events.front().at, events[events.size() - 2].at);
  EXPECT_GE(total, milliseconds(12 * (events.size() - 2)));
}

TEST(Orchestrator, DropAfterClosesMidStreamWithoutTheLastChunk) {
  OrchestratorProcess orch;
  for (std::string how : {"", "&drop=rst"}) {
    SseStream stream(orch.port(), "POST", "/chat?tokens=10&drop_after=3&delay_ms=10" + how, {},
                     chat_body("x"));
    ASSERT_EQ(stream.head().status, 200);
    std::vector<SseEvent> events = stream.rest(2s);
    EXPECT_EQ(events.size(), 3u) << how;
    for (const auto& e : events) EXPECT_EQ(e.event, "message");
    EXPECT_FALSE(stream.finished()) << how;
    EXPECT_TRUE(stream.peer_closed()) << how;
  }
  EXPECT_EQ(http(orch.port(), "GET", "/health").status, 200);
}

TEST(Orchestrator, FailSwitchesAnswerWithErrors) {
  OrchestratorProcess orch;
  HttpResponse failed = http(orch.port(), "GET", "/health?fail=500");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, R"({"error":"injected failure"})");
  HttpResponse chat = http(orch.port(), "POST", "/chat?fail=503", {}, chat_body("x"));
  EXPECT_EQ(chat.status, 503);
  EXPECT_EQ(http(orch.port(), "GET", "/health").status, 200);

  OrchestratorProcess always({"--fail-rate", "1"});
  EXPECT_EQ(http(always.port(), "GET", "/health").status, 500);
  EXPECT_EQ(http(always.port(), "GET", "/json").status, 500);
  EXPECT_EQ(http(always.port(), "GET", "/_stats").status, 200);  // test hooks stay reachable

  OrchestratorProcess half({"--fail-rate", "0.5"});
  int ok = 0;
  int errors = 0;
  Connection c(half.port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(c.send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n"));
    int status = c.read_response().status;
    (status == 200 ? ok : errors) += 1;
  }
  EXPECT_GT(ok, 10);
  EXPECT_GT(errors, 10);
}

TEST(Orchestrator, ControlFlipsTheWholeServerAtRuntime) {
  OrchestratorProcess orch;
  EXPECT_EQ(http(orch.port(), "GET", "/health").status, 200);

  HttpResponse flip = http(orch.port(), "POST", "/_control", {}, R"({"mode":"fail"})");
  EXPECT_EQ(flip.status, 200);
  EXPECT_EQ(flip.body, R"({"mode":"fail"})");
  EXPECT_EQ(http(orch.port(), "GET", "/health").status, 500);
  EXPECT_EQ(http(orch.port(), "POST", "/chat", {}, chat_body("x")).status, 500);

  EXPECT_EQ(http(orch.port(), "POST", "/_control", {}, R"({"mode":"hang"})").status, 200);
  Connection hung(orch.port());
  ASSERT_TRUE(hung.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(hung.read_response(false, 300ms).complete);
  EXPECT_EQ(http(orch.port(), "GET", "/_control").body, R"({"mode":"hang"})");

  EXPECT_EQ(http(orch.port(), "POST", "/_control", {}, R"({"mode":"healthy"})").status, 200);
  EXPECT_EQ(http(orch.port(), "GET", "/health").status, 200);
  EXPECT_EQ(http(orch.port(), "POST", "/_control", {}, R"({"mode":"sideways"})").status, 400);
}

TEST(Orchestrator, HangAndFirstByteDelay) {
  OrchestratorProcess orch;
  Connection hung(orch.port());
  ASSERT_TRUE(hung.send("GET /json?hang=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse nothing = hung.read_response(false, 500ms);
  EXPECT_FALSE(nothing.complete);
  EXPECT_EQ(nothing.status, 0);

  auto start = Clock::now();
  HttpResponse slow = http(orch.port(), "GET", "/health?first_byte_delay_ms=300");
  EXPECT_EQ(slow.status, 200);
  EXPECT_GE(since(start, Clock::now()), 280ms);

  start = Clock::now();
  SseStream stream(orch.port(), "POST", "/chat?first_byte_delay_ms=300&delay_ms=0&tokens=2", {},
                   chat_body("x"));
  EXPECT_EQ(stream.head().status, 200);
  EXPECT_GE(since(start, Clock::now()), 280ms);
  EXPECT_EQ(stream.rest().size(), 3u);
}

TEST(Orchestrator, ClientDisconnectCountsACancelledStream) {
  OrchestratorProcess orch;
  {
    SseStream stream(orch.port(), "POST", "/chat?tokens=500&delay_ms=20", {}, chat_body("bye"));
    ASSERT_TRUE(stream.next().has_value());
    ASSERT_TRUE(stream.next().has_value());
    EXPECT_EQ(orchestrator_stat(orch.port(), "active_streams"), 1);
    stream.close();
  }
  EXPECT_EQ(wait_for_orchestrator_stat(orch.port(), "cancelled_streams", 1), 1);
  EXPECT_EQ(wait_for_orchestrator_stat(orch.port(), "active_streams", 0), 0);
  // A stream read to its end is not cancelled.
  SseStream whole(orch.port(), "POST", "/chat?tokens=3&delay_ms=0", {}, chat_body("x"));
  EXPECT_EQ(whole.rest().size(), 4u);
  EXPECT_EQ(orchestrator_stat(orch.port(), "cancelled_streams"), 1);
  EXPECT_EQ(orchestrator_stat(orch.port(), "requests"), 2);  // /_stats itself is not counted
}

TEST(Orchestrator, WebSocketChatRoundTrip) {
  OrchestratorProcess orch({"--token-delay", "10ms", "--name", "ws-up"});
  WsClient ws(orch.port(), "/ws?tokens=5");
  ASSERT_TRUE(ws.open()) << ws.handshake().status;
  EXPECT_EQ(ws.handshake().header("x-upstream-name"), "ws-up");

  auto converse = [&](const std::string& message) {
    EXPECT_TRUE(ws.send_text(message));
    std::string text;
    for (int i = 0; i < 5; ++i) {
      auto token = ws.read_data();
      if (!token) return std::string("<timeout>");
      EXPECT_TRUE(token->text());
      EXPECT_NE(token->payload.find(R"("type":"token")"), std::string::npos) << token->payload;
      text += token_of(token->payload);
    }
    auto done = ws.read_data();
    EXPECT_TRUE(done && done->payload == R"({"type":"done"})");
    return text;
  };
  EXPECT_EQ(converse("hello"), "You said: hello. Here is");
  EXPECT_EQ(converse(R"({"message":"json hi"})"), "You said: json hi. Here");

  ASSERT_TRUE(ws.send_text("echo:ping 123"));
  auto echo = ws.read_data();
  ASSERT_TRUE(echo.has_value());
  EXPECT_TRUE(echo->text());
  EXPECT_EQ(echo->payload, "echo:ping 123");

  ASSERT_TRUE(ws.send_ping("abc"));
  auto pong = ws.read();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->opcode, WsMessage::kPong);
  EXPECT_EQ(pong->payload, "abc");

  EXPECT_EQ(orchestrator_stat(orch.port(), "ws_sessions"), 1);
  EXPECT_EQ(orchestrator_stat(orch.port(), "ws_active"), 1);
  ASSERT_TRUE(ws.send_close(1000));
  auto close = ws.read();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->opcode, WsMessage::kClose);
  EXPECT_EQ(close->close_code(), 1000);
  EXPECT_TRUE(ws.closed_within(2s));
  ws.close_socket();  // the server's teardown ends when the client's side closes too
  EXPECT_EQ(wait_for_orchestrator_stat(orch.port(), "ws_active", 0), 0);
}

TEST(Orchestrator, WebSocketEchoDoesNotWaitForTokens) {
  OrchestratorProcess orch({"--token-delay", "2s"});
  WsClient ws(orch.port());
  ASSERT_TRUE(ws.open());
  auto start = Clock::now();
  std::string big(70000, 'e');  // a 64-bit length frame each way
  ASSERT_TRUE(ws.send_text("echo:" + big));
  auto echo = ws.read_data();
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->payload, "echo:" + big);
  EXPECT_LT(since(start, Clock::now()), 1000ms);
}

TEST(Orchestrator, ChatRejectsWhatIsNotAChatRequest) {
  OrchestratorProcess orch;
  HttpResponse get = http(orch.port(), "GET", "/chat");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("allow"), "POST");
  EXPECT_EQ(http(orch.port(), "POST", "/chat", {}, "not json").status, 400);
  EXPECT_EQ(http(orch.port(), "POST", "/chat", {}, R"({"msg":"x"})").status, 400);
  EXPECT_EQ(http(orch.port(), "POST", "/chat", {}, R"({"message":7})").status, 400);
}

TEST(Orchestrator, SigtermAndSigintExitZeroEvenMidStream) {
  OrchestratorProcess orch;
  SseStream stream(orch.port(), "POST", "/chat?tokens=1000&delay_ms=10", {}, chat_body("x"));
  ASSERT_TRUE(stream.next().has_value());
  EXPECT_EQ(orch.stop(SIGTERM, 5s), 0);
  EXPECT_TRUE(stream.rest(2s).size() < 1000u);
  EXPECT_TRUE(stream.peer_closed());

  OrchestratorProcess other;
  EXPECT_EQ(other.stop(SIGINT, 5s), 0);
}

}  // namespace
}  // namespace ew::test
