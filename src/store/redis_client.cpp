// The blocking Redis client (control plane, CLI, tests), Redis URLs, and keys in Redis.
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

#include "store/redis.h"

namespace llmctl::store {

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

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<Reply> run(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
  if (!r) return Error{c->errstr[0] ? std::string(c->errstr) : std::string("connection lost")};
  Reply reply(r);
  if (r->type == REDIS_REPLY_ERROR) return Error{std::string(r->str, r->len)};
  return reply;
}

// Key store scripts (Lua's cjson reads the stored record's revision and hash).
constexpr const char* kInsertKey = R"lua(
local P, id, h, doc = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', P .. 'keys', id) == 1 then
  return redis.error_reply('key ' .. id .. ' exists already')
end
if redis.call('HEXISTS', P .. 'keyhash', h) == 1 then
  return redis.error_reply('a key with this secret exists already')
end
redis.call('HSET', P .. 'keys', id, doc)
redis.call('HSET', P .. 'keyhash', h, id)
return redis.call('INCR', P .. 'keys:version')
)lua";

constexpr const char* kReplaceKey = R"lua(
local P, id, h, doc, expected = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local cur = redis.call('HGET', P .. 'keys', id)
if not cur then return redis.error_reply('key ' .. id .. ' does not exist') end
local c = cjson.decode(cur)
if tonumber(c.revision) ~= expected then
  return redis.error_reply('key ' .. id .. ' changed meanwhile (or is gone); read it again')
end
if c.hash ~= h then
  redis.call('HDEL', P .. 'keyhash', c.hash)
  redis.call('HSET', P .. 'keyhash', h, id)
end
redis.call('HSET', P .. 'keys', id, doc)
return redis.call('INCR', P .. 'keys:version')
)lua";

}  // namespace

Result<RedisOptions> parse_redis_url(std::string_view url) {
  RedisOptions o;
  std::string_view rest = url;
  if (rest.starts_with("redis://"))
    rest.remove_prefix(8);
  else
    return Error{"expected a URL of the form redis://[[user]:password@]host[:port][/db]"};
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    auto colon = cred.find(':');
    if (colon == std::string_view::npos) {
      o.password = std::string(cred);
    } else {
      o.username = std::string(cred.substr(0, colon));
      o.password = std::string(cred.substr(colon + 1));
    }
  }
  std::string_view hostport = rest.substr(0, rest.find('/'));
  std::string_view path =
      rest.find('/') == std::string_view::npos ? "" : rest.substr(rest.find('/') + 1);
  if (!hostport.empty() && hostport.front() == '[') {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return Error{"unclosed '[' in the host"};
    o.host = std::string(hostport.substr(1, close - 1));
    hostport.remove_prefix(close + 1);
    if (!hostport.empty()) {
      if (hostport.front() != ':') return Error{"expected :port after the host"};
      if (!parse_int(hostport.substr(1), o.port)) return Error{"the port is not a number"};
    }
  } else if (auto colon = hostport.find(':'); colon != std::string_view::npos) {
    o.host = std::string(hostport.substr(0, colon));
    if (!parse_int(hostport.substr(colon + 1), o.port)) return Error{"the port is not a number"};
  } else {
    o.host = std::string(hostport);
  }
  if (o.host.empty()) return Error{"no host"};
  if (o.port < 1 || o.port > 65535) return Error{"the port must be 1..65535"};
  if (!path.empty() && (!parse_int(path, o.db) || o.db < 0))
    return Error{"the database (after /) must be a number"};
  return o;
}

std::string redis_address(const RedisOptions& o) {
  return fmt::format("{}:{}/{}", o.host, o.port, o.db);
}

Result<std::unique_ptr<RedisClient>> RedisClient::connect(const RedisOptions& o) {
  std::unique_ptr<RedisClient> c(new RedisClient(o));
  if (auto st = c->open(); !st.ok()) return st.error();
  return c;
}

RedisClient::~RedisClient() {
  if (c_) redisFree(c_);
}

Status RedisClient::open() {
  if (c_) redisFree(c_);
  const timeval tv{o_.connect_timeout_ms / 1000, (o_.connect_timeout_ms % 1000) * 1000};
  c_ = redisConnectWithTimeout(o_.host.c_str(), o_.port, tv);
  if (!c_ || c_->err) {
    std::string why = c_ ? c_->errstr : "out of memory";
    if (c_) redisFree(c_);
    c_ = nullptr;
    return Error{fmt::format("redis {}: cannot connect: {}", redis_address(o_), why)};
  }
  redisSetTimeout(c_, tv);
  auto fail = [&](const std::string& what, const Error& e) -> Status {
    redisFree(c_);
    c_ = nullptr;
    return Error{fmt::format("redis {}: {}: {}", redis_address(o_), what, e.message)};
  };
  if (!o_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!o_.username.empty()) auth.push_back(o_.username);
    auth.push_back(o_.password);
    if (auto r = run(c_, auth); !r) return fail("AUTH failed", r.error());
  }
  if (o_.db != 0)
    if (auto r = run(c_, {"SELECT", std::to_string(o_.db)}); !r) return fail("SELECT", r.error());
  return {};
}

Result<Reply> RedisClient::command(const std::vector<std::string>& argv) {
  if (!c_ || c_->err)
    if (auto st = open(); !st.ok()) return st.error();
  auto r = run(c_, argv);
  if (r || (c_ && !c_->err)) return r;  // a Redis error reply, or success
  // The connection was lost: once more on a new one.
  if (auto st = open(); !st.ok()) return st.error();
  r = run(c_, argv);
  if (!r) return Error{fmt::format("redis {}: {}", redis_address(o_), r.error().message)};
  return r;
}

Result<Reply> RedisClient::run_script(const std::string& script, std::string& sha,
                                      const std::vector<std::string>& args) {
  if (sha.empty()) sha = sha1_hex(script);
  std::vector<std::string> argv{"EVALSHA", sha, "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = command(argv);
  if (!r && r.error().message.starts_with("NOSCRIPT")) {
    if (auto load = command({"SCRIPT", "LOAD", script}); !load) return load.error();
    r = command(argv);
  }
  return r;
}

Result<AdmitResult> RedisClient::admit(const Admission& a) {
  auto r = run_script(admit_script(), admit_sha_, admit_args(o_, a));
  if (!r) return r.error();
  return parse_admit_reply(r->get(), a.scopes);
}

Result<std::vector<BudgetCrossing>> RedisClient::settle(const Settlement& s) {
  auto r = run_script(settle_script(), settle_sha_, settle_args(o_, s));
  if (!r) return r.error();
  return parse_settle_reply(r->get(), s.scopes);
}

Result<std::vector<BudgetState>> RedisClient::budget_states(const std::vector<Scope>& scopes,
                                                            std::int64_t now_ms) {
  std::vector<BudgetState> out;
  for (const Scope& s : scopes) {
    BudgetState b;
    b.scope = s.id();
    b.period = s.budget.period;
    b.period_start_ms = period_start_ms(s.budget.period, now_ms);
    b.hard = s.budget.hard;
    b.soft = s.budget.soft;
    auto r = command({"HMGET", fmt::format("{}b:{}:{}", o_.prefix, b.scope, b.period_start_ms),
                      "spent", "reserved"});
    if (!r) return r.error();
    const redisReply* rep = r->get();
    auto value = [&](std::size_t i) -> Nanos {
      if (rep->type != REDIS_REPLY_ARRAY || i >= rep->elements) return 0;
      const redisReply* e = rep->element[i];
      return e->type == REDIS_REPLY_STRING ? std::atoll(e->str) : 0;
    };
    b.spent = value(0);
    b.reserved = value(1);
    out.push_back(std::move(b));
  }
  return out;
}

// --- keys in Redis ---

Status RedisKeyStore::insert(const KeyRecord& k) {
  // EVAL (not EVALSHA): key changes are rare and off the request path.
  auto r = c_->command(
      {"EVAL", kInsertKey, "0", c_->options().prefix, k.id, k.hash, key_to_json(k, true)});
  if (!r)
    return Error{fmt::format("redis {}: {}", redis_address(c_->options()), r.error().message)};
  return {};
}

Status RedisKeyStore::replace(const KeyRecord& k, std::int64_t expected_revision) {
  auto r = c_->command({"EVAL", kReplaceKey, "0", c_->options().prefix, k.id, k.hash,
                        key_to_json(k, true), std::to_string(expected_revision)});
  if (!r)
    return Error{fmt::format("redis {}: {}", redis_address(c_->options()), r.error().message)};
  return {};
}

Result<std::optional<KeyRecord>> RedisKeyStore::get(const std::string& id) {
  auto r = c_->command({"HGET", c_->options().prefix + "keys", id});
  if (!r) return r.error();
  const redisReply* rep = r->get();
  if (rep->type != REDIS_REPLY_STRING) return std::optional<KeyRecord>();
  auto k = key_from_json(std::string_view(rep->str, rep->len));
  if (!k) return k.error();
  return std::optional<KeyRecord>(std::move(*k));
}

Result<std::vector<KeyRecord>> RedisKeyStore::list() {
  auto r = c_->command({"HVALS", c_->options().prefix + "keys"});
  if (!r) return r.error();
  const redisReply* rep = r->get();
  std::vector<KeyRecord> out;
  for (std::size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; ++i) {
    const redisReply* e = rep->element[i];
    if (e->type != REDIS_REPLY_STRING) continue;
    auto k = key_from_json(std::string_view(e->str, e->len));
    if (!k) return k.error();
    out.push_back(std::move(*k));
  }
  std::sort(out.begin(), out.end(), [](const KeyRecord& a, const KeyRecord& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
  });
  return out;
}

Result<std::int64_t> RedisKeyStore::version() {
  auto r = c_->command({"GET", c_->options().prefix + "keys:version"});
  if (!r) return r.error();
  const redisReply* rep = r->get();
  return rep->type == REDIS_REPLY_STRING ? std::atoll(rep->str) : std::int64_t{0};
}

}  // namespace llmctl::store
