// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it: an idle or busy thread
// of a long-running process (the gateway has a worker per core, a request-log writer, a
// governance sync, a health checker...) is then known by name, not by an LWP number.
#pragma once

#include <pthread.h>

#include <string_view>

namespace llmctl {

// Linux keeps the first 15 bytes.
inline void name_this_thread(std::string_view name) {
  char buf[16] = {};
  name.copy(buf, sizeof buf - 1);
  pthread_setname_np(pthread_self(), buf);
}

}  // namespace llmctl
