// The two Lua scripts behind the Redis store, and their arguments and replies. Every key is
// under the store's prefix P; for a scope S (e.g. "team:search"):
//   P w:S          hash: the rate window (requests and tokens per minute) in one-second buckets:
//                  r<second> and t<second> count the requests and tokens admitted in that second,
//                  _r and _t their sums, _lo the oldest second kept, _f the oldest second holding
//                  a bucket (for the reset headers), _p the second the concurrency set's expiry
//                  was last pushed, _v a long constant that keeps the hash a hash table
//   P p:S          sorted set: requests in flight, scored by lease expiry (max_parallel)
//   P b:S:PERIOD   hash {spent, reserved, sc} in nano-dollars (sc: the second its expired
//                  reservations were last charged); br:S:PERIOD the reservations, a sorted set of
//                  "request id|amount" scored by lease expiry
// Layout 2 (this one) replaced layout 1's sorted set entry per request (r:S, t:S/th:S/ts:S) with
// the bucket hash w:S: replicas of both layouts count rates apart, so they must be upgraded
// together (docs/GATEWAY.md). Budgets keep layout 1's hash b:S:PERIOD, so spend carries over
// and both layouts see one spend; layout 1's reservations (bz:, bh:) are still charged when
// their lease passes.
//
// The window counts conservatively: a bucket counts until its whole second has left the 60 s
// window (second s until s*1000 + 60999), so a refusal may come up to 1 s earlier than with an
// exact sliding log, but no 60 s window ever holds rpm + 1 admissions. Per-second work (dropping
// buckets, charging expired leases, pushing expiries) is done by the first call in each second;
// the other calls read and write a handful of fields.
//
// A reservation whose lease passes (its replica crashed, or the request outlived the lease) is
// charged in full: spend may be overcounted in such failures, never undercounted. Settling is
// idempotent, so a settlement replayed after a lost reply counts once: a reserved one finds its
// reservation (or concurrency slot) gone, an offline one its marker (P o:RID, kept for the
// lease), and one with neither leaves a marker (P s:RID) when it changes a token bucket.
// Redis runs a script alone, so the checks and the counts of one request across all its scopes
// happen with nothing in between: that is the exactness across replicas.
#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <charconv>
#include <cstdlib>

#include "store/redis.h"
#include "store/resp.h"

namespace llmctl::store {

namespace {

// Shared by both scripts: time, the rate window and the budget counters.
constexpr const char* kPrelude = R"lua(
local P = ARGV[1]
local now = tonumber(ARGV[2])
local rid = ARGV[3]
local W = 60000
local sec = math.floor(now / 1000)
-- The oldest second whose bucket still counts now.
local live = math.floor((now - 59999) / 1000)
local function num(v) return tonumber(v) or 0 end
local function int(v) return string.format('%d', v) end
-- Milliseconds until the bucket of second s stops counting.
local function leaves(s) return s * 1000 + 60999 - now end

-- The rate window of hash k, with the buckets of this second (or, for a clock behind the
-- others', of the oldest second kept). The first call in a second drops the buckets that left
-- the window, recounts the sums and pushes the hash's expiry.
local function window(k)
  local v = redis.call('HMGET', k, '_r', '_t', '_lo', '_f', '_p', 'r' .. sec, 't' .. sec)
  local w = {k = k, n = num(v[1]), tn = num(v[2]), lo = tonumber(v[3]), f = tonumber(v[4]),
             p = tonumber(v[5]), b = sec, rb = num(v[6]), tb = num(v[7])}
  if w.f and w.f < 0 then w.f = nil end
  if w.lo and w.lo >= live then
    if sec < w.lo then
      w.b = w.lo
      local c = redis.call('HMGET', k, 'r' .. w.b, 't' .. w.b)
      w.rb, w.tb = num(c[1]), num(c[2])
    end
    return w
  end
  if w.lo then
    local all = redis.call('HGETALL', k)
    local dead, n, tn, first = {}, 0, 0, nil
    for j = 1, #all, 2 do
      local kind, s = string.sub(all[j], 1, 1), tonumber(string.sub(all[j], 2))
      if s and (kind == 'r' or kind == 't') then
        if s < live then
          dead[#dead + 1] = all[j]
        else
          if kind == 'r' then n = n + num(all[j + 1]) else tn = tn + num(all[j + 1]) end
          if not first or s < first then first = s end
        end
      end
    end
    if #dead > 0 then redis.call('HDEL', k, unpack(dead)) end
    w.n, w.tn, w.f = n, tn, first
  end
  if not w.lo then
    -- A value longer than hash-max-listpack-value (64 by default) makes Redis keep the hash a
    -- hash table: every field in O(1), where a listpack of ~125 buckets is searched linearly on
    -- each access (measured: HSET 9.5 -> 0.2 us on a 47-field hash).
    redis.call('HSET', k, '_v', 'llmctl rate window, layout 2: one bucket per second for requests and tokens')
  end
  w.lo = live
  redis.call('HSET', k, '_r', int(w.n), '_t', int(w.tn), '_lo', int(live), '_f', int(w.f or -1))
  redis.call('PEXPIRE', k, W + 2000)
  return w
end

-- Layout 1's reservations (zset z of request ids, hash h of amounts) whose lease ended by
-- `upto`: removed; returns their sum.
local function legacy_expired(z, h, upto)
  local freed = 0
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', upto, 'LIMIT', 0, 500)
    if #old == 0 then return freed end
    local vals = redis.call('HMGET', h, unpack(old))
    for j = 1, #vals do freed = freed + num(vals[j]) end
    redis.call('HDEL', h, unpack(old))
    redis.call('ZREM', z, unpack(old))
  end
end

-- A budget's counters in the period suffix sfx ("S:PERIOD"). The first call in a second (or
-- `force`: one about to refuse) charges the reservations whose lease passed and pushes the
-- expiry (keep_ms; 0: kept for ever).
local function budget(sfx, keep, force)
  local b = P .. 'b:' .. sfx
  local v = redis.call('HMGET', b, 'spent', 'reserved', 'sc')
  local st = {b = b, r = P .. 'br:' .. sfx, spent = num(v[1]), reserved = num(v[2])}
  if force or tonumber(v[3]) ~= sec then
    st.scanned = true
    local charged = 0
    while true do
      local old = redis.call('ZRANGEBYSCORE', st.r, '-inf', now, 'LIMIT', 0, 500)
      if #old == 0 then break end
      for j = 1, #old do charged = charged + num(string.match(old[j], '|(%d+)$')) end
      redis.call('ZREM', st.r, unpack(old))
    end
    charged = charged + legacy_expired(P .. 'bz:' .. sfx, P .. 'bh:' .. sfx, now)
    if charged ~= 0 then
      st.spent, st.reserved = st.spent + charged, st.reserved - charged
      redis.call('HINCRBY', b, 'reserved', int(-charged))
      redis.call('HINCRBY', b, 'spent', int(charged))
    end
    redis.call('HSET', b, 'sc', int(sec))
    if keep > 0 then
      redis.call('PEXPIRE', b, keep)
      redis.call('PEXPIRE', st.r, keep)
    end
  end
  return st
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
-- Read once per key, whatever the number of scopes sharing it.
local wins, buds = {}, {}
local function win(S)
  local k = P .. 'w:' .. S
  if not wins[k] then wins[k] = window(k) end
  return wins[k]
end
local function bud(i, force)
  local sfx = f(i, 0) .. ':' .. f(i, 6)
  if not buds[sfx] or (force and not buds[sfx].scanned) then
    buds[sfx] = budget(sfx, num(f(i, 7)), force)
  end
  return buds[sfx]
end
-- When the oldest buckets of `kind` holding `need` will have left the window.
local function retry_after(w, kind, need)
  local names = {}
  for s = w.lo, w.lo + 61 do names[#names + 1] = kind .. s end
  local vals = redis.call('HMGET', w.k, unpack(names))
  local freed = 0
  for j = 1, #names do
    freed = freed + num(vals[j])
    if freed >= need then return leaves(w.lo + j - 1) end
  end
  return W
end
for i = 0, n - 1 do
  local S = f(i, 0)
  local rpm, tpm, par, hard = num(f(i, 1)), num(f(i, 2)), num(f(i, 3)), num(f(i, 4))
  if rpm > 0 or tpm > 0 then
    local w = win(S)
    if rpm > 0 and w.n >= rpm then
      local ra = retry_after(w, 'r', w.n - rpm + 1)
      return {1, i, 1, ra, rpm, 0, ra, 0, 0, 0}
    end
    if tpm > 0 and w.tn + tokens > tpm then
      -- A request larger than the whole limit can never pass: a full window.
      local ra = W
      if tokens <= tpm then ra = retry_after(w, 't', w.tn + tokens - tpm) end
      return {1, i, 2, ra, 0, 0, 0, tpm, math.max(0, tpm - w.tn), ra}
    end
  end
  if par > 0 then
    local k = P .. 'p:' .. S
    if redis.call('ZCARD', k) >= par then
      -- Entries whose lease passed (a crashed replica's) are dropped when they matter, and
      -- once a second when counting.
      redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
      if redis.call('ZCARD', k) >= par then return {1, i, 3, 1000, 0, 0, 0, 0, 0, 0} end
    end
  end
  if hard > 0 then
    local b = bud(i)
    -- Before refusing, the leases that passed this second are charged too (exact refusals).
    if b.spent + b.reserved + reserve > hard then b = bud(i, true) end
    if b.spent + b.reserved + reserve > hard then
      -- It would fit once the requests in flight settle: busy, not spent (retry soon).
      if b.spent + reserve <= hard then return {1, i, 4, 1000, 0, 0, 0, 0, 0, 0} end
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
  local push = par > 0
  if rpm > 0 or tpm > 0 then
    local w = win(S)
    local set = {}
    local function put(field, value) set[#set + 1] = field; set[#set + 1] = int(value) end
    if rpm > 0 then
      w.n, w.rb = w.n + 1, w.rb + 1
      put('_r', w.n)
      put('r' .. w.b, w.rb)
    end
    if tpm > 0 then
      w.tn, w.tb = w.tn + tokens, w.tb + tokens
      put('_t', w.tn)
      put('t' .. w.b, w.tb)
    end
    if not w.f or w.b < w.f then w.f = w.b; put('_f', w.b) end
    -- The concurrency set's expiry is pushed once a second (it must outlive its leases).
    if push and w.p == sec then push = false elseif push then w.p = sec; put('_p', sec) end
    redis.call('HSET', w.k, unpack(set))
    if rpm > 0 then rl, rr, rt = tight(rl, rr, rt, rpm, rpm - w.n, leaves(w.f)) end
    if tpm > 0 then tl, tr, tt = tight(tl, tr, tt, tpm, tpm - w.tn, leaves(w.f)) end
  end
  if par > 0 then
    local k = P .. 'p:' .. S
    redis.call('ZADD', k, now + lease, rid)
    if push then
      redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
      redis.call('PEXPIRE', k, lease + 2000)
    end
  end
  if hard > 0 or soft > 0 then
    local b = bud(i)
    b.reserved = b.reserved + reserve
    redis.call('HINCRBY', b.b, 'reserved', ARGV[6])
    redis.call('ZADD', b.r, now + lease, rid .. '|' .. ARGV[6])
  end
end
return {0, -1, 0, 0, rl, rr, rt, tl, tr, tt}
)lua";

// ARGV: P, now, rid, actual_tokens, cost, offline (0/1), admitted_ms, lease_ms, n, reserved,
// estimated_tokens, then n x (S, rpm, tpm, par, hard, soft, period_start, keep_ms). Returns, per
// budget scope, {scope, spent, soft crossed, hard reached}.
constexpr const char* kSettle = R"lua(
local actual = tonumber(ARGV[4])
local offline = ARGV[6] == '1'
local admitted = tonumber(ARGV[7])
local lease = tonumber(ARGV[8])
local n = tonumber(ARGV[9])
local reserved = tonumber(ARGV[10])
local estimated = tonumber(ARGV[11])
local function f(i, j) return ARGV[12 + i * 8 + j] end
local asec = math.floor(admitted / 1000)
local out = {}
-- Settling twice must change nothing (a reply lost with the connection is replayed): an offline
-- settlement leaves a marker for the lease; a reserved one finds its slot or reservation gone.
if offline and not redis.call('SET', P .. 'o:' .. rid, '1', 'NX', 'PX', lease) then return out end
-- First the slots and reservations: whether any was still held says whether this is the first
-- time this settlement is applied.
local held, released = nil, {}
for i = 0, n - 1 do
  local S = f(i, 0)
  if num(f(i, 3)) > 0 then
    local z = redis.call('ZREM', P .. 'p:' .. S, rid)
    if not offline then held = held or z == 1 end
  end
  if not offline and (num(f(i, 4)) > 0 or num(f(i, 5)) > 0) then
    local z = redis.call('ZREM', P .. 'br:' .. S .. ':' .. f(i, 6), rid .. '|' .. ARGV[10])
    released[i] = z == 1
    held = held or z == 1
  end
end
local first = nil
local function first_time()
  if first == nil then
    -- A slot or reservation held says it, unless its lease may have passed while the bucket
    -- still counts; otherwise a marker for as long as the bucket counts.
    if held ~= nil and lease > W + 1000 then
      first = held
    else
      first = redis.call('SET', P .. 's:' .. rid, '1', 'NX', 'PX', W + 2000) ~= false
    end
  end
  return first
end
for i = 0, n - 1 do
  local S = f(i, 0)
  local rpm, tpm, hard, soft, keep =
    num(f(i, 1)), num(f(i, 2)), num(f(i, 4)), num(f(i, 5)), num(f(i, 7))
  if (rpm > 0 or tpm > 0) and asec >= live then
    local k = P .. 'w:' .. S
    if offline then
      -- Admitted while Redis was unreachable: counted now, in its second's bucket.
      local w = window(k)
      local b = math.max(asec, w.lo)
      local v = redis.call('HMGET', k, 'r' .. b, 't' .. b)
      local set = {}
      if rpm > 0 then
        for _, x in ipairs({'_r', int(w.n + 1), 'r' .. b, int(num(v[1]) + 1)}) do set[#set + 1] = x end
      end
      if tpm > 0 then
        for _, x in ipairs({'_t', int(w.tn + actual), 't' .. b, int(num(v[2]) + actual)}) do
          set[#set + 1] = x
        end
      end
      if not w.f or b < w.f then set[#set + 1] = '_f'; set[#set + 1] = int(b) end
      redis.call('HSET', k, unpack(set))
    elseif tpm > 0 and actual ~= estimated then
      -- The real count replaces the estimate, in the admission's bucket while it counts.
      local v = redis.call('HMGET', k, '_t', 't' .. asec, '_lo')
      if v[2] and asec >= num(v[3]) and first_time() then
        local d = math.max(actual - estimated, -num(v[2]))
        if d ~= 0 then
          redis.call('HSET', k, '_t', int(num(v[1]) + d), 't' .. asec, int(num(v[2]) + d))
        end
      end
    end
  end
  if hard > 0 or soft > 0 then
    local b = P .. 'b:' .. S .. ':' .. f(i, 6)
    local cost = ARGV[5]
    if released[i] then
      redis.call('HINCRBY', b, 'reserved', int(-reserved))
    else
      -- Reserved at admission and gone now: settled already (this is a replay), or its lease
      -- passed and the whole reservation was charged. Either way the cost is in.
      if hard > 0 and reserved > 0 and not offline then cost = '0' end
      if keep > 0 then redis.call('PEXPIRE', b, keep) end
    end
    local after = redis.call('HINCRBY', b, 'spent', cost)
    local before = after - tonumber(cost)
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

std::size_t active_count(const std::vector<Scope>& scopes) {
  std::size_t n = 0;
  for (const auto& s : scopes) n += s.active() ? 1 : 0;
  return n;
}

// The scripts' arguments, written once for both encodings: RESP for the async limiter (Resp)
// and strings for the blocking client (Strings).
class Strings {
 public:
  explicit Strings(std::vector<std::string>& out) : out_(out) {}
  void arg(std::string_view a) { out_.emplace_back(a); }
  void arg(std::string_view a, std::string_view b, std::string_view c) {
    std::string v;
    v.reserve(a.size() + b.size() + c.size());
    v.append(a).append(b).append(c);
    out_.push_back(std::move(v));
  }
  void arg(std::int64_t v) { out_.push_back(std::to_string(v)); }

 private:
  std::vector<std::string>& out_;
};

// Per active scope (inactive ones, with no limit and no budget, are left out; the replies' scope
// indices are mapped back by scope_index): S, rpm, tpm, par, hard, soft, period_start, keep_ms.
constexpr std::size_t kScopeArgs = 8;

template <typename Sink>
void scope_args(Sink& out, const std::vector<Scope>& scopes, std::int64_t at_ms,
                std::int64_t now_ms) {
  for (const Scope& s : scopes) {
    if (!s.active()) continue;
    out.arg(scope_kind_name(s.kind), ":", s.name);
    out.arg(s.limits.rpm);
    out.arg(s.limits.tpm);
    out.arg(s.limits.max_parallel);
    out.arg(s.budget.hard);
    out.arg(s.budget.soft);
    out.arg(period_start_ms(s.budget.period, at_ms));
    out.arg(keep_ms(s.budget, at_ms, now_ms));
  }
}

constexpr std::size_t kAdmitArgs = 7;  // before the scopes'

template <typename Sink>
void admit_arguments(Sink& out, const RedisOptions& o, const Admission& a) {
  out.arg(o.prefix);
  out.arg(a.now_ms);
  out.arg(a.request_id);
  out.arg(o.lease_ms);
  out.arg(a.tokens);
  out.arg(a.reserve);
  out.arg(static_cast<std::int64_t>(active_count(a.scopes)));
  scope_args(out, a.scopes, a.now_ms, a.now_ms);
}

constexpr std::size_t kSettleArgs = 11;

template <typename Sink>
void settle_arguments(Sink& out, const RedisOptions& o, const Settlement& s) {
  out.arg(o.prefix);
  out.arg(s.now_ms);
  out.arg(s.request_id);
  out.arg(s.actual_tokens);
  out.arg(s.cost);
  out.arg(s.offline ? "1" : "0");
  out.arg(s.admitted_ms);
  out.arg(o.lease_ms);
  out.arg(static_cast<std::int64_t>(active_count(s.scopes)));
  out.arg(s.reserved);
  out.arg(s.estimated_tokens);
  scope_args(out, s.scopes, s.admitted_ms, s.now_ms);
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
  std::vector<std::string> out;
  out.reserve(kAdmitArgs + active_count(a.scopes) * kScopeArgs);
  Strings sink(out);
  admit_arguments(sink, o, a);
  return out;
}

std::vector<std::string> settle_args(const RedisOptions& o, const Settlement& s) {
  std::vector<std::string> out;
  out.reserve(kSettleArgs + active_count(s.scopes) * kScopeArgs);
  Strings sink(out);
  settle_arguments(sink, o, s);
  return out;
}

void Resp::begin(std::size_t argc) {
  out_.clear();
  out_ += '*';
  number(static_cast<std::int64_t>(argc));
  out_ += "\r\n";
}

void Resp::number(std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
}

void Resp::arg(std::string_view a, std::string_view b, std::string_view c) {
  out_ += '$';
  number(static_cast<std::int64_t>(a.size() + b.size() + c.size()));
  out_ += "\r\n";
  out_.append(a);
  out_.append(b);
  out_.append(c);
  out_ += "\r\n";
}

void Resp::arg(std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  arg(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void admit_command(Resp& out, const RedisOptions& o, std::string_view sha, const Admission& a) {
  out.begin(3 + kAdmitArgs + active_count(a.scopes) * kScopeArgs);
  out.arg("EVALSHA");
  out.arg(sha);
  out.arg("0");
  admit_arguments(out, o, a);
}

void settle_command(Resp& out, const RedisOptions& o, std::string_view sha, const Settlement& s) {
  out.begin(3 + kSettleArgs + active_count(s.scopes) * kScopeArgs);
  out.arg("EVALSHA");
  out.arg(sha);
  out.arg("0");
  settle_arguments(out, o, s);
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
