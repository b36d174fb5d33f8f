#include "gateway/feedback.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>

#include "common/thread_name.h"
#include "gateway/request_log.h"

namespace llmctl::gateway {

namespace {

constexpr std::size_t kQueueCapacity = 1024;
constexpr std::size_t kMaxCommentChars = 4096;
constexpr std::size_t kMaxIdChars = 256;

sqlite3* db_of(void* p) { return static_cast<sqlite3*>(p); }

std::string esc(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Result<Feedback> parse_feedback(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return Error{"the body must be a JSON object"};
  const auto& o = v.as_object();
  for (const auto& kv : o)
    if (kv.key() != "request_id" && kv.key() != "score" && kv.key() != "comment")
      return Error{fmt::format("{}: unknown field (expected request_id, score, comment)",
                               std::string_view(kv.key()))};
  Feedback f;
  const auto* id = o.if_contains("request_id");
  if (!id) return Error{"request_id: required (the x-request-id of the answer)"};
  if (!id->is_string() || id->as_string().empty() || id->as_string().size() > kMaxIdChars)
    return Error{fmt::format("request_id: expected a non-empty string of at most {} characters",
                             kMaxIdChars)};
  f.request_id = std::string(id->as_string());
  const auto* score = o.if_contains("score");
  if (!score) return Error{"score: required (a number, e.g. 0 or 1, or 1 to 5)"};
  if (score->is_int64())
    f.score = static_cast<double>(score->as_int64());
  else if (score->is_uint64())
    f.score = static_cast<double>(score->as_uint64());
  else if (score->is_double())
    f.score = score->as_double();
  else
    return Error{fmt::format("score: expected a number, found {}", boost::json::serialize(*score))};
  if (!std::isfinite(f.score) || std::abs(f.score) > 1e9)
    return Error{"score: expected a finite number between -1e9 and 1e9"};
  if (const auto* c = o.if_contains("comment"); c && !c->is_null()) {
    if (!c->is_string()) return Error{"comment: expected a string"};
    if (c->as_string().size() > kMaxCommentChars)
      return Error{fmt::format("comment: longer than {} characters", kMaxCommentChars)};
    f.comment = std::string(c->as_string());
  }
  return f;
}

Result<std::unique_ptr<FeedbackStore>> FeedbackStore::open(const RequestLogConfig& log) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(log.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e{fmt::format("feedback: {}: cannot open: {}", log.path,
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  // No index on request_id: the record is found through `ts_ms`, which its id carries
  // (request_id_times); the request log's writer drops the index older releases created here.
  return std::unique_ptr<FeedbackStore>(new FeedbackStore(db, log.flush_interval_ms + 50));
}

FeedbackStore::~FeedbackStore() {
  stop();
  sqlite3_close(db_of(db_));
}

void FeedbackStore::start() {
  thread_ = std::thread([this] {
    name_this_thread("feedback");
    run();
  });
}

void FeedbackStore::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool FeedbackStore::submit(Feedback f, std::function<void(FeedbackAnswer)> done) {
  {
    std::lock_guard lock(mu_);
    if (stop_ || jobs_.size() >= kQueueCapacity) return false;
    jobs_.emplace_back(std::move(f), std::move(done));
  }
  cv_.notify_one();
  return true;
}

void FeedbackStore::run() {
  while (true) {
    std::pair<Feedback, std::function<void(FeedbackAnswer)>> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    FeedbackAnswer a = store(job.first);
    for (int tries = 0; a.kind == FeedbackAnswer::kNotFound && tries < 3; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms_));
      a = store(job.first);
    }
    if (a.kind == FeedbackAnswer::kStored) {
      std::lock_guard lock(mu_);
      auto& [n, sum] = by_model_[a.model];
      ++n;
      sum += job.first.score;
    }
    job.second(std::move(a));
  }
}

FeedbackAnswer FeedbackStore::store(const Feedback& f) {
  FeedbackAnswer a;
  sqlite3* db = db_of(db_);
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "UPDATE requests SET feedback_score = ?1, feedback_comment = ?2, feedback_ts_ms = ?3"
      " WHERE ts_ms BETWEEN ?6 AND ?7 AND request_id = ?4 AND (?5 IS NULL OR key_id = ?5)"
      " RETURNING model";
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    a.message = sqlite3_errmsg(db);
    return a;
  }
  sqlite3_bind_double(st, 1, f.score);
  if (f.comment.empty())
    sqlite3_bind_null(st, 2);
  else
    sqlite3_bind_text(st, 2, f.comment.data(), static_cast<int>(f.comment.size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, f.ts_ms);
  sqlite3_bind_text(st, 4, f.request_id.data(), static_cast<int>(f.request_id.size()),
                    SQLITE_STATIC);
  if (f.key_id.empty())
    sqlite3_bind_null(st, 5);
  else
    sqlite3_bind_text(st, 5, f.key_id.data(), static_cast<int>(f.key_id.size()), SQLITE_STATIC);
  const RequestIdTimes when = request_id_times(f.request_id);
  sqlite3_bind_int64(st, 6, when.from_ms);
  sqlite3_bind_int64(st, 7, when.to_ms);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    a.kind = FeedbackAnswer::kStored;
    if (const unsigned char* m = sqlite3_column_text(st, 0))
      a.model = reinterpret_cast<const char*>(m);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
  } else if (rc == SQLITE_DONE) {
    a.kind = FeedbackAnswer::kNotFound;
  } else {
    a.message = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  return a;
}

std::string FeedbackStore::render_metrics() const {
  // A summary without quantiles: _count and _sum (scores may be negative, so the sum is not a
  // counter).
  std::string out =
      "# HELP llmctl_gateway_feedback_score Feedback scores stored (POST /v1/feedback).\n"
      "# TYPE llmctl_gateway_feedback_score summary\n";
  std::lock_guard lock(mu_);
  for (const auto& [model, v] : by_model_) {
    out += fmt::format("llmctl_gateway_feedback_score_count{{model=\"{}\"}} {}\n", esc(model),
                       v.first);
    out +=
        fmt::format("llmctl_gateway_feedback_score_sum{{model=\"{}\"}} {}\n", esc(model), v.second);
  }
  return out;
}

}  // namespace llmctl::gateway
