#include "store/governance.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace llmctl::store {

Nanos usd_to_nanos(double usd) {
  if (!(usd > 0)) return 0;
  const double n = usd * 1e9;
  if (n >= static_cast<double>(std::numeric_limits<Nanos>::max()))
    return std::numeric_limits<Nanos>::max();
  return static_cast<Nanos>(std::llround(n));
}

double nanos_to_usd(Nanos n) { return static_cast<double>(n) / 1e9; }

std::string_view period_name(Period p) {
  switch (p) {
    case Period::kTotal:
      return "total";
    case Period::kDay:
      return "day";
    case Period::kWeek:
      return "week";
    case Period::kMonth:
      return "month";
  }
  return "total";
}

std::optional<Period> parse_period(std::string_view name) {
  for (Period p : {Period::kTotal, Period::kDay, Period::kWeek, Period::kMonth})
    if (period_name(p) == name) return p;
  return std::nullopt;
}

namespace {
using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;

constexpr std::int64_t kDayMs = 86400000;

std::int64_t to_ms(sys_days d) {
  return std::chrono::duration_cast<milliseconds>(d.time_since_epoch()).count();
}
sys_days day_of(std::int64_t unix_ms) {
  // Floor division, so times before 1970 land on the right day too.
  std::int64_t d = unix_ms / kDayMs;
  if (unix_ms % kDayMs < 0) --d;
  return sys_days(days(d));
}
}  // namespace

std::int64_t period_start_ms(Period p, std::int64_t unix_ms) {
  const sys_days day = day_of(unix_ms);
  switch (p) {
    case Period::kTotal:
      return 0;
    case Period::kDay:
      return to_ms(day);
    case Period::kWeek: {
      const std::chrono::weekday wd{day};
      const auto since_monday = (wd - std::chrono::Monday).count();  // 0..6
      return to_ms(day - days(since_monday));
    }
    case Period::kMonth: {
      const std::chrono::year_month_day ymd{day};
      return to_ms(sys_days(ymd.year() / ymd.month() / 1));
    }
  }
  return 0;
}

std::int64_t period_end_ms(Period p, std::int64_t unix_ms) {
  const std::int64_t start = period_start_ms(p, unix_ms);
  switch (p) {
    case Period::kTotal:
      return std::numeric_limits<std::int64_t>::max();
    case Period::kDay:
      return start + kDayMs;
    case Period::kWeek:
      return start + 7 * kDayMs;
    case Period::kMonth: {
      const std::chrono::year_month_day ymd{day_of(start)};
      const auto next = ymd.year() / ymd.month() / 1 + std::chrono::months(1);
      return to_ms(sys_days(next));
    }
  }
  return start;
}

std::string_view scope_kind_name(ScopeKind k) {
  switch (k) {
    case ScopeKind::kKey:
      return "key";
    case ScopeKind::kTeam:
      return "team";
    case ScopeKind::kUser:
      return "user";
    case ScopeKind::kProject:
      return "project";
    case ScopeKind::kAgent:
      return "agent";
    case ScopeKind::kModel:
      return "model";
    case ScopeKind::kDeployment:
      return "deployment";
  }
  return "key";
}

std::string Scope::id() const { return fmt::format("{}:{}", scope_kind_name(kind), name); }

std::string_view limit_kind_name(LimitKind k) {
  switch (k) {
    case LimitKind::kNone:
      return "none";
    case LimitKind::kRequests:
      return "requests";
    case LimitKind::kTokens:
      return "tokens";
    case LimitKind::kParallel:
      return "parallel";
    case LimitKind::kBudget:
      return "budget";
  }
  return "none";
}

void merge_window(Window& into, const Window& w) {
  if (w.limit <= 0) return;
  if (into.limit <= 0 || w.remaining < into.remaining ||
      (w.remaining == into.remaining && w.reset_ms > into.reset_ms))
    into = w;
}

std::string format_reset(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60000) {
    // Whole seconds as "1s", fractions as "1.5s" (OpenAI's style).
    if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    std::string s = fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0);
    while (s.back() == '0') s.pop_back();
    return s + "s";
  }
  const std::int64_t total_s = (ms + 999) / 1000;
  const std::int64_t h = total_s / 3600, m = (total_s % 3600) / 60, s = total_s % 60;
  if (h > 0) return fmt::format("{}h{}m{}s", h, m, s);
  return fmt::format("{}m{}s", m, s);
}

}  // namespace llmctl::store
