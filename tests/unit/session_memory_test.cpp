// The HTTP/1.1 session over an in-memory stream: a real detail::Session and Worker (bound to no
// port) serve one end of a socketpair(2), and the test speaks raw HTTP/1.1 bytes on the other.
// What is asserted is what a client reads: the head fields every answer carries, the framing of
// streamed answers, the 100-continue, the close after an unread body or an abort, pipelining,
// and the redirect of the plain listener when HTTPS is enforced.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../common/wait.h"
#include "core/router.h"
#include "net/exchange.h"
#include "server/server_impl.h"
#include "telemetry/traffic_stats.h"

namespace ew {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kReadTimeout = 5s;

// One answer as the client read it off the wire.
struct RawResponse {
  std::string status_line;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;       // without its chunked framing
  std::string raw;        // every byte of the answer as it came
  bool complete = false;  // the framing said the body ended (a 0-chunk, the full length, a close)

  std::optional<std::string> field(std::string_view name) const {
    for (const auto& [n, v] : fields) {
      if (iequals(n, name)) return v;
    }
    return std::nullopt;
  }
  bool has(std::string_view name) const { return field(name).has_value(); }
};

// The client's end of the socketpair: blocking writes, reads bounded by a timeout.
class RawClient {
 public:
  explicit RawClient(int fd) : fd_(fd) {}
  RawClient(RawClient&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0) << "the server's end stopped taking bytes";
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads one answer. An answer without a length or chunked framing is read until the close.
  RawResponse read_response() {
    RawResponse response;
    std::size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        response.raw = std::exchange(pending_, {});
        return response;
      }
    }
    std::string head = pending_.substr(0, head_end + 4);
    pending_.erase(0, head_end + 4);
    response.raw = head;
    parse_head(head, response);
    std::optional<std::string> encoding = response.field("Transfer-Encoding");
    std::optional<std::string> length = response.field("Content-Length");
    if (response.status < 200 || response.status == 204 || response.status == 304) {
      response.complete = true;
    } else if (encoding && iequals(*encoding, "chunked")) {
      read_chunked(response);
    } else if (length) {
      std::size_t want = std::stoul(*length);
      while (pending_.size() < want && read_more()) {
      }
      std::size_t take = std::min(want, pending_.size());
      response.body = pending_.substr(0, take);
      response.raw += response.body;
      pending_.erase(0, take);
      response.complete = take == want;
    } else {
      while (read_more()) {
      }
      response.body = std::exchange(pending_, {});
      response.raw += response.body;
      response.complete = closed_;
    }
    return response;
  }

  // Whether the server closed the connection, with nothing more sent, within the timeout.
  bool closed_by_server() {
    while (read_more()) {
    }
    return closed_ && pending_.empty();
  }

  // Whether the connection is still open and quiet after `wait`.
  bool open_and_quiet(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    return ready == 0 && pending_.empty();
  }

  const std::string& unread() const { return pending_; }

 private:
  // Reads what arrives next; false at the close or the timeout.
  bool read_more() {
    if (closed_) return false;
    pollfd p{fd_, POLLIN, 0};
    int ready =
        ::poll(&p, 1,
               static_cast<int>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(kReadTimeout).count()));
    if (ready <= 0) return false;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  static void parse_head(const std::string& head, RawResponse& response) {
    std::size_t line_end = head.find("\r\n");
    response.status_line = head.substr(0, line_end);
    if (response.status_line.size() >= 12)
      response.status = std::stoi(response.status_line.substr(9, 3));
    std::size_t at = line_end + 2;
    while (at < head.size()) {
      std::size_t end = head.find("\r\n", at);
      if (end == at) break;
      std::string line = head.substr(at, end - at);
      std::size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.fields.emplace_back(line.substr(0, colon), value);
      at = end + 2;
    }
  }

  void read_chunked(RawResponse& response) {
    for (;;) {
      std::size_t line_end;
      while ((line_end = pending_.find("\r\n")) == std::string::npos) {
        if (!read_more()) return;
      }
      std::size_t size = std::stoul(pending_.substr(0, line_end), nullptr, 16);
      std::size_t need = line_end + 2 + size + 2;
      while (pending_.size() < need) {
        if (!read_more()) return;
      }
      response.raw += pending_.substr(0, need);
      response.body += pending_.substr(line_end + 2, size);
      pending_.erase(0, need);
      if (size == 0) {
        response.complete = true;
        return;
      }
    }
  }

  int fd_;
  std::string pending_;
  bool closed_ = false;
};

ResponseHead streamed_head(std::vector<HeaderField> fields, std::optional<std::uint64_t> length) {
  ResponseHead head;
  head.status = 200;
  head.fields = std::move(fields);
  head.content_length = length;
  return head;
}

// A stream route written for the test: what it does is chosen by the route it serves.
class TestStreamHandler final : public StreamHandler {
 public:
  enum class Mode : std::uint8_t {
    kTwoPieces,    // a body of unknown length: "one" with the head, then "two"
    kEchoBody,     // reads the body in small pieces and answers it back, with its length known
    kRefuse,       // answers 403 without reading the declared body
    kAbortMidway,  // starts a stream, sends "partial", aborts, and holds on (see below)
  };
  // `release` ends the hold of kAbortMidway: the handler keeps the exchange after abort() until
  // the test has seen the connection close, so that the close is abort()'s doing, not the end of
  // the exchange's.
  TestStreamHandler(Mode mode, std::shared_ptr<std::atomic<bool>> release)
      : mode_(mode), release_(std::move(release)) {}

  asio::awaitable<void> serve(StreamExchange& exchange) override {
    switch (mode_) {
      case Mode::kTwoPieces: {
        ResponseHead head = streamed_head({{"Content-Type", "text/plain"}}, std::nullopt);
        std::string_view one = "one";
        std::string_view two = "two";
        if (!co_await exchange.response.start(head, one)) co_return;
        if (!co_await exchange.response.write(two)) co_return;
        co_await exchange.response.finish();
        co_return;
      }
      case Mode::kEchoBody: {
        std::string received;
        std::array<char, 7> piece;  // small, so that a body takes several reads
        for (;;) {
          BodyPiece read = co_await exchange.body.read(piece);
          if (read.status != BodyStatus::kOk) {
            Response refused = error_response(400, "bad_body", "the body could not be read",
                                              exchange.request.request_id);
            co_await exchange.response.reply(std::move(refused));
            co_return;
          }
          if (read.size == 0) break;
          received.append(piece.data(), read.size);
        }
        std::optional<std::uint64_t> declared = exchange.body.length();
        std::string declared_text = declared ? std::to_string(*declared) : "none";
        ResponseHead head = streamed_head(
            {{"Content-Type", "application/octet-stream"}, {"X-Declared-Length", declared_text}},
            received.size());
        if (!co_await exchange.response.start(head, received)) co_return;
        co_await exchange.response.finish();
        co_return;
      }
      case Mode::kRefuse: {
        Response refused =
            error_response(403, "refused", "not this body", exchange.request.request_id);
        co_await exchange.response.reply(std::move(refused));
        co_return;
      }
      case Mode::kAbortMidway: {
        ResponseHead head = streamed_head({{"Content-Type", "text/plain"}}, std::nullopt);
        std::string_view partial = "partial";
        if (!co_await exchange.response.start(head, partial)) co_return;
        exchange.response.abort();
        asio::steady_timer poll(co_await asio::this_coro::executor);
        auto give_up = std::chrono::steady_clock::now() + 30s;  // beyond the client's waits
        while (!release_->load() && std::chrono::steady_clock::now() < give_up) {
          poll.expires_after(5ms);
          co_await poll.async_wait(asio::use_awaitable);
        }
        co_return;
      }
    }
  }

 private:
  Mode mode_;
  std::shared_ptr<std::atomic<bool>> release_;
};

asio::awaitable<void> run_memory_session(std::shared_ptr<detail::Session> session) {
  co_await session->run();
}

Handler answer_text(std::string text) {
  return [text](Request&, Responder& responder) {
    Response response(200);
    response.set_body(text, "text/plain");
    responder.send(std::move(response));
  };
}

class SessionMemory : public ::testing::Test {
 protected:
  static ServerOptions default_options() {
    ServerOptions options;
    options.max_body_size = 64;
    options.https.hsts = "max-age=63072000";  // never to be sent over a plain stream
    return options;
  }

  // The routes every test has, and a real Worker (no listener) running on its own thread.
  void start(ServerOptions options = default_options()) {
    auto router = std::make_shared<Router>();
    router->exact(kGetHead, "/hello", answer_text("hello\n"));
    router->exact(method_bit(Method::kPost), "/echo", [](Request& request, Responder& responder) {
      Response response(200);
      response.set_body(request.body, "text/plain");
      responder.send(std::move(response));
    });
    router->exact(kGetHead, "/health", answer_text("healthy\n"));
    router->exact(kGetHead, "/health/ready", answer_text("ready\n"));
    router->exact(kGetHead, "/metrics", answer_text("# metrics\n"));
    add_stream(*router, "/stream/pieces", TestStreamHandler::Mode::kTwoPieces);
    add_stream(*router, "/stream/echo", TestStreamHandler::Mode::kEchoBody);
    add_stream(*router, "/stream/refuse", TestStreamHandler::Mode::kRefuse);
    add_stream(*router, "/stream/abort", TestStreamHandler::Mode::kAbortMidway);

    shared_.options = std::move(options);
    shared_.router = std::move(router);
    shared_.traffic = std::make_shared<telemetry::TrafficStats>();
    worker_ = std::make_unique<detail::Worker>(shared_);
    work_.emplace(asio::make_work_guard(worker_->ioc));
    worker_->start();  // no listener: only the sweep that enforces deadlines
    thread_ = std::thread([this] { worker_->ioc.run(); });
  }

  // A new connection: one end of a socketpair served by a Session on the worker's thread.
  RawClient connect() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    int server_end = fds[0];
    asio::post(worker_->ioc, [this, server_end] {
      tcp::socket socket(worker_->ioc);
      socket.assign(tcp::v4(), server_end);
      auto session = std::make_shared<detail::Session>(*worker_, std::move(socket),
                                                       detail::ListenerKind::kPlain);
      asio::co_spawn(worker_->ioc, run_memory_session(std::move(session)), asio::detached);
    });
    return RawClient(fds[1]);
  }

  void TearDown() override {
    if (!worker_) return;
    release_held_handler_->store(true);
    // Every session ends before the worker goes: they unregister themselves from it.
    asio::post(worker_->ioc, [this] { worker_->close_all(); });
    EXPECT_TRUE(
        test::wait_until([this] { return shared_.open.load() == 0; }, 5s, "every session to end"));
    work_.reset();
    worker_->ioc.stop();
    thread_.join();
  }

  void add_stream(Router& router, std::string path, TestStreamHandler::Mode mode) {
    Route route;
    route.methods = kAnyMethod;
    route.kind = MatchKind::kExact;
    route.path = std::move(path);
    route.stream = std::make_shared<TestStreamHandler>(mode, release_held_handler_);
    router.add(std::move(route));
  }

  std::shared_ptr<std::atomic<bool>> release_held_handler_ =
      std::make_shared<std::atomic<bool>>(false);
  detail::Shared shared_;
  std::unique_ptr<detail::Worker> worker_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

void expect_common_fields(const RawResponse& response) {
  EXPECT_TRUE(response.has("Date")) << response.raw;
  EXPECT_TRUE(response.has("X-Request-Id")) << response.raw;
  EXPECT_FALSE(response.has("Strict-Transport-Security")) << response.raw;
}

TEST_F(SessionMemory, HandlerAnswerCarriesDateRequestIdAndLength) {
  start();
  RawClient client = connect();
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\nX-Request-Id: given-id-1\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
  expect_common_fields(response);
  EXPECT_EQ(response.field("X-Request-Id"), "given-id-1");
  EXPECT_EQ(response.field("Content-Length"), "6");
  EXPECT_FALSE(response.has("Connection"));
  EXPECT_EQ(response.body, "hello\n");
  EXPECT_TRUE(client.open_and_quiet(100ms)) << "a keep-alive connection stays open";
}

TEST_F(SessionMemory, NotFoundIsTheServersOwnAnswerAndKeepsTheConnection) {
  start();
  RawClient client = connect();
  client.send("GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 404);
  expect_common_fields(response);
  EXPECT_TRUE(response.complete);
  EXPECT_NE(response.body.find("\"not_found\""), std::string::npos) << response.body;
  EXPECT_FALSE(response.has("Connection"));
  // The connection carries the next request.
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(SessionMemory, DeclaredBodyOverTheLimitGets413AndTheConnectionCloses) {
  start();
  RawClient client = connect();
  client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 413);
  expect_common_fields(response);
  EXPECT_EQ(response.field("Connection"), "close");
  EXPECT_NE(response.body.find("body_too_large"), std::string::npos) << response.body;
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionMemory, MalformedRequestGets400AndTheConnectionCloses) {
  start();
  RawClient client = connect();
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\nthis line has no colon\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 400);
  expect_common_fields(response);
  EXPECT_EQ(response.field("Connection"), "close");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionMemory, StreamAnswerIsChunkedWithTheSameHeadFields) {
  start();
  RawClient client = connect();
  client.send("GET /stream/pieces HTTP/1.1\r\nHost: test\r\nX-Request-Id: given-id-2\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
  expect_common_fields(response);
  EXPECT_EQ(response.field("X-Request-Id"), "given-id-2");
  EXPECT_EQ(response.field("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(response.has("Content-Length"));
  EXPECT_EQ(response.field("Content-Type"), "text/plain");
  EXPECT_TRUE(response.complete) << response.raw;
  EXPECT_EQ(response.body, "onetwo");
  // One chunk per piece, in order, then the last chunk.
  EXPECT_NE(response.raw.find("\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n"), std::string::npos)
      << response.raw;
  // Complete: the connection carries the next request.
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(client.read_response().body, "hello\n");
}

TEST_F(SessionMemory, Http10ClientOfAStreamGetsTheBodyUntilTheClose) {
  start();
  RawClient client = connect();
  client.send("GET /stream/pieces HTTP/1.0\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 200);
  expect_common_fields(response);
  EXPECT_FALSE(response.has("Transfer-Encoding"));
  EXPECT_FALSE(response.has("Content-Length"));
  EXPECT_EQ(response.field("Connection"), "close");
  EXPECT_TRUE(response.complete) << "the body ends with the close";
  EXPECT_EQ(response.body, "onetwo");
}

TEST_F(SessionMemory, StreamHandlerReadsAContentLengthBodyExactly) {
  start();
  RawClient client = connect();
  std::string body = "0123456789abcdefghij";  // 20 bytes: three reads of 7
  client.send("POST /stream/echo HTTP/1.1\r\nHost: test\r\nContent-Length: 20\r\n\r\n" + body);
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 200);
  expect_common_fields(response);
  EXPECT_EQ(response.field("X-Declared-Length"), "20");
  EXPECT_EQ(response.field("Content-Length"), "20");
  EXPECT_EQ(response.body, body);
  EXPECT_FALSE(response.has("Connection"));
  EXPECT_TRUE(client.open_and_quiet(100ms));
}

TEST_F(SessionMemory, StreamHandlerReadsAChunkedBodyExactly) {
  start();
  RawClient client = connect();
  client.send(
      "POST /stream/echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n");
  // The rest comes later, in a second write: the handler's reads wait for it.
  std::this_thread::sleep_for(20ms);
  client.send("6\r\n world\r\na\r\n, chunked!\r\n0\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.field("X-Declared-Length"), "none");
  EXPECT_EQ(response.body, "hello world, chunked!");
  EXPECT_FALSE(response.has("Connection"));
}

TEST_F(SessionMemory, ExpectContinueGets100BeforeTheBodyIsSent) {
  start();
  RawClient client = connect();
  client.send(
      "POST /stream/echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n");
  RawResponse interim = client.read_response();
  EXPECT_EQ(interim.raw, "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("abcde");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "abcde");
}

TEST_F(SessionMemory, ReplyWithoutReadingTheDeclaredBodyClosesTheConnection) {
  start();
  RawClient client = connect();
  client.send("POST /stream/refuse HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 403);
  expect_common_fields(response);
  EXPECT_EQ(response.field("Connection"), "close");
  EXPECT_NE(response.body.find("\"refused\""), std::string::npos) << response.body;
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionMemory, ReplyOnARequestWithoutBodyKeepsTheConnection) {
  start();
  RawClient client = connect();
  client.send("GET /stream/refuse HTTP/1.1\r\nHost: test\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 403);
  EXPECT_FALSE(response.has("Connection"));
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(SessionMemory, AbortAfterStartClosesWithoutTheLastChunk) {
  start();
  RawClient client = connect();
  client.send("GET /stream/abort HTTP/1.1\r\nHost: test\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.field("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(response.complete) << "no 0-chunk may follow an abort: " << response.raw;
  EXPECT_EQ(response.body, "partial");
  EXPECT_TRUE(response.raw.ends_with("7\r\npartial\r\n")) << response.raw;
  // The handler still holds the exchange: the close is abort()'s own.
  EXPECT_TRUE(client.closed_by_server());
  release_held_handler_->store(true);
}

TEST_F(SessionMemory, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient client = connect();
  client.send(
      "GET /hello HTTP/1.1\r\nHost: test\r\nX-Request-Id: first\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: test\r\nX-Request-Id: second\r\n\r\n");
  RawResponse first = client.read_response();
  RawResponse second = client.read_response();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.field("X-Request-Id"), "first");
  EXPECT_EQ(first.body, "hello\n");
  EXPECT_EQ(second.status, 404);
  EXPECT_EQ(second.field("X-Request-Id"), "second");
}

TEST_F(SessionMemory, PipelinedRequestAfterAStreamedBodyIsAnsweredToo) {
  start();
  RawClient client = connect();
  client.send(
      "POST /stream/echo HTTP/1.1\r\nHost: test\r\nContent-Length: 9\r\n\r\nfirst-one"
      "GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  RawResponse first = client.read_response();
  RawResponse second = client.read_response();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "first-one");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "hello\n");
}

ServerOptions redirecting_options() {
  ServerOptions options;
  options.https.redirect = true;
  options.https.canonical_host = "example.com:8443";
  return options;
}

TEST_F(SessionMemory, PlainListenerRedirectsGetToTheCanonicalHttpsOrigin) {
  start(redirecting_options());
  RawClient client = connect();
  client.send("GET /x?y=1 HTTP/1.1\r\nHost: evil.test\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(response.field("Location"), "https://example.com:8443/x?y=1");
  expect_common_fields(response);
}

TEST_F(SessionMemory, PlainListenerRedirectsPostWith308) {
  start(redirecting_options());
  RawClient client = connect();
  client.send("POST /x HTTP/1.1\r\nHost: evil.test\r\nContent-Length: 0\r\n\r\n");
  RawResponse response = client.read_response();
  EXPECT_EQ(response.status, 308);
  EXPECT_EQ(response.field("Location"), "https://example.com:8443/x");
}

TEST_F(SessionMemory, HealthAndMetricsAreExemptFromTheRedirect) {
  start(redirecting_options());
  RawClient client = connect();
  for (std::string path : {"/health", "/health/ready", "/metrics"}) {
    client.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
    RawResponse response = client.read_response();
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_FALSE(response.has("Location")) << path;
  }
  // A path that is not exempt, on the same connection, is redirected.
  client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 301);
}

}  // namespace
}  // namespace ew
