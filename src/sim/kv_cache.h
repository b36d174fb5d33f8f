// One replica's KV cache: a pool of fixed-size blocks, and the prefix cache over it.
//
// Blocks are `used` (held by running sequences), `cached` (free but still holding a prefix's KV,
// reusable until evicted) or free. Prefix content is tracked per segment (see SegmentPool): a
// segment present in the cache is either pinned by running sequences (refcount > 0) or cached
// and evictable, in least-recently-released order — vLLM's free-block queue and SGLang's radix
// tree both evict the least recently used prefix first. A segment is evicted whole.
//
// Allocation takes free blocks first, then evicts cached segments from the LRU end; it fails
// only when running sequences hold the rest.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace llmctl::sim {

class KvCache {
 public:
  // capacity_blocks <= 0: unlimited (every block request succeeds, nothing is evicted).
  KvCache(long long capacity_blocks, bool prefix_caching);

  bool unlimited() const { return unlimited_; }
  bool prefix_caching() const { return prefix_caching_; }
  long long capacity() const { return capacity_; }
  long long used() const { return used_; }
  long long cached() const { return cached_; }
  long long free_blocks() const { return unlimited_ ? (1LL << 60) : capacity_ - used_ - cached_; }
  // Blocks a new sequence could get now: free plus evictable.
  long long available() const { return unlimited_ ? (1LL << 60) : capacity_ - used_; }
  // Share of blocks held by running sequences (vLLM's kv_cache_usage_perc).
  double usage() const {
    return unlimited_ || capacity_ <= 0
               ? 0.0
               : static_cast<double>(used_) / static_cast<double>(capacity_);
  }

  // How many leading hashes of `hashes` are present (pinned or cached).
  int match(std::span<const std::uint64_t> hashes) const;
  bool contains(std::uint64_t hash) const { return index_.count(hash) > 0; }

  // Takes n blocks for a running sequence; false (and nothing taken) when they cannot be had.
  bool allocate(long long n);
  // Returns n private blocks of a sequence: they become free.
  void release(long long n);
  // Returns n private blocks of a sequence as one evictable cached segment under `hash`
  // (found again by that hash, e.g. by the same sequence after preemption), or, with hash 0,
  // as anonymous cached content that only takes its place in the LRU order. Without prefix
  // caching they are simply freed.
  void release_cached(long long n, std::uint64_t hash);

  // Pins a present segment for one more sequence (a cached one becomes used again).
  void pin(std::uint64_t hash);
  // Unpins a segment: at refcount 0 it becomes cached (or free without prefix caching).
  void unpin(std::uint64_t hash);
  // Registers `blocks` of a sequence's already-allocated private blocks as segment `hash`,
  // pinned once. If the segment is already present (another sequence computed it meanwhile),
  // pins that one and frees the blocks. Returns false when the hash was already present.
  bool publish(std::uint64_t hash, long long blocks);
  // Blocks of a present segment (0 when absent).
  long long segment_blocks(std::uint64_t hash) const;

  long long evictions() const { return evictions_; }

 private:
  struct Entry {
    std::uint64_t hash = 0;  // 0: anonymous (not in index_)
    long long blocks = 0;
    int refs = 0;
    std::int32_t prev = -1, next = -1;  // LRU links while refs == 0
  };
  std::int32_t new_entry();
  void lru_push_back(std::int32_t e);
  void lru_unlink(std::int32_t e);
  void evict_one();

  long long capacity_;
  bool unlimited_;
  bool prefix_caching_;
  long long used_ = 0;
  long long cached_ = 0;
  long long evictions_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::int32_t> free_entries_;
  std::unordered_map<std::uint64_t, std::int32_t> index_;
  std::int32_t lru_head_ = -1, lru_tail_ = -1;  // head: least recently released
};

}  // namespace llmctl::sim
