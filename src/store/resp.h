// Private to src/store: commands encoded as RESP (what hiredis sends), written straight into a
// buffer the caller keeps — no string per argument, nothing allocated once the buffer has grown —
// for the async limiter's hot path (redisAsyncFormattedCommand).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/redis.h"

namespace llmctl::store {

class Resp {
 public:
  explicit Resp(std::string& out) : out_(out) {}
  void begin(std::size_t argc);  // clears the buffer; then exactly argc arguments
  void arg(std::string_view a) { arg(a, {}, {}); }
  void arg(std::string_view a, std::string_view b, std::string_view c);  // one argument: a+b+c
  void arg(std::int64_t v);
  const std::string& text() const { return out_; }

 private:
  void number(std::int64_t v);
  std::string& out_;
};

// The EVALSHA of each script (`sha`: the script's SHA-1) with the arguments admit_args and
// settle_args give (scripts.cpp).
void admit_command(Resp& out, const RedisOptions& o, std::string_view sha, const Admission& a);
void settle_command(Resp& out, const RedisOptions& o, std::string_view sha, const Settlement& s);

}  // namespace llmctl::store
