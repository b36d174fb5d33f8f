// Internal to the finops analysis: turns a --by list into one 64-bit key per row (mixed radix
// over the dictionary codes of each field), so grouping is an array index or one hash lookup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "finops/report.h"
#include "finops/table.h"

namespace llmctl::finops::detail {

class Grouper {
 public:
  // Fails on an unknown field or when the key space exceeds 64 bits.
  static Result<Grouper> make(const UsageTable& t, const std::vector<std::string>& by);

  std::uint64_t key(std::size_t row) const {
    std::uint64_t k = 0;
    for (const Field& f : fields_) {
      std::uint32_t c = f.remap.empty() ? f.codes[row] : f.remap[f.codes[row]];
      k = k * f.cardinality + c;
    }
    return k;
  }
  std::uint64_t key_space() const { return space_; }
  // The field values of a key, in --by order.
  std::vector<std::string> labels(std::uint64_t key) const;
  std::size_t fields() const { return fields_.size(); }

 private:
  struct Field {
    const std::uint32_t* codes = nullptr;  // per row
    std::vector<std::uint32_t> owned;      // computed codes (time fields)
    std::vector<std::uint32_t> remap;      // dictionary code -> value code (tag:NAME)
    std::vector<std::string> labels;       // value code -> label
    std::uint64_t cardinality = 1;
  };
  std::vector<Field> fields_;
  std::uint64_t space_ = 1;
};

// True when the row failed or was cut short: HTTP status >= 400, an error class, or finish
// reason error/interrupted.
class ErrorTest {
 public:
  explicit ErrorTest(const UsageTable& t);
  bool operator()(std::size_t i) const {
    return t_.status[i] >= 400 || errors_[i] != 0 ||
           (finish_[i] != 0 && (finish_[i] == error_code_ || finish_[i] == interrupted_code_));
  }

 private:
  const UsageTable& t_;
  const std::vector<std::uint32_t>& errors_;
  const std::vector<std::uint32_t>& finish_;
  std::uint32_t error_code_ = 0, interrupted_code_ = 0;
};

// Day index (days since 1970-01-01, UTC) of a timestamp.
inline std::int64_t day_of(std::int64_t ts_ms) {
  return ts_ms >= 0 ? ts_ms / 86400000 : -((-ts_ms + 86399999) / 86400000);
}

// Nearest-rank quantile of unsorted values (copies and partially sorts).
double quantile(std::vector<double> v, double q);
double median(std::vector<double> v);

// The analysis stages after attribution (anomalies.cpp, whatif*.cpp). `report` holds the
// period, totals and groups already computed.
std::vector<Anomaly> find_anomalies(const UsageTable& t, const Report& report,
                                    const AnalyzeOptions& options);
std::vector<WhatIf> find_what_ifs(const UsageTable& t, const catalog::Catalog& catalog,
                                  const Report& report, const AnalyzeOptions& options,
                                  const std::vector<GpuSample>& gpu);
// Fills percent and monthly figures of a computed what-if from its saving.
void finish_what_if(WhatIf& w, const Report& report);

}  // namespace llmctl::finops::detail
