// Private to src/net users: reads that remember a drained socket, nginx's `ready` flag for
// Asio's epoll reactor.
//
// Asio tries every socket read speculatively (one recv before waiting on epoll), and keeps
// trying until a read returns 0 bytes. A proxy reads right after writing: the client's next
// request and the upstream's answer are not there yet, so that first recv returns EAGAIN, one
// wasted syscall per read (about two per proxied JSON request). Waiting with async_wait instead
// costs an epoll_ctl (EPOLL_CTL_MOD) per wait, the same price.
//
// Asio registers sockets edge-triggered (EPOLLET) and has a per-descriptor flag,
// try_speculative_, that it clears when a read reports "done and exhausted": the next read then
// goes straight into the reactor's queue, with no recv and no epoll_ctl, and the flag comes back
// with the next epoll event for the socket. Asio sets it only for end of stream; a read into an
// EdgeBuffer also sets it when a stream recv returns fewer bytes than asked for, since a short
// TCP read means the receive queue was empty at that instant, and any byte queued after it is a
// new edge that epoll reports (the flag is set again, and the queued read runs). A byte that
// arrives between the event and the read is read and still reported: one spurious wake-up, no
// lost data.
//
// Use: EdgeFlatBuffer in place of beast::flat_buffer for Beast's http::async_read* over a
// beast::tcp_stream (its prepare() hands out EdgeBuffers). Other reads are unchanged. Only for
// Boost 1.81's epoll reactor (the recv operation below repeats its code); elsewhere
// kEdgeReads is false and an EdgeBuffer is a plain buffer.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/config.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/version.hpp>

#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && \
    BOOST_VERSION / 100 == 1081
#define LLMCTL_NET_EDGE_READS 1
#include <boost/asio/detail/buffer_sequence_adapter.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#else
#define LLMCTL_NET_EDGE_READS 0
#endif

namespace llmctl::net {

// True where reads into an EdgeBuffer skip the recv that would return EAGAIN.
inline constexpr bool kEdgeReads = LLMCTL_NET_EDGE_READS != 0;

// A mutable buffer (it converts to one, so Asio and Beast take it as a one-buffer sequence)
// whose stream reads mark the socket drained after a short read.
struct EdgeBuffer : boost::asio::mutable_buffer {
  EdgeBuffer() = default;
  explicit EdgeBuffer(boost::asio::mutable_buffer b) : boost::asio::mutable_buffer(b) {}
  // A one-element range over itself (beast::buffers_prefix_view iterates with begin/end).
  const boost::asio::mutable_buffer* begin() const { return this; }
  const boost::asio::mutable_buffer* end() const { return this + 1; }
};

// beast::flat_buffer whose prepare() returns an EdgeBuffer (everything else is flat_buffer's).
class EdgeFlatBuffer : public boost::beast::flat_buffer {
 public:
  using mutable_buffers_type = EdgeBuffer;
  EdgeBuffer prepare(std::size_t n) { return EdgeBuffer(boost::beast::flat_buffer::prepare(n)); }
};

}  // namespace llmctl::net

#if LLMCTL_NET_EDGE_READS
namespace boost::asio::detail {

// Boost 1.81's reactive_socket_recv_op_base::do_perform for the sequence beast::tcp_stream
// hands the socket (buffers_prefix_view of the caller's buffers), with one change: a stream
// read shorter than the buffer is "done and exhausted" too (see the top of this file).
template <>
inline reactor_op::status reactive_socket_recv_op_base<
    boost::beast::buffers_prefix_view<llmctl::net::EdgeBuffer>>::do_perform(reactor_op* base) {
  auto* o = static_cast<reactive_socket_recv_op_base*>(base);
  using bufs_type =
      buffer_sequence_adapter<boost::asio::mutable_buffer,
                              boost::beast::buffers_prefix_view<llmctl::net::EdgeBuffer>>;
  bufs_type bufs(o->buffers_);
  const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
  if (!socket_ops::non_blocking_recv(o->socket_, bufs.buffers(), bufs.count(), o->flags_, stream,
                                     o->ec_, o->bytes_transferred_))
    return not_done;  // EAGAIN: the reactor waits for the next edge
  if (stream && (o->bytes_transferred_ == 0 || o->bytes_transferred_ < bufs.total_size()))
    return done_and_exhausted;
  return done;
}

}  // namespace boost::asio::detail
#endif
