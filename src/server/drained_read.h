// A receive buffer that tells Asio's reactor when a read emptied the socket, so the next read
// waits for epoll instead of first trying a recv that can only fail.
//
// Asio 1.74 starts every async_read_some with a speculative recv. On a keep-alive connection the
// read issued right after a response almost never finds the next request yet, so that recv
// returns EAGAIN: one wasted system call per request, a third of the calls a small request costs
// (strace: recv, recv EAGAIN, sendmsg; nginx: recv, writev). nginx avoids it by treating a short
// read as "drained" and waiting for the next edge-triggered event. Asio has the same mechanism,
// `try_speculative_`, but sets it only on end of file; this specialization of its receive
// operation also reports a short read as exhausted. The reactor re-enables speculation on the
// next epoll event for the socket, including one that arrives while no read is pending, so no
// data is ever left unread.
//
// The one case that waits longer: a peer whose FIN arrives in the same epoll event as its last
// data. Asio does not register EPOLLRDHUP, so no further event announces that FIN, and the read
// after the short one waits for the caller's timeout instead of seeing end of file at once. Use
// this buffer only where that is harmless: the request read of a client connection, where the
// response has been sent by then and the idle timeout closes the connection.
#pragma once

#include <boost/version.hpp>

static_assert(BOOST_VERSION == 107400,
              "drained_read.h specializes an Asio 1.74 internal; check it against this Boost");

#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>

namespace ew {

struct DrainedReadBuffer : boost::asio::mutable_buffer {
  explicit DrainedReadBuffer(boost::asio::mutable_buffer buffer) : mutable_buffer(buffer) {}
};

}  // namespace ew

namespace boost::asio::detail {

template <>
class reactive_socket_recv_op_base<ew::DrainedReadBuffer> : public reactor_op {
 public:
  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state, const ew::DrainedReadBuffer& buffer,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        stream_oriented_((state & socket_ops::stream_oriented) != 0),
        buffer_(buffer),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* op = static_cast<reactive_socket_recv_op_base*>(base);
    if (!socket_ops::non_blocking_recv1(op->socket_, op->buffer_.data(), op->buffer_.size(),
                                        op->flags_, op->stream_oriented_, op->ec_,
                                        op->bytes_transferred_)) {
      return not_done;
    }
    // An error is reported as plain `done`: the next read tries at once and sees it again.
    if (op->ec_) return done;
    return op->bytes_transferred_ < op->buffer_.size() ? done_and_exhausted : done;
  }

 private:
  socket_type socket_;
  bool stream_oriented_;
  ew::DrainedReadBuffer buffer_;
  socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail
