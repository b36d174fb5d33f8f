#include "gateway/asio_event_loop.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace llmctl::gateway {

namespace asio = boost::asio;

namespace {

// Shared between the Watch and its pending waits, so a wait that completes after the Watch is
// gone does nothing.
struct WatchState {
  explicit WatchState(asio::io_context& io, int fd) : sd(io, fd) {}
  asio::posix::stream_descriptor sd;
  std::function<void()> on_read, on_write;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;  // a wait is pending
  bool flushing = false;                  // a write attempt is posted
  bool alive = true;
};

void arm_read(const std::shared_ptr<WatchState>& st);
void arm_write(const std::shared_ptr<WatchState>& st);

void arm_read(const std::shared_ptr<WatchState>& st) {
  if (st->reading || !st->want_read || !st->alive) return;
  st->reading = true;
  st->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                    [st](const boost::system::error_code& ec) {
                      st->reading = false;
                      if (!st->alive || ec == asio::error::operation_aborted) return;
                      if (st->want_read) st->on_read();  // may destroy the Watch
                      arm_read(st);
                    });
}

void arm_write(const std::shared_ptr<WatchState>& st) {
  if (st->writing || !st->want_write || !st->alive) return;
  st->writing = true;
  st->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                    [st](const boost::system::error_code& ec) {
                      st->writing = false;
                      if (!st->alive || ec == asio::error::operation_aborted) return;
                      if (st->want_write) st->on_write();
                      arm_write(st);
                    });
}

// A write wanted is first attempted once the current handler returns, without waiting for
// writability: the commands a turn of the loop issued go out in one write, and a socket with
// room (the usual case) costs no epoll_ctl and no reactor round per command (a wait on a
// stream_descriptor re-registers it every time). Only a write that could not finish (hiredis
// still wants to write) waits for writability.
void flush_soon(const std::shared_ptr<WatchState>& st) {
  if (st->flushing || st->writing || !st->want_write || !st->alive) return;
  st->flushing = true;
  asio::post(st->sd.get_executor(), [st] {
    st->flushing = false;
    if (!st->alive || !st->want_write) return;
    st->on_write();  // may destroy the Watch
    arm_write(st);
  });
}

class AsioWatch final : public store::EventLoop::Watch {
 public:
  AsioWatch(asio::io_context& io, int fd, std::function<void()> on_read,
            std::function<void()> on_write)
      : st_(std::make_shared<WatchState>(io, fd)) {
    st_->on_read = std::move(on_read);
    st_->on_write = std::move(on_write);
  }
  ~AsioWatch() override {
    st_->alive = false;
    boost::system::error_code ec;
    st_->sd.cancel(ec);
    (void)st_->sd.release();  // hiredis closes the fd, not us
  }
  void want_read(bool on) override {
    st_->want_read = on;
    arm_read(st_);
  }
  void want_write(bool on) override {
    st_->want_write = on;
    flush_soon(st_);
  }

 private:
  std::shared_ptr<WatchState> st_;
};

class AsioTimer final : public store::EventLoop::Timer {
 public:
  AsioTimer(asio::io_context& io, std::int64_t ms, std::function<void()> fn)
      : alive_(std::make_shared<bool>(true)), timer_(std::make_shared<asio::steady_timer>(io)) {
    timer_->expires_after(std::chrono::milliseconds(ms));
    timer_->async_wait(
        [alive = alive_, t = timer_, fn = std::move(fn)](const boost::system::error_code& ec) {
          if (!ec && *alive) fn();
        });
  }
  ~AsioTimer() override {
    *alive_ = false;
    timer_->cancel();
  }

 private:
  std::shared_ptr<bool> alive_;
  std::shared_ptr<asio::steady_timer> timer_;
};

}  // namespace

std::unique_ptr<store::EventLoop::Watch> AsioEventLoop::watch(int fd, std::function<void()> on_read,
                                                              std::function<void()> on_write) {
  return std::make_unique<AsioWatch>(io_, fd, std::move(on_read), std::move(on_write));
}

std::unique_ptr<store::EventLoop::Timer> AsioEventLoop::after(std::int64_t ms,
                                                              std::function<void()> fn) {
  return std::make_unique<AsioTimer>(io_, ms, std::move(fn));
}

std::int64_t AsioEventLoop::steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace llmctl::gateway
