// Receive buffers that tell Asio's reactor what the caller knows about the socket, so that a
// read waits for epoll instead of first trying a recv that can only fail with EAGAIN.
//
// Asio 1.74 starts every async_read_some with a speculative recv. Where the data cannot be there
// yet, that recv is a wasted system call, and on a small keep-alive request system calls are
// most of the cost (strace: recv, recv EAGAIN, sendmsg, where nginx makes recv, writev). Both
// buffers below specialize Asio's receive operation for their own type, and only that:
//
// - DrainedReadBuffer: a short read means the socket was emptied (nginx reasons the same way),
//   so it is reported as "exhausted" and the reactor skips the speculative recv of the next
//   read. Asio has this mechanism (`try_speculative_`) but uses it only at end of file. The
//   reactor turns speculation back on at the socket's next epoll event, including one that
//   arrives while no read is pending, so no data is ever left unread.
//   The one case that waits longer: a FIN that arrives in the same epoll event as the last data.
//   Asio does not register EPOLLRDHUP, so no later event announces it and the next read waits
//   for the caller's timeout instead of seeing end of file. Use this buffer only where whatever
//   reads the socket next allows for that: it serves the client's request reads, after which
//   the idle sweep looks for such a FIN once (session.cpp) and a WebSocket tunnel's first read
//   looks at the socket directly (tunnel.cpp). Two more limits: a read stops short at TCP
//   urgent data with bytes still queued behind it (a client that sends urgent data stalls its
//   own connection until a timeout), and a short result ends the reactor's pass over the read
//   queue, so keep at most one read pending on a socket that uses this buffer.
//
// - AwaitedReadBuffer: the caller knows nothing can have arrived, because it has just sent a
//   request on a connection it found empty and nothing ran in between (no suspension, so no
//   epoll event was consumed). The speculative attempt is answered "not yet" without a system
//   call; every later attempt is a real recv. The speculative attempt is always the first one:
//   the reactor skips it only after an "exhausted" result, which a plain read reports only at
//   end of file, after which a connection is not reused.
#pragma once

#include <boost/version.hpp>

static_assert(BOOST_VERSION == 107400,
              "read_hints.h specializes an Asio 1.74 internal; check it against this Boost");

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <utility>

// Not self-contained: needs the public headers above first.
#include <boost/asio/detail/reactive_socket_recv_op.hpp>

namespace ew {

struct DrainedReadBuffer : boost::asio::mutable_buffer {
  explicit DrainedReadBuffer(boost::asio::mutable_buffer buffer) : mutable_buffer(buffer) {}
};

struct AwaitedReadBuffer : boost::asio::mutable_buffer {
  explicit AwaitedReadBuffer(boost::asio::mutable_buffer buffer) : mutable_buffer(buffer) {}
};

// - ReadinessBuffer: for a reader that reads the socket itself (OpenSSL, on a TLS stream) and
//   needs Asio only to wait. A receive into it reads nothing: it completes at once, with 0
//   bytes, when Asio has seen the socket readable since the last such receive (an epoll event,
//   even one that came while nothing waited), and otherwise waits for the next event; either
//   way it marks the socket exhausted. So a reader that knows it emptied the socket waits
//   without a read that can only fail with EAGAIN, and no event is lost: unlike async_wait,
//   which ignores events that came before it.
struct ReadinessBuffer : boost::asio::mutable_buffer {
  explicit ReadinessBuffer(boost::asio::mutable_buffer buffer) : mutable_buffer(buffer) {}
};

}  // namespace ew

namespace boost::asio::detail {

// One buffer, one recv; `Hint` decides what a perform attempt does with it.
template <class Hint>
class ew_hinted_recv_op : public reactor_op {
 public:
  ew_hinted_recv_op(const boost::system::error_code& success_ec, socket_type socket,
                    socket_ops::state_type state, const mutable_buffer& buffer,
                    socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &ew_hinted_recv_op::do_perform, complete_func),
        socket_(socket),
        stream_oriented_((state & socket_ops::stream_oriented) != 0),
        buffer_(buffer),
        flags_(flags) {}

  // Asio's own rule: done once the recv did not fail with EAGAIN, exhausted at end of file.
  status receive() {
    if (!socket_ops::non_blocking_recv1(socket_, buffer_.data(), buffer_.size(), flags_,
                                        stream_oriented_, ec_, bytes_transferred_)) {
      return not_done;
    }
    return ec_ == boost::asio::error::eof ? done_and_exhausted : done;
  }

  bool was_short() const { return !ec_ && bytes_transferred_ < buffer_.size(); }
  // Completes without reading, and tells the reactor the socket is exhausted.
  status ready() {
    ec_ = boost::system::error_code();
    bytes_transferred_ = 0;
    return done_and_exhausted;
  }
  bool first_attempt() { return std::exchange(first_attempt_, false); }

 private:
  static status do_perform(reactor_op* base) {
    return Hint::perform(*static_cast<ew_hinted_recv_op*>(base));
  }

  socket_type socket_;
  bool stream_oriented_;
  bool first_attempt_ = true;
  mutable_buffer buffer_;
  socket_base::message_flags flags_;
};

struct ew_drained_hint {
  template <class Op>
  static reactor_op::status perform(Op& op) {
    reactor_op::status result = op.receive();
    return result == reactor_op::done && op.was_short() ? reactor_op::done_and_exhausted : result;
  }
};

struct ew_awaited_hint {
  template <class Op>
  static reactor_op::status perform(Op& op) {
    return op.first_attempt() ? reactor_op::not_done : op.receive();
  }
};

struct ew_readiness_hint {
  template <class Op>
  static reactor_op::status perform(Op& op) {
    return op.ready();
  }
};

template <>
class reactive_socket_recv_op_base<ew::ReadinessBuffer>
    : public ew_hinted_recv_op<ew_readiness_hint> {
 public:
  using ew_hinted_recv_op::ew_hinted_recv_op;
};

template <>
class reactive_socket_recv_op_base<ew::DrainedReadBuffer>
    : public ew_hinted_recv_op<ew_drained_hint> {
 public:
  using ew_hinted_recv_op::ew_hinted_recv_op;
};

template <>
class reactive_socket_recv_op_base<ew::AwaitedReadBuffer>
    : public ew_hinted_recv_op<ew_awaited_hint> {
 public:
  using ew_hinted_recv_op::ew_hinted_recv_op;
};

}  // namespace boost::asio::detail
