// The gateway's store of Responses API answers, for GET/DELETE /v1/responses/{id} and
// previous_response_id: in memory, per gateway process (not shared between replicas, lost on
// restart), the most recent `max_entries` answers within `max_bytes`, each for `ttl_ms` after it
// was made. An entry keeps the response as the client got it and the conversation up to it
// (the input items, those of the responses before it, and its output items), which is what a
// later request that names it continues.
//
// Thread-safe: one mutex, held for a map lookup or insert (only /v1/responses requests that
// store or continue a response touch it).
#pragma once

#include <boost/json/array.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmctl::gateway {

class ResponseStore {
 public:
  struct Limits {
    std::size_t max_entries = 10000;
    std::size_t max_bytes = 256u << 20;
    std::int64_t ttl_ms = 3600 * 1000;
  };
  struct Entry {
    std::string response;             // the response object as JSON text
    boost::json::array conversation;  // input items then output items
    boost::json::object items;        // output items by id (for item_reference inputs)
    bool made_here = false;           // translated by the gateway (OpenAI never saw its id)
    std::int64_t expires_ms = 0;
    std::size_t bytes = 0;
  };

  explicit ResponseStore(Limits limits) : limits_(limits) {}
  ResponseStore() : ResponseStore(Limits{}) {}
  const Limits& limits() const { return limits_; }

  // Stores (or replaces) `id`, evicting the oldest entries beyond the limits.
  void put(const std::string& id, std::string response, boost::json::array conversation,
           boost::json::object items, bool made_here, std::int64_t now_ms);
  // A copy of the live entry; nullopt when unknown or expired.
  std::optional<Entry> get(std::string_view id, std::int64_t now_ms) const;
  // An output item of a live stored response, by its id (an `item_reference` input).
  std::optional<boost::json::value> item(std::string_view item_id, std::int64_t now_ms) const;
  // False when there was no live entry.
  bool erase(std::string_view id, std::int64_t now_ms);
  std::size_t size() const;

 private:
  void evict_locked(std::int64_t now_ms);
  void erase_locked(std::unordered_map<std::string, Entry>::iterator it);

  Limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  std::unordered_map<std::string, std::string> item_owner_;  // item id -> response id
  std::deque<std::pair<std::string, std::int64_t>> order_;   // (id, expires) in insertion order
  std::size_t bytes_ = 0;
};

}  // namespace llmctl::gateway
