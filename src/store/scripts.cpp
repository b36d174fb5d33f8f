// The two Lua scripts behind the Redis store, and their arguments and replies. Every key is
// under the store's prefix P; for a scope S (e.g. "team:search"):
//   P r:S          sorted set: admitted request ids, scored by admission time (requests/minute)
//   P t:S, th:S    sorted set of request ids by admission time, and their tokens; ts:S their sum
//   P p:S          sorted set: requests in flight, scored by lease expiry (max_parallel)
//   P b:S:PERIOD   hash {spent, reserved} in nano-dollars; bz:S:PERIOD (reservation leases) and
//                  bh:S:PERIOD (request id -> reserved amount)
// A reservation whose lease passes (its replica crashed, or the request outlived the lease) is
// charged in full: spend may be overcounted in such failures, never undercounted. Settling is
// idempotent, so a settlement replayed after a lost reply counts once: a reserved one finds its
// reservation gone, an offline one its marker (P o:RID, kept for the lease).
// Redis runs a script alone, so the checks and the counts of one request across all its scopes
// happen with nothing in between: that is the exactness across replicas.
#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <cstdlib>

#include "store/redis.h"

namespace llmctl::store {

namespace {

// Shared by both scripts: the per-scope argument layout and expiry helpers.
constexpr const char* kPrelude = R"lua(
local P = ARGV[1]
local now = tonumber(ARGV[2])
local rid = ARGV[3]
local W = 60000
local cutoff = now - W
local function num(v) return tonumber(v) or 0 end
local function int(v) return string.format('%d', v) end
-- Removes entries of a scored set older than `upto`, subtracting their amounts (hash h) from
-- counter field/key `target` (a hash field when `field` is set, else a string key); with
-- `charge`, the amounts move to that hash field instead of vanishing.
local function expire(z, h, upto, target, field, charge)
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', upto, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local vals = redis.call('HMGET', h, unpack(old))
    local freed = 0
    for j = 1, #vals do freed = freed + num(vals[j]) end
    redis.call('HDEL', h, unpack(old))
    redis.call('ZREM', z, unpack(old))
    if freed ~= 0 then
      if field then redis.call('HINCRBY', target, field, int(-freed))
      else redis.call('DECRBY', target, int(freed)) end
      if charge then redis.call('HINCRBY', target, charge, int(freed)) end
    end
  end
end
)lua";

// ARGV: P, now, rid, lease_ms, tokens, reserve, n, then n x (S, rpm, tpm, par, hard, soft,
// period_start, keep_ms). Returns {decision, scope, limit, retry_after_ms, requests limit,
// remaining, reset_ms, tokens limit, remaining, reset_ms}.
constexpr const char* kAdmit = R"lua(
local lease = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local reserve = tonumber(ARGV[6])
local n = tonumber(ARGV[7])
local function f(i, j) return ARGV[8 + i * 8 + j] end
for i = 0, n - 1 do
  local S = f(i, 0)
  local rpm, tpm, par, hard = num(f(i, 1)), num(f(i, 2)), num(f(i, 3)), num(f(i, 4))
  if rpm > 0 then
    local k = P .. 'r:' .. S
    redis.call('ZREMRANGEBYSCORE', k, '-inf', cutoff)
    local c = redis.call('ZCARD', k)
    if c >= rpm then
      local e = redis.call('ZRANGE', k, c - rpm, c - rpm, 'WITHSCORES')
      local ra = num(e[2]) + W - now
      return {1, i, 1, ra, rpm, 0, ra, 0, 0, 0}
    end
  end
  if tpm > 0 then
    local k, kh, ks = P .. 't:' .. S, P .. 'th:' .. S, P .. 'ts:' .. S
    expire(k, kh, cutoff, ks, nil, nil)
    local sum = num(redis.call('GET', ks))
    if sum + tokens > tpm then
      local ra = W
      if tokens <= tpm then
        local need, freed, off, found = sum + tokens - tpm, 0, 0, false
        while not found do
          local e = redis.call('ZRANGE', k, off, off + 99, 'WITHSCORES')
          if #e == 0 then break end
          local ids = {}
          for j = 1, #e, 2 do ids[#ids + 1] = e[j] end
          local vals = redis.call('HMGET', kh, unpack(ids))
          for j = 1, #ids do
            freed = freed + num(vals[j])
            if freed >= need then ra = num(e[2 * j]) + W - now; found = true; break end
          end
          off = off + 100
        end
      end
      return {1, i, 2, ra, 0, 0, 0, tpm, math.max(0, tpm - sum), ra}
    end
  end
  if par > 0 then
    local k = P .. 'p:' .. S
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
    if redis.call('ZCARD', k) >= par then return {1, i, 3, 1000, 0, 0, 0, 0, 0, 0} end
  end
  if hard > 0 then
    local b = P .. 'b:' .. S .. ':' .. f(i, 6)
    expire(P .. 'bz:' .. S .. ':' .. f(i, 6), P .. 'bh:' .. S .. ':' .. f(i, 6), now, b, 'reserved',
           'spent')
    local v = redis.call('HMGET', b, 'spent', 'reserved')
    if num(v[1]) + num(v[2]) + reserve > hard then
      -- It would fit once the requests in flight settle: busy, not spent (retry soon).
      if num(v[1]) + reserve <= hard then return {1, i, 4, 1000, 0, 0, 0, 0, 0, 0} end
      return {2, i, 4, 0, 0, 0, 0, 0, 0, 0}
    end
  end
end
local rl, rr, rt, tl, tr, tt = 0, 0, 0, 0, 0, 0
local function tight(l, r, t, L, R, T)
  if l == 0 or R < r or (R == r and T > t) then return L, R, T end
  return l, r, t
end
for i = 0, n - 1 do
  local S = f(i, 0)
  local rpm, tpm, par, hard, soft = num(f(i, 1)), num(f(i, 2)), num(f(i, 3)), num(f(i, 4)), num(f(i, 5))
  local keep = num(f(i, 7))
  if rpm > 0 then
    local k = P .. 'r:' .. S
    redis.call('ZADD', k, now, rid)
    redis.call('PEXPIRE', k, W + 1000)
    local first = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
    rl, rr, rt = tight(rl, rr, rt, rpm, rpm - redis.call('ZCARD', k), num(first[2]) + W - now)
  end
  if tpm > 0 then
    local k, kh, ks = P .. 't:' .. S, P .. 'th:' .. S, P .. 'ts:' .. S
    redis.call('ZADD', k, now, rid)
    redis.call('HSET', kh, rid, ARGV[5])
    local sum = redis.call('INCRBY', ks, ARGV[5])
    for _, key in ipairs({k, kh, ks}) do redis.call('PEXPIRE', key, W + lease) end
    local first = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
    tl, tr, tt = tight(tl, tr, tt, tpm, tpm - sum, num(first[2]) + W - now)
  end
  if par > 0 then
    local k = P .. 'p:' .. S
    redis.call('ZADD', k, now + lease, rid)
    redis.call('PEXPIRE', k, lease + 1000)
  end
  if hard > 0 or soft > 0 then
    local sfx = S .. ':' .. f(i, 6)
    local b, bz, bh = P .. 'b:' .. sfx, P .. 'bz:' .. sfx, P .. 'bh:' .. sfx
    redis.call('HINCRBY', b, 'reserved', ARGV[6])
    redis.call('HSET', bh, rid, ARGV[6])
    redis.call('ZADD', bz, now + lease, rid)
    if keep > 0 then for _, key in ipairs({b, bz, bh}) do redis.call('PEXPIRE', key, keep) end end
  end
end
return {0, -1, 0, 0, rl, rr, rt, tl, tr, tt}
)lua";

// ARGV: P, now, rid, actual_tokens, cost, offline (0/1), admitted_ms, lease_ms, n, reserved, then n
// x (S, rpm, tpm, par, hard, soft, period_start, keep_ms). Returns, per budget scope, {scope,
// spent, soft crossed, hard reached}.
constexpr const char* kSettle = R"lua(
local actual = tonumber(ARGV[4])
local offline = ARGV[6] == '1'
local admitted = tonumber(ARGV[7])
local lease = tonumber(ARGV[8])
local n = tonumber(ARGV[9])
local reserved = tonumber(ARGV[10])
local function f(i, j) return ARGV[11 + i * 8 + j] end
local out = {}
-- Settling twice must change nothing (a reply lost with the connection is replayed): an offline
-- settlement leaves a marker for the lease; a reserved one finds its reservation gone.
if offline and not redis.call('SET', P .. 'o:' .. rid, '1', 'NX', 'PX', lease) then return out end
for i = 0, n - 1 do
  local S = f(i, 0)
  local rpm, tpm, par, hard, soft, keep =
    num(f(i, 1)), num(f(i, 2)), num(f(i, 3)), num(f(i, 4)), num(f(i, 5)), num(f(i, 7))
  local counts = offline and admitted > cutoff
  if rpm > 0 and counts then
    local k = P .. 'r:' .. S
    redis.call('ZADD', k, admitted, rid)
    redis.call('PEXPIRE', k, W + 1000)
  end
  if tpm > 0 then
    local k, kh, ks = P .. 't:' .. S, P .. 'th:' .. S, P .. 'ts:' .. S
    local old = redis.call('HGET', kh, rid)
    if old then
      redis.call('HSET', kh, rid, ARGV[4])
      if actual ~= num(old) then redis.call('INCRBY', ks, int(actual - num(old))) end
    elseif counts then
      redis.call('ZADD', k, admitted, rid)
      redis.call('HSET', kh, rid, ARGV[4])
      redis.call('INCRBY', ks, ARGV[4])
      for _, key in ipairs({k, kh, ks}) do redis.call('PEXPIRE', key, W + lease) end
    end
  end
  if par > 0 then redis.call('ZREM', P .. 'p:' .. S, rid) end
  if hard > 0 or soft > 0 then
    local sfx = S .. ':' .. f(i, 6)
    local b, bz, bh = P .. 'b:' .. sfx, P .. 'bz:' .. sfx, P .. 'bh:' .. sfx
    local amt = redis.call('HGET', bh, rid)
    local cost = ARGV[5]
    if amt then
      redis.call('HINCRBY', b, 'reserved', int(-num(amt)))
      redis.call('HDEL', bh, rid)
      redis.call('ZREM', bz, rid)
    elseif hard > 0 and reserved > 0 and not offline then
      -- Reserved at admission and gone now: settled already (this is a replay), or its lease
      -- passed and the whole reservation was charged. Either way the cost is in.
      cost = '0'
    end
    local before = num(redis.call('HGET', b, 'spent'))
    local after = redis.call('HINCRBY', b, 'spent', cost)
    if keep > 0 then for _, key in ipairs({b, bz, bh}) do redis.call('PEXPIRE', key, keep) end end
    local sc = (soft > 0 and before < soft and after >= soft) and 1 or 0
    local hr = (hard > 0 and before < hard and after >= hard) and 1 or 0
    out[#out + 1] = {i, after, sc, hr}
  end
end
return out
)lua";

// How long a budget's counters are kept: to the end of its period and 35 days more (so last
// month's spend can still be read); 0 (forever) for total budgets.
std::int64_t keep_ms(const BudgetLimit& b, std::int64_t at_ms, std::int64_t now_ms) {
  if (b.period == Period::kTotal) return 0;
  return std::max<std::int64_t>(period_end_ms(b.period, at_ms) - now_ms, 0) + 35LL * 86400000;
}

void scope_args(std::vector<std::string>& out, const std::vector<Scope>& scopes, std::int64_t at_ms,
                std::int64_t now_ms) {
  for (const Scope& s : scopes) {
    out.push_back(s.id());
    out.push_back(std::to_string(s.limits.rpm));
    out.push_back(std::to_string(s.limits.tpm));
    out.push_back(std::to_string(s.limits.max_parallel));
    out.push_back(std::to_string(s.budget.hard));
    out.push_back(std::to_string(s.budget.soft));
    out.push_back(std::to_string(period_start_ms(s.budget.period, at_ms)));
    out.push_back(std::to_string(keep_ms(s.budget, at_ms, now_ms)));
  }
}

std::vector<Scope> active(const std::vector<Scope>& scopes) {
  std::vector<Scope> out;
  for (const auto& s : scopes)
    if (s.active()) out.push_back(s);
  return out;
}

long long int_at(const redisReply* r, std::size_t i) {
  if (!r || r->type != REDIS_REPLY_ARRAY || i >= r->elements) return 0;
  const redisReply* e = r->element[i];
  if (e->type == REDIS_REPLY_INTEGER) return e->integer;
  if (e->type == REDIS_REPLY_STRING) return std::atoll(e->str);
  return 0;
}

}  // namespace

const std::string& admit_script() {
  static const std::string s = std::string(kPrelude) + kAdmit;
  return s;
}

const std::string& settle_script() {
  static const std::string s = std::string(kPrelude) + kSettle;
  return s;
}

std::vector<std::string> admit_args(const RedisOptions& o, const Admission& a) {
  // Inactive scopes (no limit, no budget) are left out; parse_admit_reply maps the reply's scope
  // index back.
  std::vector<std::string> out;
  out.reserve(7 + a.scopes.size() * 8);
  out.push_back(o.prefix);
  out.push_back(std::to_string(a.now_ms));
  out.push_back(a.request_id);
  out.push_back(std::to_string(o.lease_ms));
  out.push_back(std::to_string(a.tokens));
  out.push_back(std::to_string(a.reserve));
  std::size_t n = 0;
  for (const auto& s : a.scopes) n += s.active() ? 1 : 0;
  out.push_back(std::to_string(n));
  scope_args(out, active(a.scopes), a.now_ms, a.now_ms);
  return out;
}

std::vector<std::string> settle_args(const RedisOptions& o, const Settlement& s) {
  std::vector<std::string> out;
  out.push_back(o.prefix);
  out.push_back(std::to_string(s.now_ms));
  out.push_back(s.request_id);
  out.push_back(std::to_string(s.actual_tokens));
  out.push_back(std::to_string(s.cost));
  out.push_back(s.offline ? "1" : "0");
  out.push_back(std::to_string(s.admitted_ms));
  out.push_back(std::to_string(o.lease_ms));
  auto scopes = active(s.scopes);
  out.push_back(std::to_string(scopes.size()));
  out.push_back(std::to_string(s.reserved));
  scope_args(out, scopes, s.admitted_ms, s.now_ms);
  return out;
}

int scope_index(const std::vector<Scope>& scopes, long long active_index) {
  long long k = -1;
  for (std::size_t i = 0; i < scopes.size(); ++i)
    if (scopes[i].active() && ++k == active_index) return static_cast<int>(i);
  return -1;
}

AdmitResult parse_admit_reply(const redisReply* r, const std::vector<Scope>& scopes) {
  AdmitResult out;
  if (!r) {
    out.decision = Decision::kUnavailable;
    out.error = "no reply (connection lost)";
    return out;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    out.decision = Decision::kUnavailable;
    out.error = std::string(r->str, r->len);
    return out;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 10) {
    out.decision = Decision::kUnavailable;
    out.error = "unexpected reply to the admit script";
    return out;
  }
  switch (int_at(r, 0)) {
    case 0:
      out.decision = Decision::kAdmitted;
      break;
    case 1:
      out.decision = Decision::kRateLimited;
      break;
    default:
      out.decision = Decision::kOverBudget;
      break;
  }
  out.scope = scope_index(scopes, int_at(r, 1));
  switch (int_at(r, 2)) {
    case 1:
      out.limit = LimitKind::kRequests;
      break;
    case 2:
      out.limit = LimitKind::kTokens;
      break;
    case 3:
      out.limit = LimitKind::kParallel;
      break;
    case 4:
      out.limit = LimitKind::kBudget;
      break;
    default:
      out.limit = LimitKind::kNone;
  }
  out.retry_after_ms = int_at(r, 3);
  out.requests = {int_at(r, 4), int_at(r, 5), int_at(r, 6)};
  out.tokens = {int_at(r, 7), int_at(r, 8), int_at(r, 9)};
  return out;
}

Result<std::vector<BudgetCrossing>> parse_settle_reply(const redisReply* r,
                                                       const std::vector<Scope>& scopes) {
  if (!r) return Error{"no reply (connection lost)"};
  if (r->type == REDIS_REPLY_ERROR) return Error{std::string(r->str, r->len)};
  if (r->type != REDIS_REPLY_ARRAY) return Error{"unexpected reply to the settle script"};
  std::vector<BudgetCrossing> out;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    BudgetCrossing c;
    c.scope = scope_index(scopes, int_at(e, 0));
    c.spent = int_at(e, 1);
    c.soft_crossed = int_at(e, 2) != 0;
    c.hard_reached = int_at(e, 3) != 0;
    out.push_back(c);
  }
  return out;
}

void ReplyDeleter::operator()(redisReply* r) const {
  if (r) freeReplyObject(r);
}

}  // namespace llmctl::store
