// A streaming latency histogram: fixed memory whatever the sample count, exact count, mean, min
// and max, percentiles within half a bucket (0.25% relative) of the exact order statistic.
//
// Buckets are logarithmic: bucket k holds values in [lo x g^k, lo x g^(k+1)) with g = 1.005,
// from 1 microsecond to about 11.6 days (in seconds). Values outside are clamped into the end
// buckets for percentiles; mean, min and max stay exact.
#pragma once

#include <cstdint>
#include <vector>

namespace llmctl::sim {

class Histogram {
 public:
  Histogram();

  // Adds `value` (seconds) `weight` times. Negative or NaN values count as 0.
  void add(double value, std::uint64_t weight = 1);
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double sum() const { return sum_; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  // The q-quantile (q in [0, 1]) by nearest rank: the smallest value with at least q x count
  // samples at or below it, reported as its bucket's geometric midpoint (clamped to [min, max]).
  double quantile(double q) const;

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace llmctl::sim
