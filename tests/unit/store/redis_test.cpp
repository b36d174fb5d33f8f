// The Redis store against a real redis-server (started on a free loopback port by each test):
// the scripts' semantics, exactness with many threads and processes on separate connections,
// keys, and the async limiter's pipelining, fail-fast, reconnection and replay.
#include "store/redis.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "redis_fixture.h"

namespace llmctl::store {
namespace {

using testing::PollLoop;
using testing::RedisServer;

constexpr std::int64_t kT0 = 1'800'000'000'000;

Scope scope(ScopeKind kind, std::string name, RateLimits l = {}, BudgetLimit b = {}) {
  Scope s;
  s.kind = kind;
  s.name = std::move(name);
  s.limits = l;
  s.budget = b;
  return s;
}

Admission admission(std::string id, std::int64_t now, std::vector<Scope> scopes,
                    std::int64_t tokens = 0, Nanos reserve = 0) {
  Admission a;
  a.request_id = std::move(id);
  a.now_ms = now;
  a.tokens = tokens;
  a.reserve = reserve;
  a.scopes = std::move(scopes);
  return a;
}

Settlement settlement(const Admission& a, std::int64_t now, std::int64_t tokens, Nanos cost) {
  Settlement s;
  s.request_id = a.request_id;
  s.admitted_ms = a.now_ms;
  s.now_ms = now;
  s.estimated_tokens = a.tokens;
  s.actual_tokens = tokens;
  s.reserved = a.reserve;
  s.cost = cost;
  s.scopes = a.scopes;
  return s;
}

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(server_.start(why)) << why;
  }
  std::unique_ptr<RedisClient> client(const std::string& prefix = "test:") {
    auto c = RedisClient::connect(server_.options(prefix));
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  RedisServer server_;
};

TEST_F(RedisStore, SlidingWindowAndAllOrNothing) {
  auto c = client();
  const Scope key = scope(ScopeKind::kKey, "k", {.rpm = 3});
  const Scope team = scope(ScopeKind::kTeam, "t", {.rpm = 100});
  for (int i = 0; i < 3; ++i) {
    auto r = c->admit(admission("r" + std::to_string(i), kT0 + i * 1000, {team, key}));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->decision, Decision::kAdmitted);
    EXPECT_EQ(r->requests.limit, 3);  // the key is the tightest
    EXPECT_EQ(r->requests.remaining, 2 - i);
  }
  auto refused = c->admit(admission("r3", kT0 + 30000, {team, key}));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->decision, Decision::kRateLimited);
  EXPECT_EQ(refused->scope, 1);
  EXPECT_EQ(refused->limit, LimitKind::kRequests);
  // r0's one-second bucket [kT0, kT0 + 999] counts until its last millisecond has left the
  // window: kT0 + 999 + 60000.
  EXPECT_EQ(refused->retry_after_ms, 30999);
  EXPECT_EQ(c->admit(admission("r4", kT0 + 60000, {key}))->decision, Decision::kRateLimited);
  EXPECT_EQ(c->admit(admission("r5", kT0 + 60998, {key}))->decision, Decision::kRateLimited);
  EXPECT_EQ(c->admit(admission("r6", kT0 + 60999, {key}))->decision, Decision::kAdmitted);
  // The refused requests (r3, refused by the key) did not count on the team: 3 there.
  auto z = c->command({"HGET", "test:w:team:t", "_r"});
  ASSERT_TRUE(z);
  EXPECT_EQ(std::string((*z)->str, (*z)->len), "3");
}

TEST_F(RedisStore, TokensParallelAndBudget) {
  auto c = client();
  const Scope k =
      scope(ScopeKind::kKey, "k", {.tpm = 1000, .max_parallel = 2}, {.hard = 1000, .soft = 600});
  auto a = admission("a", kT0, {k}, 800, 700);
  ASSERT_EQ(c->admit(a)->decision, Decision::kAdmitted);
  auto b = admission("b", kT0 + 10, {k}, 300, 100);
  auto r = c->admit(b);
  EXPECT_EQ(r->limit, LimitKind::kTokens);
  EXPECT_EQ(r->retry_after_ms, 60999 - 10);  // when a's bucket (second kT0) has left
  auto crossings = c->settle(settlement(a, kT0 + 20, 200, 650));
  ASSERT_TRUE(crossings) << crossings.error().message;
  ASSERT_EQ(crossings->size(), 1u);
  EXPECT_EQ((*crossings)[0].spent, 650);
  EXPECT_TRUE((*crossings)[0].soft_crossed);
  ASSERT_EQ(c->admit(b)->decision, Decision::kAdmitted);  // 200 + 300 tokens now
  EXPECT_EQ(c->admit(admission("c", kT0 + 30, {k}, 10, 300))->limit, LimitKind::kBudget);
  auto d = admission("d", kT0 + 30, {k}, 10, 200);
  ASSERT_EQ(c->admit(d)->decision, Decision::kAdmitted);
  EXPECT_EQ(c->admit(admission("e", kT0 + 30, {k}, 10, 1))->limit, LimitKind::kParallel);
  auto states = c->budget_states({k}, kT0);
  ASSERT_TRUE(states);
  EXPECT_EQ((*states)[0].spent, 650);
  EXPECT_EQ((*states)[0].reserved, 300);
}

TEST_F(RedisStore, OfflineSettlementsReconcile) {
  auto c = client();
  const Scope k = scope(ScopeKind::kKey, "k", {.rpm = 2, .tpm = 100}, {.hard = 100});
  Settlement s;
  s.request_id = "x";
  s.admitted_ms = kT0;
  s.now_ms = kT0 + 100;
  s.actual_tokens = 90;
  s.cost = 80;
  s.offline = true;
  s.scopes = {k};
  ASSERT_TRUE(c->settle(s));
  EXPECT_EQ(c->admit(admission("y", kT0 + 200, {k}, 20, 10))->limit, LimitKind::kTokens);
  EXPECT_EQ(c->admit(admission("z", kT0 + 200, {k}, 10, 30))->limit, LimitKind::kBudget);
  EXPECT_EQ(c->admit(admission("w", kT0 + 200, {k}, 10, 20))->decision, Decision::kAdmitted);
  EXPECT_EQ(c->admit(admission("v", kT0 + 200, {k}, 0, 0))->limit, LimitKind::kRequests);
}

TEST_F(RedisStore, ExpiredReservationsAreCharged) {
  RedisOptions o = server_.options();
  o.lease_ms = 50;
  auto c = RedisClient::connect(o);
  ASSERT_TRUE(c);
  const Scope k = scope(ScopeKind::kKey, "k", {}, {.hard = 1000});
  ASSERT_EQ((*c)->admit(admission("a", kT0, {k}, 0, 400))->decision, Decision::kAdmitted);
  // The replica that took it never settles: after the lease the worst case is spent (charged by
  // the first admission in a later second, or at once by one that would be refused).
  ASSERT_EQ((*c)->admit(admission("b", kT0 + 1000, {k}, 0, 600))->decision, Decision::kAdmitted);
  auto st = (*c)->budget_states({k}, kT0);
  EXPECT_EQ((*st)[0].spent, 400);
  EXPECT_EQ((*st)[0].reserved, 600);
  // Within one second: e's lease passes, and f, which does not fit beside it, finds it charged
  // (its whole worst case spent): over budget, not busy.
  ASSERT_TRUE((*c)->settle(settlement(admission("b", kT0 + 1000, {k}, 0, 600), kT0 + 1010, 0, 0)));
  ASSERT_EQ((*c)->admit(admission("e", kT0 + 1100, {k}, 0, 500))->decision, Decision::kAdmitted);
  EXPECT_EQ((*c)->admit(admission("f", kT0 + 1200, {k}, 0, 200))->decision, Decision::kOverBudget);
  st = (*c)->budget_states({k}, kT0);
  EXPECT_EQ((*st)[0].spent, 900);
  EXPECT_EQ((*st)[0].reserved, 0);
}

// The exactness check at the store level: separate connections from many threads and
// many processes, all at once on one limit.
TEST_F(RedisStore, RequestLimitExactAcrossThreadsAndProcesses) {
  const std::int64_t limit = 300;
  const Scope key = scope(ScopeKind::kKey, "shared", {.rpm = limit});
  const RedisOptions o = server_.options("exact:");
  auto attempt = [&](const std::string& who, int n) {
    auto c = RedisClient::connect(o);
    if (!c) return -1;
    int admitted = 0;
    for (int i = 0; i < n; ++i) {
      auto r = (*c)->admit(admission(who + "-" + std::to_string(i), kT0 + i, {key}));
      if (r && r->decision == Decision::kAdmitted) ++admitted;
    }
    return admitted;
  };
  // Processes first (fork before any thread exists), each reporting through a pipe.
  std::vector<std::pair<pid_t, int>> children;
  for (int p = 0; p < 3; ++p) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      int n = attempt("proc" + std::to_string(p), 150);
      (void)!::write(fds[1], &n, sizeof n);
      ::_exit(0);
    }
    ::close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] { admitted += attempt("thread" + std::to_string(t), 75); });
  for (auto& th : threads) th.join();
  for (auto [pid, fd] : children) {
    int n = -1;
    ASSERT_EQ(::read(fd, &n, sizeof n), static_cast<ssize_t>(sizeof n));
    ::close(fd);
    ::waitpid(pid, nullptr, 0);
    ASSERT_GE(n, 0);
    admitted += n;
  }
  // 900 attempts within one window: exactly the limit, never limit + 1.
  EXPECT_EQ(admitted.load(), limit);
}

TEST_F(RedisStore, BudgetNeverOverspentUnderConcurrency) {
  const Nanos hard = 2'000'000, worst = 20'000;
  const Scope team = scope(ScopeKind::kTeam, "t", {}, {.hard = hard});
  const RedisOptions o = server_.options("budget:");
  std::atomic<Nanos> charged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      auto c = RedisClient::connect(o);
      ASSERT_TRUE(c);
      std::mt19937 rng(static_cast<unsigned>(t));
      std::uniform_int_distribution<Nanos> cost(2'000, worst);
      for (int i = 0; i < 40; ++i) {
        auto a = admission(std::to_string(t) + "-" + std::to_string(i), kT0, {team}, 0, worst);
        auto r = (*c)->admit(a);
        ASSERT_TRUE(r);
        if (r->decision != Decision::kAdmitted) continue;
        const Nanos cst = cost(rng);
        charged += cst;
        ASSERT_TRUE((*c)->settle(settlement(a, kT0, 0, cst)));
      }
    });
  for (auto& th : threads) th.join();
  auto c = client("budget:");
  for (int i = 0;; ++i) {
    auto a = admission("tail-" + std::to_string(i), kT0, {team}, 0, worst);
    if (c->admit(a)->decision != Decision::kAdmitted) break;
    charged += worst;
    ASSERT_TRUE(c->settle(settlement(a, kT0, 0, worst)));
  }
  auto st = c->budget_states({team}, kT0);
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)[0].spent, charged.load());
  EXPECT_LE((*st)[0].spent, hard);
  EXPECT_GT((*st)[0].spent, hard - worst);
  EXPECT_EQ((*st)[0].reserved, 0);
}

TEST_F(RedisStore, KeysLiveInRedis) {
  RedisKeyStore keys(client("keys:"));
  KeyFields f;
  f.name = "bot";
  f.team = "search";
  f.rpm = 5;
  auto created = create_key(keys, f, system_random(), 1);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*keys.version(), 1);
  // A second store (another replica) sees it.
  RedisKeyStore other(client("keys:"));
  auto found = find_key(other, "bot");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->hash, hash_secret(created->secret));
  auto rotated = rotate_key(other, "bot", system_random(), 2);
  ASSERT_TRUE(rotated);
  // The old revision is stale now.
  KeyRecord stale = created->record;
  stale.revision = 2;
  EXPECT_FALSE(keys.replace(stale, 1).ok());
  ASSERT_TRUE(revoke_key(keys, created->record.id, 3));
  EXPECT_EQ(*keys.version(), 3);
  EXPECT_TRUE((*keys.get(created->record.id))->revoked());
  // Neither secret is anywhere in Redis.
  auto c = client("keys:");
  auto all = c->command({"KEYS", "*"});
  ASSERT_TRUE(all);
  for (std::size_t i = 0; i < (*all)->elements; ++i) {
    std::string name((*all)->element[i]->str, (*all)->element[i]->len);
    auto dump = c->command({"TYPE", name});
    std::string type = (*dump)->str;
    Result<Reply> v = type == "hash" ? c->command({"HGETALL", name}) : c->command({"GET", name});
    ASSERT_TRUE(v);
    std::string text;
    if ((*v)->type == REDIS_REPLY_ARRAY)
      for (std::size_t j = 0; j < (*v)->elements; ++j)
        text += std::string((*v)->element[j]->str, (*v)->element[j]->len);
    else if ((*v)->type == REDIS_REPLY_STRING)
      text = std::string((*v)->str, (*v)->len);
    EXPECT_EQ(text.find(created->secret.substr(10, 12)), std::string::npos) << name;
    EXPECT_EQ(text.find(rotated->secret.substr(10, 12)), std::string::npos) << name;
  }
}

TEST(RedisUrl, Parses) {
  auto o = parse_redis_url("redis://:s3cret@cache.internal:6380/2");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->host, "cache.internal");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 2);
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_EQ(redis_address(*o), "cache.internal:6380/2");
  auto acl = parse_redis_url("redis://gw:pw@[::1]");
  ASSERT_TRUE(acl);
  EXPECT_EQ(acl->username, "gw");
  EXPECT_EQ(acl->host, "::1");
  EXPECT_EQ(acl->port, 6379);
  EXPECT_FALSE(parse_redis_url("http://x"));
  EXPECT_FALSE(parse_redis_url("redis://host:99999"));
  auto bad = parse_redis_url("redis://:pw@host/abc");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("pw"), std::string::npos);
}

// --- the async limiter on an event loop ---

TEST_F(RedisStore, AsyncAdmissionsArePipelined) {
  PollLoop loop;
  RedisLimiter l(server_.options("async:"), loop, 1);
  const Scope k = scope(ScopeKind::kKey, "k", {.rpm = 50});
  // 200 admissions sent back to back on one connection, none waiting for another's reply.
  std::vector<Admission> as;
  for (int i = 0; i < 200; ++i) as.push_back(admission("a" + std::to_string(i), kT0, {k}));
  int answered = 0, admitted = 0;
  for (const auto& a : as)
    l.admit(a, [&](const AdmitResult& r) {
      ++answered;
      if (r.decision == Decision::kAdmitted) ++admitted;
    });
  ASSERT_TRUE(loop.run_until([&] { return answered == 200; }, 5000));
  EXPECT_EQ(admitted, 50);
  EXPECT_TRUE(l.stats().connected.load());
  int settled = 0;
  for (int i = 0; i < 50; ++i)
    l.settle(settlement(as[static_cast<std::size_t>(i)], kT0, 1, 0),
             [&](const std::vector<BudgetCrossing>&) { ++settled; });
  ASSERT_TRUE(loop.run_until([&] { return settled == 50; }, 5000));
}

TEST_F(RedisStore, AsyncFailsFastThenReconnectsAndReplays) {
  // A Redis that keeps its data (append-only file), as budgets need: restarted, it still holds
  // the reservation made before the outage.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("llmctl-redis-replay-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  server_.stop();
  server_.persist_in(dir.string());
  {
    std::string why;
    ASSERT_TRUE(server_.start(why)) << why;
  }
  PollLoop loop;
  RedisOptions o = server_.options("fault:");
  RedisLimiter l(o, loop, 2);
  const Scope k = scope(ScopeKind::kKey, "k", {.rpm = 1000}, {.hard = 1'000'000});
  auto a = admission("before", kT0, {k}, 10, 1000);
  bool done = false;
  AdmitResult got;
  l.admit(a, [&](const AdmitResult& r) {
    got = r;
    done = true;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }, 5000));
  ASSERT_EQ(got.decision, Decision::kAdmitted);

  // Redis dies with the request in flight.
  server_.stop();
  loop.run_until([&] { return !l.stats().connected.load(); }, 2000);
  EXPECT_FALSE(l.stats().connected.load());
  // Admissions are answered at once (the caller applies its fail mode) ...
  auto during = admission("during", kT0 + 1, {k}, 10, 1000);
  done = false;
  const auto t0 = loop.steady_ms();
  l.admit(during, [&](const AdmitResult& r) {
    got = r;
    done = true;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }, 1000));
  EXPECT_EQ(got.decision, Decision::kUnavailable);
  EXPECT_LT(loop.steady_ms() - t0, 200);
  // ... and settlements wait: the one admitted before, and one admitted open during the outage.
  l.settle(settlement(a, kT0 + 2, 12, 700), nullptr);
  Settlement offline = settlement(during, kT0 + 2, 12, 300);
  offline.offline = true;
  l.settle(offline, nullptr);
  EXPECT_EQ(l.stats().queued.load(), 2u);

  // Redis comes back on the same port: the limiter reconnects by itself and replays.
  std::string why;
  ASSERT_TRUE(server_.start(why, server_.port())) << why;
  ASSERT_TRUE(loop.run_until(
      [&] { return l.stats().connected.load() && l.stats().queued.load() == 0; }, 5000));
  loop.run_for(100);
  EXPECT_GE(l.stats().reconnects.load(), 1u);
  EXPECT_EQ(l.stats().replayed.load(), 2u);
  auto c = RedisClient::connect(o);
  ASSERT_TRUE(c);
  auto st = (*c)->budget_states({k}, kT0);
  ASSERT_TRUE(st);
  // Both spends counted once: the reserved one (its reservation survived in the file) and the
  // one admitted open during the outage.
  EXPECT_EQ((*st)[0].spent, 1000);
  EXPECT_EQ((*st)[0].reserved, 0);
  // Replayed again (a reply lost after Redis applied it): nothing changes.
  ASSERT_TRUE((*c)->settle(settlement(a, kT0 + 3, 12, 700)));
  ASSERT_TRUE((*c)->settle(offline));
  st = (*c)->budget_states({k}, kT0);
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)[0].spent, 1000);
  auto z = (*c)->command({"HGET", "fault:w:key:k", "_r"});
  // The window holds both: the one admitted before the outage (kept in the file) and the one
  // admitted open during it.
  ASSERT_TRUE(z);
  EXPECT_EQ(std::string((*z)->str, (*z)->len), "2");
  server_.stop();
  std::filesystem::remove_all(dir);
}

// A Redis still loading its data after a restart answers LOADING to everything. The limiter
// gives the connection up at the first such reply, while the replies to the commands behind it
// (a settlement among them) are still on their way. That settlement must come back to the queue
// and be replayed on the next connection, not wait for ever on a socket nobody reads (the
// exactness test's Redis restart hit this under load: its settlement wait ran out).
TEST_F(RedisStore, AsyncSettlementBehindAGivenUpReplyIsReplayed) {
  const int port = testing::free_port();
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  // The loading server: one connection; the first reply at once, the next two 300 ms later (so
  // they arrive after the limiter has given the connection up); then the real Redis on its port.
  RedisServer real;
  std::atomic<bool> real_up{false};
  std::string why;
  std::thread front([&] {
    const int c = ::accept(lfd, nullptr, nullptr);
    ::close(lfd);
    const std::string loading = "-LOADING Redis is loading the dataset in memory\r\n";
    (void)!::send(c, loading.data(), loading.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < 2; ++i) (void)!::send(c, loading.data(), loading.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(c);
    real_up = real.start(why, port);
  });
  PollLoop loop;
  RedisOptions o = server_.options("loading:");
  o.port = port;
  RedisLimiter l(o, loop, 4);
  const Scope k = scope(ScopeKind::kKey, "k", {}, {.hard = 1'000'000});
  // Queued behind the connection's two SCRIPT LOADs: the third command on it.
  Settlement s = settlement(admission("open", kT0, {k}, 10, 0), kT0 + 1, 12, 700);
  s.offline = true;  // admitted while Redis was unreachable: counted when settled
  int settled = 0;
  l.settle(s, [&](const std::vector<BudgetCrossing>&) { ++settled; });
  const bool replayed = loop.run_until([&] { return settled == 1; }, 8000);
  front.join();
  ASSERT_TRUE(real_up.load()) << why;
  EXPECT_TRUE(replayed) << "the settlement was never answered (last error: " << l.last_error()
                        << ")";
  EXPECT_GE(l.stats().replayed.load(), 1u);
  EXPECT_EQ(l.stats().dropped.load(), 0u);
  EXPECT_EQ(l.stats().queued.load(), 0u);
  auto c = RedisClient::connect(o);
  ASSERT_TRUE(c);
  auto st = (*c)->budget_states({k}, kT0);
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)[0].spent, 700);  // counted once
}

TEST_F(RedisStore, AsyncTimeoutOnAStoppedServer) {
  PollLoop loop;
  RedisOptions o = server_.options("slow:");
  o.timeout_ms = 50;
  RedisLimiter l(o, loop, 3);
  const Scope k = scope(ScopeKind::kKey, "k", {.max_parallel = 1});
  auto warm = admission("warm", kT0, {k});
  bool done = false;
  l.admit(warm, [&](const AdmitResult&) { done = true; });
  ASSERT_TRUE(loop.run_until([&] { return done; }, 5000));
  l.settle(settlement(warm, kT0, 0, 0), nullptr);
  loop.run_for(50);

  ASSERT_TRUE(server_.pause());
  auto a = admission("late", kT0 + 1, {k});
  AdmitResult got;
  done = false;
  l.admit(a, [&](const AdmitResult& r) {
    got = r;
    done = true;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }, 2000));
  EXPECT_EQ(got.decision, Decision::kUnavailable);
  EXPECT_EQ(l.stats().timeouts.load(), 1u);
  ASSERT_TRUE(server_.resume());
  // The late reply admitted it; the limiter gives the slot back, so the next one passes.
  loop.run_for(300);
  auto b = admission("next", kT0 + 2, {k});
  done = false;
  l.admit(b, [&](const AdmitResult& r) {
    got = r;
    done = true;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }, 3000));
  EXPECT_EQ(got.decision, Decision::kAdmitted) << got.error;
}

}  // namespace
}  // namespace llmctl::store
