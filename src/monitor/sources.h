// The I/O that fills a Snapshot: a Prometheus server's HTTP API (instant and range queries, its
// rules and targets), direct scrapes of metrics endpoints repeated over the window, saved
// exposition files, and rule/dashboard files. What cannot be read becomes a note (a target that
// is down is a fact about the system); only unusable input (a malformed URL, a missing file) is
// an error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "monitor/finding.h"
#include "monitor/request_log.h"
#include "monitor/snapshot.h"

namespace llmctl::monitor {

// Time for collection: now, and a way to wait between scrapes.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now_s() const = 0;  // unix seconds
  virtual void sleep_s(double seconds) = 0;
};
Clock& real_clock();

struct SourceOptions {
  std::string prometheus;            // base URL of a Prometheus server
  std::vector<std::string> scrapes;  // metrics endpoints
  std::vector<std::string> files;    // saved exposition text
  std::vector<std::string> rules;    // rule files, PrometheusRules, Grafana dashboards
  double window_s = 300;
  double interval_s = 0;     // between scrapes; 0: window / 6, at least 1 s
  double timeout_s = 10;     // per HTTP request
  std::string bearer_token;  // sent to the Prometheus server when set
};

// Collects the sources. Created once (inputs are checked then: URLs, files, rule files); then
// either collect() once, or refresh() repeatedly for `--watch`.
class Collector {
 public:
  static Result<std::unique_ptr<Collector>> create(const SourceOptions& options,
                                                   const catalog::Catalog& cat, Clock& clock);
  virtual ~Collector() = default;
  // Scrapes every endpoint over the window (blocking for it), reads the files, queries
  // Prometheus: one snapshot ending at the clock's now.
  virtual Snapshot collect() = 0;
  // For a refreshing view: one more scrape of each endpoint (keeping a window of them), files
  // and Prometheus read again. The first refreshes cover less than the window; the notes say so.
  virtual Snapshot refresh() = 0;
  // Seconds between two refreshes that make sense for these sources.
  virtual double refresh_interval_s() const = 0;
};

// Reads the gateway's SQLite request log (read-only, WAL-safe) from `now - history` on, folding
// rows into a LogSummary. Errors name the file and what is missing (a table, a required column).
Result<LogSummary> read_request_log(const std::string& path, const Slo& slo, double now_s,
                                    double window_s, double history_s);

}  // namespace llmctl::monitor
