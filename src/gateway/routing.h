// How the gateway routes a request within a model group: the group's policy from src/route
// (built once per config in Config::index()) with the request's affinity key. route_group() is
// the one function that routes a group — the requested one and every fallback group alike.
//
// Pure: the live signals come in through route::Signals (the snapshot's shared atomics in the
// gateway, fakes in tests).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <vector>

#include "gateway/config.h"
#include "gateway/protocol.h"
#include "route/route.h"

namespace llmctl::gateway {

// The affinity key of a request: a 64-bit hash of the leading part of its prompt, at most
// `prefix_chars` characters — for chat the leading system/developer messages and then
// `messages` more (role and text: 0 keys on the system prompt alone, 1 on the conversation's
// opening, so every later turn of a conversation shares it); Anthropic's `system` hashed like
// a chat system message; `prompt` for completions, `input` for embeddings. Requests that share
// that leading text share the key, and so the replica whose prefix cache holds it.
std::uint64_t prefix_hash(const boost::json::value& body, Endpoint endpoint, int prefix_chars,
                          int messages = 1);

// Fills `out` with the group's deployments (indices into Config::deployments) that `signals`
// calls available, first choice first, and says why the first was chosen. The affinity key is
// computed only for prefix-routed groups. `group.policy` must be set (Config::index()).
route::Reason route_group(const ModelGroup& group, const boost::json::value& body,
                          Endpoint endpoint, std::uint64_t random, const route::Signals& signals,
                          std::vector<int>& out);

// The route::Policy of a group: its strategy over its deployments (id = deployment index,
// weight, name), with the group's affinity knobs.
std::shared_ptr<const route::Policy> make_group_policy(const Config& config,
                                                       const ModelGroup& group);

}  // namespace llmctl::gateway
