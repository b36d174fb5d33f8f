#include "sim/kv_cache.h"

#include <cassert>

namespace llmctl::sim {

KvCache::KvCache(long long capacity_blocks, bool prefix_caching)
    : capacity_(capacity_blocks),
      unlimited_(capacity_blocks <= 0),
      prefix_caching_(prefix_caching) {}

int KvCache::match(std::span<const std::uint64_t> hashes) const {
  if (!prefix_caching_) return 0;
  int n = 0;
  for (std::uint64_t h : hashes) {
    if (!index_.count(h)) break;
    ++n;
  }
  return n;
}

std::int32_t KvCache::new_entry() {
  if (!free_entries_.empty()) {
    const std::int32_t e = free_entries_.back();
    free_entries_.pop_back();
    entries_[e] = Entry{};
    return e;
  }
  entries_.push_back(Entry{});
  return static_cast<std::int32_t>(entries_.size() - 1);
}

void KvCache::lru_push_back(std::int32_t e) {
  Entry& x = entries_[e];
  x.prev = lru_tail_;
  x.next = -1;
  if (lru_tail_ >= 0) entries_[lru_tail_].next = e;
  lru_tail_ = e;
  if (lru_head_ < 0) lru_head_ = e;
}

void KvCache::lru_unlink(std::int32_t e) {
  Entry& x = entries_[e];
  if (x.prev >= 0)
    entries_[x.prev].next = x.next;
  else
    lru_head_ = x.next;
  if (x.next >= 0)
    entries_[x.next].prev = x.prev;
  else
    lru_tail_ = x.prev;
  x.prev = x.next = -1;
}

void KvCache::evict_one() {
  const std::int32_t e = lru_head_;
  assert(e >= 0);
  lru_unlink(e);
  Entry& x = entries_[e];
  cached_ -= x.blocks;
  if (x.hash != 0) index_.erase(x.hash);
  ++evictions_;
  free_entries_.push_back(e);
}

bool KvCache::allocate(long long n) {
  if (n <= 0) return true;
  if (unlimited_) {
    used_ += n;
    return true;
  }
  if (capacity_ - used_ < n) return false;
  while (capacity_ - used_ - cached_ < n) evict_one();
  used_ += n;
  return true;
}

void KvCache::release(long long n) {
  used_ -= n;
  assert(used_ >= 0);
}

void KvCache::release_cached(long long n, std::uint64_t hash) {
  if (n <= 0) return;
  used_ -= n;
  if (!prefix_caching_) return;
  // An unlimited cache never evicts, so anonymous content could only ever be dead weight.
  if (hash == 0 && unlimited_) return;
  // Already present (an older copy under the same key): the new blocks are redundant.
  if (hash != 0 && index_.count(hash)) return;
  const std::int32_t e = new_entry();
  entries_[e].hash = hash;
  entries_[e].blocks = n;
  cached_ += n;
  lru_push_back(e);
  if (hash != 0) index_[hash] = e;
}

void KvCache::pin(std::uint64_t hash) {
  auto it = index_.find(hash);
  assert(it != index_.end());
  Entry& x = entries_[it->second];
  if (x.refs++ == 0) {
    lru_unlink(it->second);
    cached_ -= x.blocks;
    used_ += x.blocks;
  }
}

void KvCache::unpin(std::uint64_t hash) {
  auto it = index_.find(hash);
  assert(it != index_.end());
  const std::int32_t e = it->second;
  Entry& x = entries_[e];
  assert(x.refs > 0);
  if (--x.refs > 0) return;
  used_ -= x.blocks;
  if (!prefix_caching_) {
    index_.erase(it);
    free_entries_.push_back(e);
    return;
  }
  cached_ += x.blocks;
  lru_push_back(e);
}

bool KvCache::publish(std::uint64_t hash, long long blocks) {
  auto it = index_.find(hash);
  if (it != index_.end()) {
    used_ -= blocks;  // the sequence's copy is redundant: free it
    pin(hash);
    return false;
  }
  const std::int32_t e = new_entry();
  entries_[e].hash = hash;
  entries_[e].blocks = blocks;
  entries_[e].refs = 1;
  index_[hash] = e;
  return true;
}

long long KvCache::segment_blocks(std::uint64_t hash) const {
  auto it = index_.find(hash);
  return it == index_.end() ? 0 : entries_[it->second].blocks;
}

}  // namespace llmctl::sim
