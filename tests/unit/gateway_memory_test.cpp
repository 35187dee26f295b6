// The gateway (proxy::ProxyHandler) driven through the protocol-neutral contract alone: the
// client's side is an in-memory BodyReader and ResponseWriter that record every call, and the
// upstream is a small Asio server on loopback playing the app with canned answers. What is
// asserted is what the writer is told (head, fields, length, pieces, finish/abort/reply) and what
// the upstream receives (request head and body, byte for byte).
#include <gtest/gtest.h>

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <cstring>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/exchange.h"
#include "proxy/proxy_handler.h"
#include "proxy/upstream.h"

namespace ew {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

// The value of field `name` in a raw HTTP head ("Name: value\r\n" lines), if present.
std::optional<std::string> head_field(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    at += 2;
    std::size_t end = head.find("\r\n", at);
    std::string_view line = head.substr(at, end - at);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    at = end;
  }
  return std::nullopt;
}

std::string chunk(std::string_view data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

// A head as the writer was given it, copied (the given fields are views into the gateway's
// parser).
struct RecordedHead {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::uint64_t> content_length;

  explicit RecordedHead(const ResponseHead& head)
      : status(head.status), content_length(head.content_length) {
    for (const HeaderField& field : head.fields) fields.emplace_back(field.name, field.value);
  }
  std::optional<std::string> field(std::string_view name) const {
    for (const auto& [n, v] : fields) {
      if (iequals(n, name)) return v;
    }
    return std::nullopt;
  }
};

// The request body, served from memory in the given piece sizes; optionally ending in a failure
// instead of the end of the body.
class MemoryBodyReader final : public BodyReader {
 public:
  MemoryBodyReader(std::string bytes, std::vector<std::size_t> piece_sizes,
                   std::optional<std::uint64_t> declared_length,
                   std::optional<BodyStatus> failure_at_end = std::nullopt)
      : bytes_(std::move(bytes)),
        piece_sizes_(std::move(piece_sizes)),
        declared_length_(declared_length),
        failure_at_end_(failure_at_end) {}

  bool has_body() const override {
    return !bytes_.empty() || failure_at_end_ || (declared_length_ && *declared_length_ > 0);
  }
  std::optional<std::uint64_t> length() const override { return declared_length_; }
  bool done() const override { return position_ == bytes_.size() && !failure_at_end_; }

  asio::awaitable<BodyPiece> read(std::span<char> into) override {
    ++reads;
    // A real reader waits on its client: complete through the event loop, not inline.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    if (position_ == bytes_.size()) {
      if (failure_at_end_) co_return BodyPiece{0, *failure_at_end_, "invalid chunk size"};
      co_return BodyPiece{};
    }
    std::size_t want =
        next_piece_ < piece_sizes_.size() ? piece_sizes_[next_piece_++] : bytes_.size() - position_;
    std::size_t n = std::min({want, into.size(), bytes_.size() - position_});
    std::memcpy(into.data(), bytes_.data() + position_, n);
    position_ += n;
    co_return BodyPiece{n, BodyStatus::kOk, {}};
  }

  int reads = 0;

 private:
  std::string bytes_;
  std::vector<std::size_t> piece_sizes_;
  std::optional<std::uint64_t> declared_length_;
  std::optional<BodyStatus> failure_at_end_;
  std::size_t position_ = 0;
  std::size_t next_piece_ = 0;
};

// Records every call the gateway makes on the client's side, in order.
class RecordingResponseWriter final : public ResponseWriter {
 public:
  asio::awaitable<bool> interim(const ResponseHead& head) override {
    interims.emplace_back(head);
    calls.push_back("interim " + std::to_string(head.status));
    co_return true;
  }
  asio::awaitable<bool> start(const ResponseHead& head, std::span<const char> first) override {
    start_head.emplace(head);
    first_bytes.assign(first.data(), first.size());
    body.append(first.data(), first.size());
    started_ = true;
    calls.push_back("start " + std::to_string(head.status));
    co_return true;
  }
  asio::awaitable<bool> write(std::span<const char> bytes) override {
    writes.emplace_back(bytes.data(), bytes.size());
    body.append(bytes.data(), bytes.size());
    calls.push_back("write");
    co_return true;
  }
  asio::awaitable<bool> finish() override {
    calls.push_back("finish");
    co_return true;
  }
  void abort() override { calls.push_back("abort"); }
  asio::awaitable<bool> reply(Response response) override {
    started_ = true;
    replied.emplace(std::move(response));
    calls.push_back("reply " + std::to_string(replied->status));
    co_return true;
  }
  asio::awaitable<Upgraded> upgrade(const ResponseHead& head) override {
    calls.push_back("upgrade");
    co_return Upgraded{};
  }
  void watch_hangup(std::function<void()> on_hangup) override { hangup_ = std::move(on_hangup); }
  void stop_watching() override { hangup_ = nullptr; }
  bool started() const override { return started_; }

  int count(std::string_view call) const {
    return static_cast<int>(std::count(calls.begin(), calls.end(), call));
  }

  std::vector<std::string> calls;
  std::vector<RecordedHead> interims;
  std::optional<RecordedHead> start_head;
  std::string first_bytes;
  std::vector<std::string> writes;
  std::string body;  // first bytes and every write
  std::optional<Response> replied;

 private:
  bool started_ = false;
  std::function<void()> hangup_;
};

// The app server: on 127.0.0.1, it reads each request (head and body, as framed on the wire) and
// answers with canned pieces, pausing between them so that each arrives in a read of its own,
// then closes.
class CannedUpstream {
 public:
  struct Received {
    std::string head;
    std::string body_on_wire;  // with its framing, as sent
    bool complete = false;
  };

  CannedUpstream(asio::io_context& ioc, std::vector<std::string> answer)
      : acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        answer_(std::move(answer)) {
    asio::co_spawn(ioc, accept_loop(), asio::detached);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  int connections = 0;
  std::vector<Received> requests;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    std::size_t index = requests.size();
    requests.emplace_back();
    std::string received;
    error_code ec;
    auto read_more = [&]() -> asio::awaitable<bool> {
      char buffer[4096];
      std::size_t n = co_await socket.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
      received.append(buffer, n);
      co_return true;
    };
    std::size_t head_end;
    while ((head_end = received.find("\r\n\r\n")) == std::string::npos) {
      if (!co_await read_more()) co_return;
    }
    requests[index].head = received.substr(0, head_end + 4);
    received.erase(0, head_end + 4);
    std::string_view head = requests[index].head;
    if (auto length = head_field(head, "Content-Length")) {
      std::size_t want = std::stoul(*length);
      while (received.size() < want) {
        if (!co_await read_more()) break;
      }
    } else if (head_field(head, "Transfer-Encoding")) {
      while (!received.ends_with("0\r\n\r\n")) {
        if (!co_await read_more()) break;
      }
    }
    requests[index].body_on_wire = received;
    requests[index].complete = !ec;
    if (ec) co_return;
    asio::steady_timer pause(socket.get_executor());
    for (std::size_t i = 0; i < answer_.size(); ++i) {
      if (i > 0) {
        pause.expires_after(30ms);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      co_await asio::async_write(socket, asio::buffer(answer_[i]),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }

  tcp::acceptor acceptor_;
  std::vector<std::string> answer_;
};

asio::awaitable<void> serve_then_mark(proxy::ProxyHandler& gateway, StreamExchange& exchange,
                                      bool& done) {
  co_await gateway.serve(exchange);
  done = true;
}

const std::string kJsonAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
    "Date: Tue, 15 Nov 1994 08:12:31 GMT\r\nConnection: keep-alive\r\nX-App: yes\r\n\r\n"
    "{\"ok\":true}";

const std::string kOkAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

class GatewayMemory : public ::testing::Test {
 protected:
  // A gateway of one upstream at 127.0.0.1:port, as the proxy module builds one.
  static std::shared_ptr<proxy::ProxyHandler> make_gateway(std::uint16_t port,
                                                           proxy::RouteConfig config = {}) {
    std::vector<std::unique_ptr<proxy::Upstream>> upstreams;
    upstreams.push_back(
        std::make_unique<proxy::Upstream>("http://127.0.0.1:" + std::to_string(port), "127.0.0.1",
                                          port, "/", proxy::CircuitOptions{}));
    auto pool = std::make_shared<proxy::Pool>(std::move(upstreams), proxy::PoolOptions{});
    auto budget = std::make_shared<proxy::RetryBudget>(0.2, 3);
    config.name = config.prefix;
    // The worker's connection pool is thread-local: nothing of this test's io_context may stay
    // in it once the test is over.
    config.max_idle_per_upstream = 0;
    return std::make_shared<proxy::ProxyHandler>(std::move(config), std::move(pool),
                                                 std::move(budget));
  }

  // A request as the session would hand it over; `extra` fields follow Host.
  Request& make_request(Method method, std::string target, bool secure,
                        std::vector<std::pair<std::string, std::string>> extra = {}) {
    Request& request = requests_.emplace_back();
    const std::string& kept_target = strings_.emplace_back(std::move(target));
    request.method = method;
    request.method_name = to_string(method);
    request.target = kept_target;
    std::size_t q = request.target.find('?');
    request.path = request.target.substr(0, q);
    request.query = q == std::string_view::npos ? std::string_view{} : request.target.substr(q + 1);
    request.version = 11;
    request.secure = secure;
    request.client_address = "203.0.113.7";
    request.peer_address = "203.0.113.7";
    request.request_id = "gateway-test-id";
    request.mutable_headers().push_back({"Host", "app.test"});
    for (auto& [name, value] : extra) {
      const std::string& kept_name = strings_.emplace_back(std::move(name));
      const std::string& kept_value = strings_.emplace_back(std::move(value));
      request.mutable_headers().push_back({kept_name, kept_value});
    }
    return request;
  }

  // Runs serve() to its end on this test's io_context (the upstream runs on it too).
  void serve(proxy::ProxyHandler& gateway, Request& request, BodyReader& body,
             RecordingResponseWriter& writer) {
    StreamExchange exchange{request, route_options_, body, writer};
    bool done = false;
    asio::co_spawn(ioc_, serve_then_mark(gateway, exchange, done), asio::detached);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc_.restart();
      ioc_.run_one_for(50ms);
    }
    ASSERT_TRUE(done) << "serve() did not end within 10 s";
  }

  // Lets the upstream finish what it is doing (or show that nothing reached it).
  void settle() {
    ioc_.restart();
    ioc_.run_for(100ms);
  }

  asio::io_context ioc_;
  RouteOptions route_options_;
  std::list<Request> requests_;
  std::list<std::string> strings_;
};

TEST_F(GatewayMemory, JsonAnswerArrivesWithItsLengthAndWithoutTheUpstreamsOwnFields) {
  CannedUpstream upstream(ioc_, {kJsonAnswer});
  auto gateway = make_gateway(upstream.port());
  Request& request = make_request(Method::kGet, "/api/items", false);
  MemoryBodyReader body("", {}, 0);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);

  ASSERT_TRUE(writer.start_head);
  const RecordedHead& head = *writer.start_head;
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.field("Content-Type"), "application/json");
  EXPECT_EQ(head.field("X-App"), "yes");
  EXPECT_FALSE(head.field("Content-Length"));
  EXPECT_FALSE(head.field("Date"));
  EXPECT_FALSE(head.field("Connection"));
  EXPECT_EQ(head.content_length, 11u);
  EXPECT_EQ(writer.body, "{\"ok\":true}");
  EXPECT_EQ(writer.calls.back(), "finish");
  EXPECT_EQ(writer.count("finish"), 1);
  EXPECT_EQ(writer.count("abort"), 0);
  EXPECT_FALSE(writer.replied);
}

TEST_F(GatewayMemory, EventStreamPiecesArriveAsSeparateWritesInOrder) {
  CannedUpstream upstream(ioc_, {"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n",
                                 chunk("data: first\n\n"), chunk("data: second\n\n"), "0\r\n\r\n"});
  auto gateway = make_gateway(upstream.port());
  Request& request = make_request(Method::kGet, "/api/events", false);
  MemoryBodyReader body("", {}, 0);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);

  ASSERT_TRUE(writer.start_head);
  EXPECT_EQ(writer.start_head->status, 200);
  EXPECT_FALSE(writer.start_head->content_length);
  EXPECT_EQ(writer.start_head->field("Content-Type"), "text/event-stream");
  EXPECT_FALSE(writer.start_head->field("Transfer-Encoding"));
  EXPECT_EQ(writer.first_bytes, "");
  EXPECT_EQ(writer.writes, (std::vector<std::string>{"data: first\n\n", "data: second\n\n"}));
  EXPECT_EQ(writer.calls, (std::vector<std::string>{"start 200", "write", "write", "finish"}));
}

TEST_F(GatewayMemory, UpstreamGetsTheRewrittenTargetRequestIdAndForwardedProto) {
  CannedUpstream upstream(ioc_, {kOkAnswer});
  auto gateway = make_gateway(upstream.port());
  for (bool secure : {true, false}) {
    Request& request = make_request(Method::kGet, "/api/chat?x=1", secure);
    MemoryBodyReader body("", {}, 0);
    RecordingResponseWriter writer;
    serve(*gateway, request, body, writer);
    EXPECT_EQ(writer.body, "ok");
  }
  settle();
  ASSERT_EQ(upstream.requests.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string& head = upstream.requests[i].head;
    EXPECT_TRUE(head.starts_with("GET /chat?x=1 HTTP/1.1\r\n")) << head;
    EXPECT_EQ(head_field(head, "X-Request-Id"), "gateway-test-id") << head;
    EXPECT_EQ(head_field(head, "X-Forwarded-Proto"), i == 0 ? "https" : "http") << head;
    EXPECT_EQ(head_field(head, "Host"), "app.test") << head;
    EXPECT_FALSE(head_field(head, "Content-Length")) << head;
    EXPECT_FALSE(head_field(head, "Transfer-Encoding")) << head;
  }
}

TEST_F(GatewayMemory, BodyOfKnownLengthGoesUpstreamWithContentLength) {
  CannedUpstream upstream(ioc_, {kOkAnswer});
  auto gateway = make_gateway(upstream.port());
  Request& request = make_request(Method::kPost, "/api/upload", false,
                                  {{"Content-Type", "text/plain"}, {"Content-Length", "15"}});
  MemoryBodyReader body("hello, upstream", {4, 4, 100}, 15);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);
  settle();

  ASSERT_EQ(upstream.requests.size(), 1u);
  const auto& received = upstream.requests[0];
  EXPECT_EQ(head_field(received.head, "Content-Length"), "15") << received.head;
  EXPECT_FALSE(head_field(received.head, "Transfer-Encoding")) << received.head;
  EXPECT_EQ(received.body_on_wire, "hello, upstream");
  EXPECT_EQ(writer.body, "ok");
  EXPECT_EQ(writer.count("finish"), 1);
}

TEST_F(GatewayMemory, BodyOfUnknownLengthGoesUpstreamChunked) {
  CannedUpstream upstream(ioc_, {kOkAnswer});
  auto gateway = make_gateway(upstream.port());
  Request& request =
      make_request(Method::kPost, "/api/upload", false, {{"Transfer-Encoding", "chunked"}});
  MemoryBodyReader body("hello, upstream", {5, 2, 8}, std::nullopt);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);
  settle();

  ASSERT_EQ(upstream.requests.size(), 1u);
  const auto& received = upstream.requests[0];
  EXPECT_EQ(head_field(received.head, "Transfer-Encoding"), "chunked") << received.head;
  EXPECT_FALSE(head_field(received.head, "Content-Length")) << received.head;
  // One chunk per piece the client's reader gave, then the last chunk.
  EXPECT_EQ(received.body_on_wire, "5\r\nhello\r\n2\r\n, \r\n8\r\nupstream\r\n0\r\n\r\n");
  EXPECT_EQ(writer.body, "ok");
}

TEST_F(GatewayMemory, RefusedConnectionGets503WithRetryAfterAndNoStart) {
  std::uint16_t closed_port;
  {
    tcp::acceptor probe(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }  // closed: connections to it are refused
  auto gateway = make_gateway(closed_port);
  Request& request = make_request(Method::kGet, "/api/items", false);
  MemoryBodyReader body("", {}, 0);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);

  ASSERT_TRUE(writer.replied);
  EXPECT_EQ(writer.replied->status, 503);
  EXPECT_FALSE(writer.replied->find_header("Retry-After").empty());
  EXPECT_FALSE(writer.start_head);
  EXPECT_EQ(writer.calls, (std::vector<std::string>{"reply 503"}));
}

TEST_F(GatewayMemory, UpstreamClosingMidStreamAbortsWithoutFinish) {
  CannedUpstream upstream(ioc_,
                          {"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n",
                           chunk("data: first\n\n")});  // then the upstream closes: no last chunk
  auto gateway = make_gateway(upstream.port());
  Request& request = make_request(Method::kGet, "/api/events", false);
  MemoryBodyReader body("", {}, 0);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);

  ASSERT_TRUE(writer.start_head);
  EXPECT_EQ(writer.body, "data: first\n\n");
  EXPECT_EQ(writer.count("abort"), 1);
  EXPECT_EQ(writer.count("finish"), 0);
  EXPECT_FALSE(writer.replied);
}

TEST_F(GatewayMemory, DeclaredLengthOverTheRouteLimitGets413AndNothingReachesTheUpstream) {
  CannedUpstream upstream(ioc_, {kOkAnswer});
  proxy::RouteConfig config;
  config.max_body_size = 10;
  auto gateway = make_gateway(upstream.port(), config);
  Request& request = make_request(Method::kPost, "/api/upload", false, {{"Content-Length", "11"}});
  MemoryBodyReader body("hello world", {}, 11);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);
  settle();

  ASSERT_TRUE(writer.replied);
  EXPECT_EQ(writer.replied->status, 413);
  EXPECT_EQ(writer.calls, (std::vector<std::string>{"reply 413"}));
  EXPECT_EQ(body.reads, 0);
  EXPECT_EQ(upstream.connections, 0);
}

TEST_F(GatewayMemory, EarlyHintsArePassedOnBeforeTheFinalAnswer) {
  CannedUpstream upstream(
      ioc_, {"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"});
  auto gateway = make_gateway(upstream.port());
  Request& request = make_request(Method::kGet, "/api/page", false);
  MemoryBodyReader body("", {}, 0);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);

  EXPECT_EQ(writer.calls, (std::vector<std::string>{"interim 103", "start 200", "finish"}));
  ASSERT_EQ(writer.interims.size(), 1u);
  EXPECT_EQ(writer.interims[0].field("Link"), "</style.css>; rel=preload");
  EXPECT_EQ(writer.body, "ok");
}

TEST_F(GatewayMemory, MalformedClientBodyGets400) {
  CannedUpstream upstream(ioc_, {kOkAnswer});
  auto gateway = make_gateway(upstream.port());
  Request& request =
      make_request(Method::kPost, "/api/upload", false, {{"Transfer-Encoding", "chunked"}});
  MemoryBodyReader body("abc", {3}, std::nullopt, BodyStatus::kMalformed);
  RecordingResponseWriter writer;
  serve(*gateway, request, body, writer);
  settle();

  ASSERT_TRUE(writer.replied);
  EXPECT_EQ(writer.replied->status, 400);
  EXPECT_NE(writer.replied->body.find("invalid chunk size"), std::string::npos)
      << writer.replied->body;
  EXPECT_FALSE(writer.start_head);
  // The upstream saw the request begin, never end.
  ASSERT_EQ(upstream.requests.size(), 1u);
  EXPECT_FALSE(upstream.requests[0].complete);
}

}  // namespace
}  // namespace ew
