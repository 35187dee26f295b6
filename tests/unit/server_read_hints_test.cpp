// The read hints change when Asio tries a recv, never what a read returns: over a real loopback
// connection, every byte and every end of stream must still reach a read, whenever it arrives
// (for AwaitedReadBuffer: whenever it arrives after the read started, its precondition).
#include "net/read_hints.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace ew {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

struct ReadResult {
  error_code ec;
  std::string bytes;
};

class ReadHintsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    server_.non_blocking(true);
  }

  void send(const std::string& bytes) { net::write(client_, net::buffer(bytes)); }

  // Runs the event loop for `time` with a timer keeping it busy, so that epoll is waited on and
  // consumes whatever events the server socket has, whether or not a read is pending.
  void run_for(std::chrono::milliseconds time) {
    net::steady_timer timer(io_, time);
    timer.async_wait([](const error_code&) {});
    io_.restart();
    io_.run_for(time + 200ms);
  }

  // Starts a read with buffer type Hint into a buffer of `size` bytes.
  template <class Hint>
  void start_read(std::size_t size) {
    result_.reset();
    storage_.assign(size, '\0');
    server_.async_read_some(Hint(net::buffer(storage_)),
                            [this](const error_code& ec, std::size_t n) {
                              result_ = ReadResult{ec, storage_.substr(0, n)};
                            });
  }

  // Starts a read and runs the loop until it completes (nothing when it never did).
  template <class Hint>
  std::optional<ReadResult> read_now(std::size_t size = 64) {
    start_read<Hint>(size);
    return finish_read();
  }

  // Starts a read with nothing to read, checks that it waits, then sends `bytes` and returns
  // what the read got (nothing when it never completed).
  template <class Hint>
  std::optional<ReadResult> read_sent_later(const std::string& bytes) {
    start_read<Hint>(64);
    run_for(50ms);
    EXPECT_FALSE(result_) << "a read completed with nothing sent";
    send(bytes);
    return finish_read();
  }

  // Runs the loop until the read completes or `limit` passes.
  std::optional<ReadResult> finish_read(std::chrono::milliseconds limit = 2s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!result_ && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(20ms);
    }
    return result_;
  }

  net::io_context io_;
  tcp::socket server_{io_};
  tcp::socket client_{io_};
  std::string storage_;
  std::optional<ReadResult> result_;
};

TEST_F(ReadHintsTest, DataArrivingAfterAShortDrainedReadIsDelivered) {
  send("first");
  auto first = read_now<DrainedReadBuffer>();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "first");

  auto second = read_sent_later<DrainedReadBuffer>("second");
  ASSERT_TRUE(second) << "data sent after a short read never reached the next read";
  EXPECT_EQ(second->bytes, "second");
}

TEST_F(ReadHintsTest, DataThatArrivedWhileNoReadWasPendingIsDelivered) {
  send("first");
  ASSERT_TRUE(read_now<DrainedReadBuffer>());
  // The event for this data is consumed while no read waits for it.
  send("between");
  run_for(50ms);
  auto next = read_now<DrainedReadBuffer>();
  ASSERT_TRUE(next) << "data whose event came while no read was pending was left unread";
  EXPECT_EQ(next->bytes, "between");
}

TEST_F(ReadHintsTest, AFullDrainedReadLeavesTheRestReadable) {
  send("0123456789");
  run_for(50ms);  // the socket's readiness event is consumed before any read
  auto first = read_now<DrainedReadBuffer>(4);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "0123");
  // No new event will come for the six bytes still queued: a full read must not be taken
  // for a drained socket.
  auto rest = read_now<DrainedReadBuffer>();
  ASSERT_TRUE(rest) << "the bytes after a full read were left unread";
  EXPECT_EQ(rest->bytes, "456789");
}

TEST_F(ReadHintsTest, AFinAfterAShortDrainedReadEndsTheNextRead) {
  send("request");
  ASSERT_TRUE(read_now<DrainedReadBuffer>());
  start_read<DrainedReadBuffer>(64);
  run_for(30ms);
  ASSERT_EQ(::shutdown(client_.native_handle(), SHUT_WR), 0);
  auto end = finish_read();
  ASSERT_TRUE(end) << "the peer's FIN never reached the pending read";
  EXPECT_EQ(end->ec, net::error::eof);
}

TEST_F(ReadHintsTest, AnAwaitedReadWaitsThenDeliversTheAnswer) {
  auto answer = read_sent_later<AwaitedReadBuffer>("answer");
  ASSERT_TRUE(answer) << "the answer never reached the awaited read";
  EXPECT_EQ(answer->bytes, "answer");
}

TEST_F(ReadHintsTest, AnAwaitedReadSeesAnEndThatComesLater) {
  start_read<AwaitedReadBuffer>(64);
  run_for(30ms);
  client_.close();
  auto end = finish_read();
  ASSERT_TRUE(end) << "the peer's close never reached the awaited read";
  EXPECT_EQ(end->ec, net::error::eof);
}

}  // namespace
}  // namespace ew
