#include "sim/histogram.h"

#include <algorithm>
#include <cmath>

namespace llmctl::sim {

namespace {

constexpr double kLowest = 1e-6;  // seconds
constexpr double kGrowth = 1.005;
constexpr int kBuckets = 5600;  // 1.005^5600 ~ 1.4e12: up to ~1.4e6 s
const double kLogGrowth = std::log(kGrowth);

int bucket_of(double v) {
  if (!(v > kLowest)) return 0;
  const int k = static_cast<int>(std::log(v / kLowest) / kLogGrowth);
  return std::clamp(k, 0, kBuckets - 1);
}

}  // namespace

Histogram::Histogram() : buckets_(kBuckets, 0) {}

void Histogram::add(double value, std::uint64_t weight) {
  if (weight == 0) return;
  if (!(value > 0)) value = 0;
  buckets_[bucket_of(value)] += weight;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  count_ += weight;
  sum_ += value * static_cast<double>(weight);
}

void Histogram::merge(const Histogram& o) {
  if (o.count_ == 0) return;
  for (int k = 0; k < kBuckets; ++k) buckets_[k] += o.buckets_[k];
  if (count_ == 0) {
    min_ = o.min_;
    max_ = o.max_;
  } else {
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }
  count_ += o.count_;
  sum_ += o.sum_;
}

void Histogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  sum_ = min_ = max_ = 0;
}

double Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank: the ceil(q x n)-th smallest sample (at least the first).
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9)));
  std::uint64_t seen = 0;
  for (int k = 0; k < kBuckets; ++k) {
    seen += buckets_[k];
    if (seen >= rank) {
      const double mid = kLowest * std::pow(kGrowth, k + 0.5);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace llmctl::sim
