// Private to src/gateway: store::EventLoop on a worker's io_context, so the worker's Redis
// connection (store::RedisLimiter) runs on the same thread as its requests. A Watch wraps the
// fd in a stream_descriptor that it releases (never closes: hiredis owns the fd) and re-arms
// its waits while wanted; a Watch or Timer may be destroyed from inside its own callback.
#pragma once

#include <boost/asio/io_context.hpp>

#include "store/redis.h"

namespace llmctl::gateway {

class AsioEventLoop final : public store::EventLoop {
 public:
  explicit AsioEventLoop(boost::asio::io_context& io) : io_(io) {}
  std::unique_ptr<Watch> watch(int fd, std::function<void()> on_read,
                               std::function<void()> on_write) override;
  std::unique_ptr<Timer> after(std::int64_t ms, std::function<void()> fn) override;
  std::int64_t steady_ms() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace llmctl::gateway
