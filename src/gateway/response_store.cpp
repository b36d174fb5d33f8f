#include "gateway/response_store.h"

#include <boost/json.hpp>

namespace llmctl::gateway {

void ResponseStore::put(const std::string& id, std::string response,
                        boost::json::array conversation, boost::json::object items, bool made_here,
                        std::int64_t now_ms) {
  Entry e;
  e.bytes = response.size() + boost::json::serialize(conversation).size() +
            boost::json::serialize(items).size() + id.size();
  e.response = std::move(response);
  e.conversation = std::move(conversation);
  e.items = std::move(items);
  e.made_here = made_here;
  e.expires_ms = now_ms + limits_.ttl_ms;
  std::lock_guard lock(mu_);
  if (auto it = map_.find(id); it != map_.end()) erase_locked(it);
  bytes_ += e.bytes;
  order_.emplace_back(id, e.expires_ms);
  for (const auto& kv : e.items) item_owner_[std::string(kv.key())] = id;
  map_.emplace(id, std::move(e));
  evict_locked(now_ms);
}

void ResponseStore::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
  for (const auto& kv : it->second.items) {
    auto owner = item_owner_.find(std::string(kv.key()));
    if (owner != item_owner_.end() && owner->second == it->first) item_owner_.erase(owner);
  }
  bytes_ -= it->second.bytes;
  map_.erase(it);
}

void ResponseStore::evict_locked(std::int64_t now_ms) {
  // Oldest first: expired ones, then whatever exceeds the count or the bytes.
  while (!order_.empty()) {
    const auto& [id, expires] = order_.front();
    auto it = map_.find(id);
    // A replaced entry left its old position behind: skip it.
    const bool stale = it == map_.end() || it->second.expires_ms != expires;
    const bool over = map_.size() > limits_.max_entries || bytes_ > limits_.max_bytes;
    if (!stale && expires > now_ms && !over) break;
    if (!stale) erase_locked(it);
    order_.pop_front();
  }
}

std::optional<ResponseStore::Entry> ResponseStore::get(std::string_view id,
                                                       std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(id));
  if (it == map_.end() || it->second.expires_ms <= now_ms) return std::nullopt;
  return it->second;
}

std::optional<boost::json::value> ResponseStore::item(std::string_view item_id,
                                                      std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto owner = item_owner_.find(std::string(item_id));
  if (owner == item_owner_.end()) return std::nullopt;
  auto it = map_.find(owner->second);
  if (it == map_.end() || it->second.expires_ms <= now_ms) return std::nullopt;
  const boost::json::value* v = it->second.items.if_contains(item_id);
  if (!v) return std::nullopt;
  return *v;
}

bool ResponseStore::erase(std::string_view id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = map_.find(std::string(id));
  if (it == map_.end()) return false;
  const bool live = it->second.expires_ms > now_ms;
  erase_locked(it);
  return live;
}

std::size_t ResponseStore::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace llmctl::gateway
