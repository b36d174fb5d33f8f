// RedisLimiter: one hiredis async connection driven by the host's EventLoop (the adapter below
// is hiredis's documented one: add/del read/write and cleanup hooks).
//
// Replies come back in the order commands were sent (one connection), so the admissions in
// flight form a FIFO: a reply belongs to the oldest admission not yet answered, unless that one
// was already answered kUnavailable by the timeout ("abandoned"), in which case the late reply
// only releases what it counted. A connection that has not answered anything for
// max(4 x timeout_ms, 1 s) is dropped and made again.
#include <fmt/format.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>

#include "store/redis.h"
#include "store/resp.h"

namespace llmctl::store {

struct RedisLimiter::Pending {
  RedisLimiter* self = nullptr;
  AdmitDone done;
  const Admission* admission = nullptr;  // valid until done is called
  std::int64_t deadline_ms = 0;
  bool abandoned = false;
  Settlement release;  // abandoned: undoes the admission if the late reply admitted it
};

namespace {

std::string sha1_hex(const std::string& text) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * SHA_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    out[static_cast<std::size_t>(2 * i)] = kHex[md[i] >> 4];
    out[static_cast<std::size_t>(2 * i + 1)] = kHex[md[i] & 15];
  }
  return out;
}

// Sends a RESP-encoded command on the async context; false when hiredis refused (context going
// down).
bool send(redisAsyncContext* ac, redisCallbackFn* fn, void* priv, const std::string& cmd) {
  return redisAsyncFormattedCommand(ac, fn, priv, cmd.data(), cmd.size()) == REDIS_OK;
}

bool send(redisAsyncContext* ac, redisCallbackFn* fn, void* priv,
          const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac, fn, priv, static_cast<int>(args.size()), args.data(),
                               lens.data()) == REDIS_OK;
}

// The command being encoded, reused (hiredis copies it): a limiter runs on one thread.
std::string& command_buffer() {
  thread_local std::string buf;
  return buf;
}

RedisLimiter* owner(const redisAsyncContext* ac) { return static_cast<RedisLimiter*>(ac->data); }

// Drops a connection the limiter has given up on (lost() already ran), from inside one of its
// reply callbacks. Freed, not disconnected: redisAsyncDisconnect waits for the replies of every
// command still in flight, but nobody reads this socket any more (the watch handles only the
// current connection, and the next connect() replaces it), so those commands would never be
// answered, and a settlement among them would be lost uncounted. redisAsyncFree, deferred by
// hiredis until the running callback returns, answers each of them with no reply at once:
// settlements go back to the queue and are replayed on the next connection.
void give_up(redisAsyncContext* ac) { redisAsyncFree(ac); }

// Error replies that say "not now" rather than "never": the same command succeeds later.
bool transient_error(std::string_view e) {
  for (std::string_view prefix :
       {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "NOSCRIPT", "CLUSTERDOWN"})
    if (e.starts_with(prefix)) return true;
  return false;
}

}  // namespace

RedisLimiter::RedisLimiter(RedisOptions o, EventLoop& loop, std::uint64_t seed)
    : o_(std::move(o)), loop_(loop), rng_(seed) {
  admit_sha_ = sha1_hex(admit_script());
  settle_sha_ = sha1_hex(settle_script());
  connect();
}

RedisLimiter::~RedisLimiter() {
  stopping_ = true;
  reconnect_timer_.reset();
  timeout_timer_.reset();
  if (ac_) {
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    redisAsyncFree(ac);  // pending callbacks run with no reply; none calls a caller back
  }
  for (Pending* p : pending_) delete p;  // (normally none left: redisAsyncFree answered them)
  pending_.clear();
}

void RedisLimiter::shutdown() { stopping_ = true; }

void RedisLimiter::connect() {
  reconnect_timer_.reset();
  if (stopping_) return;
  redisAsyncContext* ac = redisAsyncConnect(o_.host.c_str(), o_.port);
  if (!ac) {
    lost("out of memory");
    return;
  }
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    lost(why);
    return;
  }
  ac->data = this;
  ac_ = ac;
  ac->ev.data = this;
  ac->ev.addRead = [](void* p) {
    if (auto* self = static_cast<RedisLimiter*>(p); self->watch_) self->watch_->want_read(true);
  };
  ac->ev.delRead = [](void* p) {
    if (auto* self = static_cast<RedisLimiter*>(p); self->watch_) self->watch_->want_read(false);
  };
  ac->ev.addWrite = [](void* p) {
    if (auto* self = static_cast<RedisLimiter*>(p); self->watch_) self->watch_->want_write(true);
  };
  ac->ev.delWrite = [](void* p) {
    if (auto* self = static_cast<RedisLimiter*>(p); self->watch_) self->watch_->want_write(false);
  };
  ac->ev.cleanup = [](void* p) { static_cast<RedisLimiter*>(p)->watch_.reset(); };
  watch_ = loop_.watch(
      ac->c.fd,
      [this, ac] {
        if (ac_ == ac) redisAsyncHandleRead(ac);
      },
      [this, ac] {
        if (ac_ == ac) redisAsyncHandleWrite(ac);
      });
  redisAsyncSetConnectCallback(ac, &RedisLimiter::on_connect);
  redisAsyncSetDisconnectCallback(ac, &RedisLimiter::on_disconnect);
  // Sent once connected, before anything else on this connection: credentials, database and
  // both scripts, so the EVALSHAs queued behind them always find their script.
  if (!o_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!o_.username.empty()) auth.push_back(o_.username);
    auth.push_back(o_.password);
    send(ac, &RedisLimiter::on_setup_reply, nullptr, auth);
  }
  if (o_.db != 0)
    send(ac, &RedisLimiter::on_setup_reply, nullptr,
         std::vector<std::string>{"SELECT", std::to_string(o_.db)});
  send(ac, &RedisLimiter::on_setup_reply, nullptr,
       std::vector<std::string>{"SCRIPT", "LOAD", admit_script()});
  send(ac, &RedisLimiter::on_setup_reply, nullptr,
       std::vector<std::string>{"SCRIPT", "LOAD", settle_script()});
}

void RedisLimiter::on_connect(const redisAsyncContext* ac, int status) {
  RedisLimiter* self = owner(ac);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback (pending commands get no reply).
    self->lost(ac->errstr[0] ? ac->errstr : "connect failed");
    return;
  }
  if (self->connected_once_) ++self->stats_.reconnects;
  self->connected_once_ = true;
  self->backoff_step_ = 0;
  self->stats_.connected = true;
  self->flush_queue();
}

void RedisLimiter::on_disconnect(const redisAsyncContext* ac, int status) {
  RedisLimiter* self = owner(ac);
  if (self->ac_ != ac) return;  // already given up (lost() ran when it was)
  self->lost(status == REDIS_OK ? "disconnected" : (ac->errstr[0] ? ac->errstr : "disconnected"));
}

void RedisLimiter::on_setup_reply(redisAsyncContext* ac, void* reply, void*) {
  RedisLimiter* self = owner(ac);
  auto* r = static_cast<redisReply*>(reply);
  if (!r) return;  // the connection is going down; lost() is on its way
  if (r->type == REDIS_REPLY_ERROR) {
    // Wrong password, unknown database, scripting disabled: nothing on this connection works.
    std::string why(r->str, r->len);
    if (self->ac_ == ac) {
      self->lost(why);
      give_up(ac);
    }
  }
}

// The context is going (or gone): forget it, and come back later unless stopping.
void RedisLimiter::lost(const std::string& why) {
  ++stats_.errors;
  stats_.connected = false;
  ac_ = nullptr;
  unanswered_ = 0;
  last_error_ = why;
  if (!stopping_) schedule_reconnect();
}

void RedisLimiter::schedule_reconnect() {
  if (reconnect_timer_ || stopping_) return;
  const std::int64_t base = std::min<std::int64_t>(2000, 50LL << std::min(backoff_step_, 6));
  ++backoff_step_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  const auto delay = static_cast<std::int64_t>(static_cast<double>(base) * jitter(rng_));
  reconnect_timer_ = loop_.after(delay, [this] { connect(); });
}

void RedisLimiter::admit(const Admission& a, AdmitDone done) {
  if (!ac_) {
    AdmitResult r;
    r.decision = Decision::kUnavailable;
    r.error = fmt::format("redis {}: not connected", redis_address(o_));
    done(r);
    return;
  }
  auto* p = new Pending{this, std::move(done), &a, loop_.steady_ms() + o_.timeout_ms, false, {}};
  pending_.push_back(p);
  sent();
  Resp cmd(command_buffer());
  admit_command(cmd, o_, admit_sha_, a);
  if (!send(ac_, &RedisLimiter::on_admit_reply, p, cmd.text())) {
    answered();
    pending_.pop_back();
    AdmitDone d = std::move(p->done);
    delete p;
    AdmitResult r;
    r.decision = Decision::kUnavailable;
    r.error = fmt::format("redis {}: connection closing", redis_address(o_));
    d(r);
    return;
  }
  arm_timeouts();
}

void RedisLimiter::on_admit_reply(redisAsyncContext* ac, void* reply, void* priv) {
  auto* p = static_cast<Pending*>(priv);
  RedisLimiter* self = p->self;
  auto* r = static_cast<redisReply*>(reply);
  self->answered();
  if (!p->abandoned) {
    // Replies are in order: this is the oldest admission still waiting.
    auto it = std::find(self->pending_.begin(), self->pending_.end(), p);
    if (it != self->pending_.end()) self->pending_.erase(it);
  }
  if (!r && self->ac_ == ac) self->lost("connection lost");
  if (r && r->type == REDIS_REPLY_ERROR) {
    ++self->stats_.errors;
    if (std::string_view(r->str, r->len).starts_with("NOSCRIPT") && self->ac_ == ac) {
      self->lost("scripts flushed");
      give_up(ac);
    }
  }
  if (p->abandoned) {
    // Answered kUnavailable already; if Redis did count it, give back what it took.
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && r->element[0]->integer == 0 &&
        !self->stopping_)
      self->settle(std::move(p->release), nullptr);
    delete p;
    return;
  }
  if (self->stopping_) {
    delete p;
    return;
  }
  AdmitResult result = parse_admit_reply(r, p->admission->scopes);
  if (result.decision == Decision::kUnavailable)
    result.error = fmt::format("redis {}: {}", redis_address(self->o_), result.error);
  AdmitDone done = std::move(p->done);
  delete p;
  done(result);
}

void RedisLimiter::arm_timeouts() {
  if (timeout_timer_ || pending_.empty()) return;
  const std::int64_t wait =
      std::max<std::int64_t>(1, pending_.front()->deadline_ms - loop_.steady_ms());
  timeout_timer_ = loop_.after(wait, [this] {
    timeout_timer_.reset();
    check_timeouts();
  });
}

void RedisLimiter::check_timeouts() {
  const std::int64_t now = loop_.steady_ms();
  while (!pending_.empty() && pending_.front()->deadline_ms <= now) {
    Pending* p = pending_.front();
    pending_.pop_front();
    ++stats_.timeouts;
    p->abandoned = true;
    // What a late reply that admitted it must undo: the slot, the tokens, the reservation.
    const Admission& a = *p->admission;
    p->release.request_id = a.request_id;
    p->release.admitted_ms = a.now_ms;
    p->release.now_ms = a.now_ms;
    p->release.estimated_tokens = a.tokens;
    p->release.reserved = a.reserve;
    p->release.scopes = a.scopes;
    p->admission = nullptr;
    AdmitResult r;
    r.decision = Decision::kUnavailable;
    r.error = fmt::format("redis {}: no answer within {} ms", redis_address(o_), o_.timeout_ms);
    AdmitDone done = std::move(p->done);
    done(r);
  }
  // Nothing answered for a long while although commands are outstanding: the connection is
  // dead without the kernel knowing (a stopped server, a partition). Drop it and make another.
  if (ac_ && unanswered_ > 0 &&
      now - waiting_since_ms_ > std::max<std::int64_t>(4LL * o_.timeout_ms, 1000)) {
    redisAsyncContext* ac = ac_;
    lost("no answer");
    redisAsyncFree(ac);
  }
  arm_timeouts();
}

void RedisLimiter::sent() {
  if (unanswered_++ == 0) waiting_since_ms_ = loop_.steady_ms();
}

void RedisLimiter::answered() {
  if (unanswered_ > 0) --unanswered_;
  waiting_since_ms_ = loop_.steady_ms();
}

void RedisLimiter::settle(Settlement s, SettleDone done) {
  Queued q{std::move(s), std::move(done)};
  if (ac_)
    send_settle(std::move(q));
  else
    queue_settle(std::move(q));
}

void RedisLimiter::send_settle(Queued q) {
  auto* held = new Queued(std::move(q));
  sent();
  Resp cmd(command_buffer());
  settle_command(cmd, o_, settle_sha_, held->s);
  if (!send(ac_, &RedisLimiter::on_settle_reply, held, cmd.text())) {
    answered();
    queue_settle(std::move(*held));
    delete held;
  }
}

void RedisLimiter::on_settle_reply(redisAsyncContext* ac, void* reply, void* priv) {
  RedisLimiter* self = owner(ac);
  auto* held = static_cast<Queued*>(priv);
  auto* r = static_cast<redisReply*>(reply);
  self->answered();
  if (!r) {
    // Lost with the connection: replayed after the next one is made (settling is idempotent,
    // so one that Redis had already applied counts once).
    if (self->ac_ == ac) self->lost("connection lost");
    if (!self->stopping_) self->queue_settle(std::move(*held));
    delete held;
    return;
  }
  auto crossings = parse_settle_reply(r, held->s.scopes);
  if (!crossings) {
    ++self->stats_.errors;
    const std::string_view error =
        r->type == REDIS_REPLY_ERROR ? std::string_view(r->str, r->len) : std::string_view();
    if (transient_error(error)) {
      // A server still loading its data after a restart, busy with a script, failing over, or
      // without our scripts: the settlement is replayed on the next connection, which waits
      // out the backoff (settling is idempotent). Dropping it would lose the request's cost.
      if (self->ac_ == ac) {
        self->lost(std::string(error.substr(0, error.find(' '))));
        give_up(ac);
      }
      if (!self->stopping_) self->queue_settle(std::move(*held));
    } else {
      ++self->stats_.dropped;  // a reply the script cannot give: counted, not retried for ever
    }
    delete held;
    return;
  }
  if (held->done && !self->stopping_) held->done(*crossings);
  delete held;
}

void RedisLimiter::queue_settle(Queued q) {
  if (queue_.size() >= o_.max_queued_settlements) {
    ++stats_.dropped;
    return;
  }
  queue_.push_back(std::move(q));
  stats_.queued.store(queue_.size());
}

void RedisLimiter::flush_queue() {
  while (ac_ && !queue_.empty()) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    ++stats_.replayed;
    send_settle(std::move(q));
  }
  stats_.queued.store(queue_.size());
}

}  // namespace llmctl::store
