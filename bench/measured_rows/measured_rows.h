// Published measurements in the calibration schema, read once for every accuracy harness.
//
// The schema is shared/data/calibration/published_measurements.yaml's: a `rows:` list (one
// deployment, one workload and its measured metrics per row) and an optional `clients:` map (how
// each source's benchmark client ran). bench/perf_accuracy holds the analytic model to these
// rows and bench/sim_accuracy the simulator; both read them here, so a field means the same to
// both and a bad row gets the same error from both.
//
// Contract: every function throws RowsError, whose message names the file and line and what was
// expected; nothing is skipped silently (a row a harness does not use is for it to filter).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "perf/model.h"

namespace llmctl::bench {

struct RowsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// How a source's benchmark client ran (a `clients:` entry). A row names its client with
// `client:`; by default its `source:`'s.
struct BenchmarkClient {
  std::string tool;
  int prompt_pool = 0;              // distinct prompts reused for the whole run (0: all new)
  double warmup_per_client = 0;     // closed loop: warm-up requests per client, left out
  double requests_per_client = 10;  // closed loop: measured requests per client
  double duration_s = 0;            // closed loop: clients send for this long (0: count above)
  // The client draws each request's input and output length uniformly from the integers
  // [int(r L), L] for the row's L (vLLM benchmark_serving's --random-range-ratio r as InferenceX
  // runs it); 0: every request has the row's lengths.
  double length_range_ratio = 0;
};

// The mean length such a client sends for a row's nominal L: (int(r L) + L) / 2, e.g. 921.5 for
// 1024 at r = 0.8 (perf, which takes one length, rounds it: 922).
double mean_drawn_length(double length_range_ratio, int nominal);
// The shortest length it sends: int(ratio x L), at least 1.
int min_drawn_length(double length_range_ratio, int nominal);

// The `clients:` entries of every file, by id. An entry `same_as: ID` is another entry (of any
// of the files) defined once; it must name an entry that is no `same_as` itself.
std::map<std::string, BenchmarkClient> load_clients(const std::vector<std::string>& paths);

struct MeasuredRow {
  std::string id;
  std::string where;      // "path:line" of the row, for messages
  std::string source;     // the `source:` id (may be empty)
  std::string client_id;  // `client:`, else the source
  bool fit = false;       // `fit: true`: the row's file puts it in perf's fit share
  perf::Deployment deployment;
  perf::Workload workload;                               // the nominal lengths; explain off
  std::vector<std::pair<std::string, double>> measured;  // metric -> value, in file order
  // Launch flags, where the row's launch set them (otherwise the engine's defaults).
  std::optional<int> max_batched_tokens;
  std::optional<bool> prefix_caching;
  int scheduler_recv_interval = 1;   // SGLang --scheduler-recv-interval
  int stream_interval = 1;           // SGLang --stream-interval
  int batch_wait_timeout_iters = 0;  // TensorRT-LLM batch waiting (0: off)
  double batch_wait_max_tokens_ratio = 0;
};

// Resolves a row's `engine:` id (a harness may stand in for an engine the catalog lacks);
// nullptr: unknown.
using EngineLookup = std::function<const catalog::Engine*(const std::string& id)>;

// The rows of a file whose load mode is one of `modes` (empty: every row), in order, models and
// GPUs resolved against the catalog, engines through `engine` (default: the catalog's). A row of
// another mode is still read (a malformed one is an error) but not resolved or returned.
std::vector<MeasuredRow> load_rows(const catalog::Catalog& catalog, const std::string& path,
                                   const EngineLookup& engine = {},
                                   const std::vector<perf::LoadMode>& modes = {});

}  // namespace llmctl::bench
