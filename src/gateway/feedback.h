// `POST /v1/feedback {request_id, score, comment}`: a score (and an optional comment) stored with
// the request's record in the request log. One thread with its own SQLite connection to the
// request-log file (WAL: it never blocks the writer's inserts for long) takes jobs from a bounded
// queue; a worker's request waits for its answer without blocking its event loop. A record not
// in the file yet (still in the writer's queue) is looked for again after a flush interval,
// three times, before the answer is 404.
//
// Only the caller's own requests can be scored when keys are on: a record written under another
// key is "not found", as an unknown id is.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "gateway/config.h"

namespace llmctl::gateway {

struct Feedback {
  std::string request_id;
  double score = 0;
  std::string comment;  // empty: none
  std::string key_id;   // the caller's key; empty: anonymous (any record may be scored)
  std::int64_t ts_ms = 0;
};

struct FeedbackAnswer {
  enum Kind { kStored, kNotFound, kError, kBusy } kind = kError;
  std::string model;    // the scored request's model (kStored)
  std::string message;  // kError
};

// The request body: the field a bad one gets wrong is named (400).
Result<Feedback> parse_feedback(std::string_view body);

class FeedbackStore {
 public:
  static Result<std::unique_ptr<FeedbackStore>> open(const RequestLogConfig& log);
  ~FeedbackStore();
  void start();
  // Answers what is queued, then joins; later submissions are refused (kBusy).
  void stop();
  // `done` runs on the store's thread. False (nothing queued) when the queue is full or stopped.
  bool submit(Feedback f, std::function<void(FeedbackAnswer)> done);
  std::string render_metrics() const;

 private:
  FeedbackStore(void* db, int retry_ms) : db_(db), retry_ms_(retry_ms) {}
  void run();
  FeedbackAnswer store(const Feedback& f);

  void* db_;  // sqlite3*
  int retry_ms_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<std::pair<Feedback, std::function<void(FeedbackAnswer)>>> jobs_;
  std::map<std::string, std::pair<std::uint64_t, double>> by_model_;  // count, score sum
};

}  // namespace llmctl::gateway
