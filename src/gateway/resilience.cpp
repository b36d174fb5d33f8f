#include "gateway/resilience.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace llmctl::gateway {

namespace {

constexpr std::uint64_t kCountBits = 20;
constexpr std::uint64_t kCountMax = (1ULL << kCountBits) - 1;
constexpr std::uint64_t kEpochMask = (1ULL << 24) - 1;

std::uint64_t pack(std::uint64_t epoch, std::uint64_t a, std::uint64_t b) {
  return ((epoch & kEpochMask) << (2 * kCountBits)) | (a << kCountBits) | b;
}
std::uint64_t epoch_of(std::uint64_t w) { return w >> (2 * kCountBits); }
std::uint64_t first_of(std::uint64_t w) { return (w >> kCountBits) & kCountMax; }
std::uint64_t second_of(std::uint64_t w) { return w & kCountMax; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// --- WindowCounter ---

WindowCounter::WindowCounter(int window_ms, int buckets)
    : buckets_(static_cast<std::size_t>(std::max(1, buckets))),
      bucket_ms_(std::max(1, window_ms / std::max(1, buckets))) {
  reset();
}

void WindowCounter::reset() {
  // An epoch no real bucket index has soon: every bucket reads as stale.
  for (auto& b : buckets_) b.store(pack(kEpochMask, 0, 0), std::memory_order_relaxed);
}

void WindowCounter::add(std::int64_t now_ms, std::uint32_t first, std::uint32_t second) {
  const std::uint64_t idx = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms)) /
                            static_cast<std::uint64_t>(bucket_ms_);
  auto& b = buckets_[idx % buckets_.size()];
  std::uint64_t cur = b.load(std::memory_order_relaxed);
  while (true) {
    std::uint64_t a = first, s = second;
    if (epoch_of(cur) == (idx & kEpochMask)) {
      a = std::min(kCountMax, first_of(cur) + first);
      s = std::min(kCountMax, second_of(cur) + second);
    }
    if (b.compare_exchange_weak(cur, pack(idx, a, s), std::memory_order_relaxed)) return;
  }
}

std::pair<std::uint64_t, std::uint64_t> WindowCounter::sum(std::int64_t now_ms) const {
  const std::uint64_t idx = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms)) /
                            static_cast<std::uint64_t>(bucket_ms_);
  const std::uint64_t n = buckets_.size();
  std::uint64_t a = 0, s = 0;
  for (std::uint64_t k = 0; k < n && k <= idx; ++k) {
    const std::uint64_t want = idx - k;
    const std::uint64_t w = buckets_[want % n].load(std::memory_order_relaxed);
    if (epoch_of(w) != (want & kEpochMask)) continue;
    a += first_of(w);
    s += second_of(w);
  }
  return {a, s};
}

// --- CircuitBreaker ---

std::string_view breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(const BreakerPolicy& policy)
    : policy_(policy), window_(policy.window_ms) {}

bool CircuitBreaker::move(BreakerState from, BreakerState to, std::int64_t now_ms) {
  int expected = static_cast<int>(from);
  if (!state_.compare_exchange_strong(expected, static_cast<int>(to))) return false;
  transitions_[static_cast<int>(to)].fetch_add(1, std::memory_order_relaxed);
  if (to == BreakerState::kOpen) opened_at_.store(now_ms, std::memory_order_relaxed);
  if (to == BreakerState::kClosed) {
    consecutive_.store(0, std::memory_order_relaxed);
    window_.reset();  // the failures that opened it are history once a probe succeeded
  }
  return true;
}

bool CircuitBreaker::available(std::int64_t now_ms) const {
  if (!policy_.enabled) return true;
  switch (state()) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return now_ms - opened_at_.load(std::memory_order_relaxed) >= policy_.cooldown_ms;
    case BreakerState::kHalfOpen:
      return probes_.load(std::memory_order_relaxed) < policy_.half_open_probes;
  }
  return true;
}

Admission CircuitBreaker::admit(std::int64_t now_ms) {
  if (!policy_.enabled) return Admission::kAllow;
  BreakerState s = state();
  if (s == BreakerState::kClosed) return Admission::kAllow;
  if (s == BreakerState::kOpen) {
    if (now_ms - opened_at_.load(std::memory_order_relaxed) < policy_.cooldown_ms)
      return Admission::kReject;
    if (move(BreakerState::kOpen, BreakerState::kHalfOpen, now_ms))
      probes_.store(0, std::memory_order_relaxed);
    s = state();
    if (s == BreakerState::kClosed) return Admission::kAllow;
    if (s != BreakerState::kHalfOpen) return Admission::kReject;
  }
  // Half-open: a limited number of probes at once.
  if (probes_.fetch_add(1, std::memory_order_acq_rel) < policy_.half_open_probes)
    return Admission::kProbe;
  probes_.fetch_sub(1, std::memory_order_acq_rel);
  return Admission::kReject;
}

void CircuitBreaker::record(std::int64_t now_ms, bool success, Admission how) {
  if (!policy_.enabled || how == Admission::kReject) return;
  if (how == Admission::kProbe) {
    probes_.fetch_sub(1, std::memory_order_acq_rel);
    if (success)
      move(BreakerState::kHalfOpen, BreakerState::kClosed, now_ms);
    else
      move(BreakerState::kHalfOpen, BreakerState::kOpen, now_ms);
    return;
  }
  window_.add(now_ms, 1, success ? 0 : 1);
  if (success) {
    consecutive_.store(0, std::memory_order_relaxed);
    return;
  }
  const int run = consecutive_.fetch_add(1, std::memory_order_relaxed) + 1;
  bool trip = policy_.consecutive_failures > 0 && run >= policy_.consecutive_failures;
  if (!trip && policy_.failure_rate > 0) {
    auto [requests, failures] = window_.sum(now_ms);
    trip = requests >= static_cast<std::uint64_t>(std::max(1, policy_.min_requests)) &&
           static_cast<double>(failures) >= policy_.failure_rate * static_cast<double>(requests);
  }
  if (trip) move(BreakerState::kClosed, BreakerState::kOpen, now_ms);
}

void CircuitBreaker::cancel(Admission how) {
  if (policy_.enabled && how == Admission::kProbe) probes_.fetch_sub(1, std::memory_order_acq_rel);
}

// --- RetryBudget ---

RetryBudget::RetryBudget(const RetryPolicy& policy)
    : policy_(policy), window_(policy.budget_window_ms) {}

void RetryBudget::on_request(std::int64_t now_ms) { window_.add(now_ms, 1, 0); }

bool RetryBudget::try_retry(std::int64_t now_ms) {
  auto [requests, retries] = window_.sum(now_ms);
  const double allowed = policy_.budget_ratio * static_cast<double>(requests) +
                         policy_.budget_min_per_s * window_.window_ms() / 1000.0;
  if (static_cast<double>(retries) + 1 > allowed) return false;
  window_.add(now_ms, 0, 1);
  return true;
}

double backoff_ms(const RetryPolicy& p, int retry, double u01) {
  const double cap = std::min<double>(
      p.backoff_max_ms,
      std::ldexp(static_cast<double>(p.backoff_base_ms), std::clamp(retry, 0, 30)));
  return std::clamp(u01, 0.0, 1.0) * std::max(0.0, cap);
}

std::optional<std::int64_t> parse_retry_after(std::string_view v, std::int64_t now_unix_s) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(v.front()))) {
    // Delay-seconds; a fraction ("1.5") is accepted as some servers send one.
    double s = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec != std::errc{} || p != v.data() + v.size() || s < 0) return std::nullopt;
    return static_cast<std::int64_t>(std::min(s, 1e9) * 1000);
  }
  // IMF-fixdate, the form RFC 9110 requires senders to use: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  char month[4] = {};
  char weekday[4] = {};
  std::string text(v);
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", weekday, &tm.tm_mday, month,
                  &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 7)
    return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int mon = -1;
  for (int i = 0; i < 12; ++i)
    if (kMonths[i] == month) mon = i;
  if (mon < 0) return std::nullopt;
  tm.tm_mon = mon;
  tm.tm_year -= 1900;
  const std::int64_t at = static_cast<std::int64_t>(timegm(&tm));
  return std::max<std::int64_t>(0, (at - now_unix_s) * 1000);
}

bool is_context_length_error(int status, std::string_view body) {
  if (status != 400 && status != 413 && status != 422) return false;
  const std::string b = lower(body.substr(0, 64 * 1024));
  for (std::string_view pattern :
       {"context_length_exceeded", "maximum context length", "maximum model length",
        "model's context length", "context window", "prompt is too long"})
    if (b.find(pattern) != std::string::npos) return true;
  return false;
}

int clamp_timeout_ms(std::string_view header_value, int configured_ms, int min_ms) {
  long long v = 0;
  auto [p, ec] = std::from_chars(header_value.data(), header_value.data() + header_value.size(), v);
  if (header_value.empty() || ec != std::errc{} || p != header_value.data() + header_value.size())
    return configured_ms;
  return static_cast<int>(std::clamp<long long>(v, std::min(min_ms, configured_ms), configured_ms));
}

void Ewma::observe(double x, double alpha) {
  const double cur = v_.load(std::memory_order_relaxed);
  v_.store(cur < 0 ? x : cur + alpha * (x - cur), std::memory_order_relaxed);
}

// --- DeploymentRuntime ---

DeploymentRuntime::DeploymentRuntime(std::string key, const BreakerPolicy& breaker_policy)
    : breaker(breaker_policy), key_(std::move(key)) {}

void DeploymentRuntime::cool_down_until(std::int64_t until_ms) {
  std::int64_t cur = cooldown_until_.load(std::memory_order_relaxed);
  while (cur < until_ms &&
         !cooldown_until_.compare_exchange_weak(cur, until_ms, std::memory_order_relaxed)) {
  }
}

void DeploymentRuntime::note_error(std::int64_t unix_ms, std::string_view error_class,
                                   std::string_view message) {
  std::lock_guard lock(mu_);
  recent_.push_back({unix_ms, std::string(error_class), std::string(message)});
  while (recent_.size() > 10) recent_.pop_front();
}

std::vector<RecentError> DeploymentRuntime::recent_errors() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

void DeploymentRuntime::set_health_text(std::string text) {
  std::lock_guard lock(mu_);
  health_text_ = std::move(text);
}

std::string DeploymentRuntime::health_text() const {
  std::lock_guard lock(mu_);
  return health_text_;
}

}  // namespace llmctl::gateway
