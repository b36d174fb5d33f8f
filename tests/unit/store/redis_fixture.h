// Test helpers for the Redis store: a real redis-server (the Debian package) started on a free
// loopback port and stopped by the test, and a poll(2) EventLoop for the async limiter.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/redis.h"

namespace llmctl::store::testing {

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// redis-server on 127.0.0.1, no persistence. start() returns false (with why) when it cannot.
class RedisServer {
 public:
  ~RedisServer() { stop(); }
  bool start(std::string& why, int port = 0) {
    port_ = port ? port : free_port();
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port_);
      // Quiet: redis prints start-up banners and warnings on stdout.
      if (FILE* null = std::fopen("/dev/null", "w")) {
        ::dup2(::fileno(null), 1);
        ::dup2(::fileno(null), 2);
      }
      // With a data dir: an append-only file synced on every write, so a SIGKILLed server comes
      // back with every count (what a production Redis for budgets must be configured as).
      const char* aof = data_dir_.empty() ? "no" : "yes";
      const char* dir = data_dir_.empty() ? "." : data_dir_.c_str();
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save",
               "", "--appendonly", aof, "--appendfsync", "always", "--dir", dir, "--daemonize",
               "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    RedisOptions o = options();
    o.connect_timeout_ms = 200;
    for (int i = 0; i < 100; ++i) {  // up to 5 s
      auto c = RedisClient::connect(o);
      if (c && (*c)->command({"PING"})) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        why = "redis-server exited at start (is the redis-server package installed?)";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why = "redis-server did not answer within 5 s";
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGSTOP / SIGCONT: a server that holds connections open and answers nothing.
  bool pause() { return pid_ > 0 && ::kill(pid_, SIGSTOP) == 0; }
  bool resume() { return pid_ > 0 && ::kill(pid_, SIGCONT) == 0; }
  int port() const { return port_; }
  // Before start(): keep the data in `dir` (append-only file, fsync always).
  void persist_in(std::string dir) { data_dir_ = std::move(dir); }
  RedisOptions options(const std::string& prefix = "test:") const {
    RedisOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.prefix = prefix;
    return o;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string data_dir_;
};

// A single-threaded EventLoop over poll(2), run by the test: run_until(pred, timeout).
class PollLoop final : public EventLoop {
 public:
  struct W final : Watch {
    PollLoop* loop;
    int fd;
    bool rd = false, wr = false;
    std::function<void()> on_read, on_write;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
    void want_read(bool on) override { rd = on; }
    void want_write(bool on) override { wr = on; }
    ~W() override {
      *alive = false;
      std::erase(loop->watches_, this);
    }
  };
  struct T final : Timer {
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
    ~T() override { *alive = false; }
  };

  std::unique_ptr<Watch> watch(int fd, std::function<void()> on_read,
                               std::function<void()> on_write) override {
    auto w = std::make_unique<W>();
    w->loop = this;
    w->fd = fd;
    w->on_read = std::move(on_read);
    w->on_write = std::move(on_write);
    watches_.push_back(w.get());
    return w;
  }
  std::unique_ptr<Timer> after(std::int64_t ms, std::function<void()> fn) override {
    auto t = std::make_unique<T>();
    timers_.emplace(steady_ms() + ms, std::make_pair(t->alive, std::move(fn)));
    return t;
  }
  std::int64_t steady_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // Runs events until pred() or timeout_ms; returns pred().
  bool run_until(const std::function<bool()>& pred, int timeout_ms) {
    const std::int64_t end = steady_ms() + timeout_ms;
    while (!pred() && steady_ms() < end) step(10);
    return pred();
  }
  void run_for(int ms) {
    const std::int64_t end = steady_ms() + ms;
    while (steady_ms() < end) step(5);
  }

 private:
  void step(int max_wait_ms) {
    // Due timers first.
    const std::int64_t now = steady_ms();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto node = timers_.extract(timers_.begin());
      if (*node.mapped().first) node.mapped().second();
    }
    std::vector<pollfd> fds;
    std::vector<std::pair<W*, std::shared_ptr<bool>>> who;
    for (W* w : watches_) {
      short ev = static_cast<short>((w->rd ? POLLIN : 0) | (w->wr ? POLLOUT : 0));
      if (!ev) continue;
      fds.push_back({w->fd, ev, 0});
      who.emplace_back(w, w->alive);
    }
    int wait = max_wait_ms;
    if (!timers_.empty())
      wait = static_cast<int>(std::max<std::int64_t>(
          0, std::min<std::int64_t>(wait, timers_.begin()->first - steady_ms())));
    if (::poll(fds.data(), fds.size(), wait) <= 0) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      auto [w, alive] = who[i];
      if (*alive && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && w->rd) w->on_read();
      if (*alive && (fds[i].revents & POLLOUT) && w->wr) w->on_write();
    }
  }

  std::vector<W*> watches_;
  std::multimap<std::int64_t, std::pair<std::shared_ptr<bool>, std::function<void()>>> timers_;
};

}  // namespace llmctl::store::testing
