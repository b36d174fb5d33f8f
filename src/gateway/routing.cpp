#include "gateway/routing.h"

#include <algorithm>
#include <boost/json.hpp>

#include "route/hash.h"

namespace llmctl::gateway {

namespace {

// Feeds a message's text: a string, or the text of every text part of an array.
void feed_text(route::BoundedHasher& h, const boost::json::value& v) {
  if (v.is_string()) {
    h.feed(v.as_string());
  } else if (v.is_array()) {
    for (const auto& part : v.as_array()) {
      if (h.left() == 0) return;
      if (part.is_string())
        h.feed(part.as_string());
      else if (part.is_object())
        if (const auto* t = part.as_object().if_contains("text"); t && t->is_string())
          h.feed(t->as_string());
    }
  }
}

}  // namespace

std::uint64_t prefix_hash(const boost::json::value& body, Endpoint endpoint, int prefix_chars,
                          int messages) {
  route::BoundedHasher h(static_cast<std::size_t>(std::max(0, prefix_chars)));
  if (!body.is_object()) return h.key();
  const auto& o = body.as_object();
  switch (endpoint) {
    case Endpoint::kMessages:
      // Anthropic's Messages API keeps the system prompt outside `messages`; hashed in the same
      // form as a chat system message so both APIs share a replica for the same prompt.
      if (const auto* sys = o.if_contains("system")) {
        h.feed("system:");
        feed_text(h, *sys);
        h.feed("\n");
      }
      [[fallthrough]];
    case Endpoint::kChat:
      if (const auto* m = o.if_contains("messages"); m && m->is_array())
        for (const auto& msg : m->as_array()) {
          if (h.left() == 0 || !msg.is_object()) break;
          const auto* r = msg.as_object().if_contains("role");
          const bool system =
              r && r->is_string() && (r->as_string() == "system" || r->as_string() == "developer");
          if (!system && messages-- <= 0) break;
          if (r && r->is_string()) h.feed(r->as_string());
          h.feed(":");
          if (const auto* ct = msg.as_object().if_contains("content")) feed_text(h, *ct);
          h.feed("\n");
        }
      break;
    case Endpoint::kCompletions:
      if (const auto* p = o.if_contains("prompt")) feed_text(h, *p);
      break;
    case Endpoint::kEmbeddings:
      if (const auto* p = o.if_contains("input")) feed_text(h, *p);
      break;
    case Endpoint::kResponses:
      // Instructions as a system message, then the leading input items, as for chat.
      if (const auto* ins = o.if_contains("instructions"); ins && ins->is_string()) {
        h.feed("system:");
        feed_text(h, *ins);
        h.feed("\n");
      }
      if (const auto* in = o.if_contains("input")) {
        if (in->is_string()) {
          h.feed("user:");
          h.feed(in->as_string());
          h.feed("\n");
        } else if (in->is_array()) {
          for (const auto& item : in->as_array()) {
            if (h.left() == 0 || !item.is_object() || messages-- <= 0) break;
            const auto* r = item.as_object().if_contains("role");
            if (r && r->is_string()) h.feed(r->as_string());
            h.feed(":");
            if (const auto* ct = item.as_object().if_contains("content")) feed_text(h, *ct);
            h.feed("\n");
          }
        }
      }
      break;
  }
  return h.key();
}

route::Reason route_group(const ModelGroup& group, const boost::json::value& body,
                          Endpoint endpoint, std::uint64_t random, const route::Signals& signals,
                          std::vector<int>& out) {
  route::Request req{.random = random};
  if (group.routing == RoutingStrategy::kPrefix)
    req.affinity_key =
        prefix_hash(body, endpoint, group.affinity.prefix_chars, group.affinity.messages);
  return group.policy->order(req, signals, out);
}

std::shared_ptr<const route::Policy> make_group_policy(const Config& config,
                                                       const ModelGroup& group) {
  std::vector<route::Member> members;
  members.reserve(group.deployments.size());
  for (int d : group.deployments) {
    const Deployment& dep = config.deployments[static_cast<std::size_t>(d)];
    members.push_back({.id = d, .weight = dep.weight, .name = dep.name});
  }
  route::Options options;
  options.load_factor = group.affinity.load_factor;
  options.slack = group.affinity.slack;
  return route::make_policy(group.routing, std::move(members), options);
}

}  // namespace llmctl::gateway
