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
// EdgeBuffer also sets it when the kernel says the receive queue is empty after the read: any
// byte queued after it is a new edge that epoll reports (the flag is set again, and the queued
// read runs). A byte that arrives between the event and the read is read and still reported:
// one spurious wake-up, no lost data.
//
// "Empty" is the kernel's TCP_INQ hint (Linux 4.18+; enable_edge_reads() turns it on for a
// socket), a control message on the same recvmsg: the bytes still queued, and 1 when none are
// but the peer's FIN has arrived. A short read alone does not say it: the peer's last bytes and
// its FIN often come in one epoll event, and a read that took the bytes and marked the socket
// drained left the FIN with no edge to come; the next read then waited out its whole timeout
// (an upstream cut mid-stream, or a close-delimited body, held the client 60 s; nginx reads
// EPOLLRDHUP for the same reason). Without the hint (a socket enable_edge_reads() was not
// called on, an old kernel) a short read is not treated as drained: Asio's own behaviour.
//
// Use: EdgeFlatBuffer in place of beast::flat_buffer for Beast's http::async_read* over a
// beast::tcp_stream (its prepare() hands out EdgeBuffers), on a socket enable_edge_reads() was
// called on. Other reads are unchanged. Only for Boost 1.81's epoll reactor (the recv operation
// below repeats its code); elsewhere kEdgeReads is false and an EdgeBuffer is a plain buffer.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/config.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/version.hpp>

#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && \
    BOOST_VERSION / 100 == 1081
#define LLMCTL_NET_EDGE_READS 1
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/detail/buffer_sequence_adapter.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>
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

// Asks the kernel for the TCP_INQ hint on every read of socket `fd` (see the top): call it once
// a connection is established, before reading into an EdgeFlatBuffer. False where the kernel
// refuses (reads then behave as Asio's).
inline bool enable_edge_reads([[maybe_unused]] int fd) {
#if LLMCTL_NET_EDGE_READS
  const int on = 1;
  return ::setsockopt(fd, IPPROTO_TCP, TCP_INQ, &on, sizeof on) == 0;
#else
  return false;
#endif
}

}  // namespace llmctl::net

#if LLMCTL_NET_EDGE_READS
namespace boost::asio::detail {

// Boost 1.81's reactive_socket_recv_op_base::do_perform (with socket_ops::non_blocking_recv)
// for the sequence beast::tcp_stream hands the socket (buffers_prefix_view of the caller's
// buffers), with one change: the recvmsg carries room for the TCP_INQ hint, and a stream read
// after which the hint says nothing is queued is "done and exhausted" too (see the top of this
// file).
template <>
inline reactor_op::status reactive_socket_recv_op_base<
    boost::beast::buffers_prefix_view<llmctl::net::EdgeBuffer>>::do_perform(reactor_op* base) {
  auto* o = static_cast<reactive_socket_recv_op_base*>(base);
  using bufs_type =
      buffer_sequence_adapter<boost::asio::mutable_buffer,
                              boost::beast::buffers_prefix_view<llmctl::net::EdgeBuffer>>;
  bufs_type bufs(o->buffers_);
  const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  for (;;) {
    msghdr msg{};
    msg.msg_iov = bufs.buffers();
    msg.msg_iovlen = bufs.count();
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const signed_size_type n = ::recvmsg(o->socket_, &msg, o->flags_);
    if (n < 0) {
      const int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) return not_done;  // the reactor waits for an edge
      o->ec_ = boost::system::error_code(e, boost::asio::error::get_system_category());
      o->bytes_transferred_ = 0;
      return done;
    }
    if (stream && n == 0) {
      o->ec_ = boost::asio::error::eof;
      o->bytes_transferred_ = 0;
      return done_and_exhausted;
    }
    o->ec_ = boost::system::error_code();
    o->bytes_transferred_ = static_cast<std::size_t>(n);
    if (!stream) return done;
    int queued = -1;  // no hint: not known to be drained
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ &&
          c->cmsg_len >= CMSG_LEN(sizeof(int)))
        std::memcpy(&queued, CMSG_DATA(c), sizeof queued);
    return queued == 0 ? done_and_exhausted : done;
  }
}

}  // namespace boost::asio::detail
#endif
