#include "gateway/attribution.h"

#define XXH_STATIC_LINKING_ONLY
#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "protocol/find.h"

namespace llmctl::gateway {

namespace json = boost::json;

namespace {

// Top-level fields that do not change the answer (left out of the request fingerprint).
constexpr std::string_view kNotAnswer[] = {"stream",   "stream_options", "user",
                                           "metadata", "store",          "service_tier"};

class Hasher {
 public:
  Hasher() { XXH3_64bits_reset(&st_); }
  // The hash of everything fed is the hash of its concatenation: XXH3's streaming form does not
  // depend on how the text is cut, so small pieces gather in a buffer and reach it in blocks.
  void feed(std::string_view s) {
    if (n_ + s.size() > sizeof buf_) {
      flush();
      if (s.size() > sizeof buf_) {
        XXH3_64bits_update(&st_, s.data(), s.size());
        return;
      }
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
  }
  void put(char c) {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
  }
  std::uint64_t digest() {
    flush();
    return XXH3_64bits_digest(&st_);
  }

  // Canonical JSON: objects with sorted keys, no whitespace; every key and scalar as
  // json::serialize writes it (strings, integers and literals written here the way it does;
  // doubles by its serializer). Runs on every request, so nothing here allocates for an object
  // of up to kInlineKeys members.
  void canonical(const json::value& v) {
    switch (v.kind()) {
      case json::kind::object:
        sorted_members(v.get_object(), [](std::string_view) { return true; });
        break;
      case json::kind::array: {
        put('[');
        bool first = true;
        for (const auto& e : v.get_array()) {
          if (!first) put(',');
          first = false;
          canonical(e);
        }
        put(']');
        break;
      }
      case json::kind::string:
        quoted(v.get_string());
        break;
      case json::kind::int64:
        integer(v.get_int64());
        break;
      case json::kind::uint64:
        integer(v.get_uint64());
        break;
      case json::kind::bool_:
        feed(v.get_bool() ? "true" : "false");
        break;
      case json::kind::null:
        feed("null");
        break;
      case json::kind::double_:
        serialized(v);
        break;
    }
  }

  // `{"k":v,...}` over the members `keep` accepts, in key order.
  template <typename Keep>
  void sorted_members(const json::object& o, Keep keep) {
    static constexpr std::size_t kInlineKeys = 32;
    std::array<const json::key_value_pair*, kInlineKeys> inline_kv;
    std::vector<const json::key_value_pair*> heap_kv;
    const json::key_value_pair** kv = inline_kv.data();
    if (o.size() > kInlineKeys) {
      heap_kv.resize(o.size());
      kv = heap_kv.data();
    }
    std::size_t n = 0;
    for (const auto& e : o)
      if (keep(std::string_view(e.key()))) kv[n++] = &e;
    std::sort(kv, kv + n, [](auto* a, auto* b) { return a->key() < b->key(); });
    put('{');
    for (std::size_t i = 0; i < n; ++i) {
      if (i) put(',');
      quoted(kv[i]->key());
      put(':');
      canonical(kv[i]->value());
    }
    put('}');
  }

 private:
  void flush() {
    if (n_) XXH3_64bits_update(&st_, buf_, n_);
    n_ = 0;
  }

  // A JSON string as boost::json's serializer escapes it: '"' and '\\' with a backslash,
  // \b \t \n \f \r by name, other control characters as \u00xx (lowercase hex); every other
  // byte, UTF-8 included, as it is.
  void quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    put('"');
    std::size_t run = 0;  // start of the bytes not yet fed that need no escape
    for (std::size_t i = 0; (i = protocol::find_string_special(s, i, true)) < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      feed(s.substr(run, i - run));
      run = i + 1;
      put('\\');
      switch (c) {
        case '"':
        case '\\':
          put(static_cast<char>(c));
          break;
        case '\b':
          put('b');
          break;
        case '\t':
          put('t');
          break;
        case '\n':
          put('n');
          break;
        case '\f':
          put('f');
          break;
        case '\r':
          put('r');
          break;
        default: {
          const char u[] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          feed(std::string_view(u, sizeof u));
        }
      }
    }
    feed(s.substr(run));
    put('"');
  }

  template <typename Int>
  void integer(Int v) {
    char text[24];
    const auto r = std::to_chars(text, text + sizeof text, v);
    feed(std::string_view(text, static_cast<std::size_t>(r.ptr - text)));
  }

  void serialized(const json::value& v) {
    json::serializer sr;
    sr.reset(&v);
    char text[256];
    while (!sr.done()) feed(sr.read(text, sizeof text));
  }

  XXH3_state_t st_;
  char buf_[512];
  std::size_t n_ = 0;
};

// The text of a message content: a string, or the text of its text parts.
void append_text(const json::value& content, std::string& out) {
  if (content.is_string()) {
    out.append(content.get_string());
  } else if (content.is_array()) {
    for (const auto& part : content.get_array()) {
      if (!part.is_object()) continue;
      if (const auto* t = part.get_object().if_contains("text"); t && t->is_string()) {
        if (!out.empty() && out.back() != '\n') out.push_back('\n');
        out.append(t->get_string());
      }
    }
  }
}

bool is_system(const json::value& msg) {
  if (!msg.is_object()) return false;
  const auto* r = msg.get_object().if_contains("role");
  return r && r->is_string() && (r->get_string() == "system" || r->get_string() == "developer");
}

bool is_image_part(const json::object& part) {
  const auto* t = part.if_contains("type");
  if (!t || !t->is_string()) return false;
  const auto& s = t->get_string();
  return s == "image_url" || s == "image" || s == "input_image";
}

// Bytes of text anywhere in the body, images counted apart (their payload is not text).
void count_bound(const json::value& v, long long& bytes, long long& images) {
  switch (v.kind()) {
    case json::kind::string:
      bytes += static_cast<long long>(v.get_string().size());
      break;
    case json::kind::array:
      for (const auto& e : v.get_array()) count_bound(e, bytes, images);
      break;
    case json::kind::object: {
      const json::object& o = v.get_object();
      if (is_image_part(o)) {
        ++images;
        break;
      }
      for (const auto& [k, e] : o) {
        bytes += static_cast<long long>(k.size());
        count_bound(e, bytes, images);
      }
      break;
    }
    default:
      bytes += 8;  // a number or literal is a few tokens at most
  }
}

long long as_count(const json::value* v) {
  if (!v) return -1;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<long long>(v->get_uint64());
  return -1;
}

}  // namespace

namespace {

// The top-level members request_facts reads, found in one pass over the body (its members are
// few; a lookup per name was 18 if_contains a request). Null where absent. A parsed object's keys
// are unique, so this finds what if_contains finds.
struct Members {
  const json::value *max_tokens = nullptr, *max_completion_tokens = nullptr,
                    *max_output_tokens = nullptr, *n = nullptr, *tools = nullptr,
                    *functions = nullptr, *system = nullptr, *messages = nullptr,
                    *instructions = nullptr, *input = nullptr, *prompt = nullptr, *user = nullptr,
                    *metadata = nullptr;

  explicit Members(const json::object& body) {
    static constexpr std::pair<std::string_view, const json::value * Members::*> kNames[] = {
        {"max_tokens", &Members::max_tokens},
        {"max_completion_tokens", &Members::max_completion_tokens},
        {"max_output_tokens", &Members::max_output_tokens},
        {"n", &Members::n},
        {"tools", &Members::tools},
        {"functions", &Members::functions},
        {"system", &Members::system},
        {"messages", &Members::messages},
        {"instructions", &Members::instructions},
        {"input", &Members::input},
        {"prompt", &Members::prompt},
        {"user", &Members::user},
        {"metadata", &Members::metadata}};
    for (const auto& e : body) {
      const std::string_view key = e.key();
      for (const auto& [name, member] : kNames)
        if (key == name) {
          this->*member = &e.value();
          break;
        }
    }
  }
};

}  // namespace

RequestFacts request_facts(const json::object& body, Endpoint endpoint, long long image_tokens) {
  RequestFacts f;
  const Members m(body);
  for (const json::value* v : {m.max_tokens, m.max_completion_tokens, m.max_output_tokens})
    if (long long n = as_count(v); n >= 0) {
      f.max_tokens = n;
      break;
    }
  if (long long n = as_count(m.n); n > 1) f.choices = n;
  for (const json::value* t : {m.tools, m.functions})
    if (t && t->is_array() && !t->get_array().empty()) f.has_tools = true;

  {
    Hasher h;
    h.sorted_members(body, [](std::string_view key) {
      return std::find(std::begin(kNotAnswer), std::end(kNotAnswer), key) == std::end(kNotAnswer);
    });
    f.request_fingerprint = to_hex(h.digest());
  }

  // System prompt and the leading part.
  std::string system, first;
  long long messages = 0;
  if (endpoint == Endpoint::kChat || endpoint == Endpoint::kMessages) {
    if (endpoint == Endpoint::kMessages)
      if (const auto* s = m.system) append_text(*s, system);
    if (const auto* msgs = m.messages; msgs && msgs->is_array()) {
      const auto& arr = msgs->get_array();
      messages = static_cast<long long>(arr.size());
      std::size_t i = 0;
      if (endpoint == Endpoint::kChat)
        for (; i < arr.size() && is_system(arr[i]); ++i) {
          if (!system.empty()) system.push_back('\n');
          if (const auto* c = arr[i].get_object().if_contains("content")) append_text(*c, system);
        }
      if (i < arr.size() && arr[i].is_object())
        if (const auto* c = arr[i].get_object().if_contains("content")) append_text(*c, first);
    }
  } else if (endpoint == Endpoint::kResponses) {
    if (const auto* s = m.instructions) append_text(*s, system);
    if (const auto* in = m.input) {
      if (in->is_string()) {
        first = std::string(in->get_string());
        messages = 1;
      } else if (in->is_array()) {
        const auto& arr = in->get_array();
        messages = static_cast<long long>(arr.size());
        if (!arr.empty() && arr[0].is_object())
          if (const auto* c = arr[0].get_object().if_contains("content")) append_text(*c, first);
      }
    }
  } else if (endpoint == Endpoint::kCompletions) {
    if (const auto* p = m.prompt) {
      if (p->is_string())
        first = std::string(p->get_string());
      else if (p->is_array() && !p->get_array().empty() && p->get_array()[0].is_string())
        first = std::string(p->get_array()[0].get_string());
    }
  }
  if (!system.empty()) {
    f.system_fingerprint = to_hex(XXH3_64bits(system.data(), system.size()));
    f.system_tokens = estimate_tokens(system.size());
  }
  if (!system.empty() || !first.empty()) {
    Hasher h;
    h.feed(system);
    h.feed("\x1e");  // record separator: "ab"+"c" and "a"+"bc" differ
    h.feed(first);
    f.prefix_fingerprint = to_hex(h.digest());
    f.prefix_tokens = estimate_tokens(system.size() + first.size());
  }

  // Attribution the client sent.
  if (const auto* u = m.user; u && u->is_string()) f.user = std::string(u->get_string());
  if (const auto* md = m.metadata; md && md->is_object()) {
    for (const auto& [k, v] : md->get_object()) {
      if (v.is_string() && endpoint != Endpoint::kMessages)
        f.metadata[std::string(k)] = std::string(v.get_string());
      if (k == "user_id" && v.is_string() && f.user.empty())  // Anthropic
        f.user = std::string(v.get_string());
    }
  }

  long long bytes = 0;
  for (const json::value* v :
       {m.messages, m.system, m.instructions, m.prompt, m.input, m.tools, m.functions})
    if (v) count_bound(*v, bytes, f.images);
  f.input_tokens_bound = bytes + 8 * std::max<long long>(messages, 1) + f.images * image_tokens;
  return f;
}

Result<std::map<std::string, std::string>> parse_tags_header(std::string_view header) {
  std::map<std::string, std::string> out;
  if (header.empty()) return out;  // most requests: no split, no allocation
  for (const std::string& raw : split(header, ',')) {
    const std::string item = trim(raw);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{fmt::format(
          "x-llmctl-tags: expected key=value pairs separated by commas, found \"{}\"", item)};
    std::string key = trim(std::string_view(item).substr(0, eq));
    std::string value = trim(std::string_view(item).substr(eq + 1));
    if (key.size() > 64 || value.size() > 256)
      return Error{"x-llmctl-tags: keys are at most 64 characters, values at most 256"};
    out[std::move(key)] = std::move(value);
  }
  if (out.size() > 32) return Error{"x-llmctl-tags: at most 32 tags"};
  return out;
}

std::string tags_json(const std::map<std::string, std::string>& tags) {
  if (tags.empty()) return {};
  json::object o;
  for (const auto& [k, v] : tags) o[k] = v;  // std::map: already sorted
  return json::serialize(o);
}

std::string_view normalize_finish_reason(std::string_view r) {
  if (r == "stop" || r == "end_turn" || r == "stop_sequence" || r == "pause_turn") return "stop";
  if (r == "length" || r == "max_tokens" || r == "model_context_window_exceeded") return "length";
  if (r == "tool_calls" || r == "function_call" || r == "tool_use") return "tool_calls";
  if (r == "content_filter" || r == "refusal") return "content_filter";
  if (r == "error" || r == "interrupted") return r;
  return r.empty() ? std::string_view() : std::string_view("stop");
}

std::string_view scan_finish_reason(std::string_view text) {
  for (std::string_view key :
       {std::string_view("\"finish_reason\""), std::string_view("\"stop_reason\"")}) {
    std::size_t at = 0;
    bool seen =
        false;  // OpenAI's chunks name finish_reason (null until the end), never stop_reason
    while ((at = protocol::find_text(text, key, at)) != std::string_view::npos) {
      seen = true;
      at += key.size();
      if (auto value = protocol::plain_string_after(text, at)) return *value;
    }
    if (seen) return {};
  }
  return {};
}

std::string_view logged_finish_reason(ErrorClass error, std::string_view reported) {
  switch (error) {
    case ErrorClass::kNone:
      return normalize_finish_reason(reported);
    case ErrorClass::kStreamInterrupted:
    case ErrorClass::kClientDisconnect:
    case ErrorClass::kShutdown:
      return "interrupted";
    default:
      return "error";
  }
}

void describe_request(RequestRecord& rec, RequestFacts& facts, const Attribution& who) {
  rec.max_tokens = facts.max_tokens ? *facts.max_tokens : -1;
  rec.has_tools = facts.has_tools;
  rec.system_tokens = facts.system_fingerprint.empty() ? -1 : facts.system_tokens;
  rec.prefix_tokens = facts.prefix_fingerprint.empty() ? -1 : facts.prefix_tokens;
  // Moved: 16 hex digits are one past the short-string buffer, so a copy was an allocation each.
  rec.request_fingerprint = std::move(facts.request_fingerprint);
  rec.system_fingerprint = std::move(facts.system_fingerprint);
  rec.prefix_fingerprint = std::move(facts.prefix_fingerprint);
  rec.key_id = who.key_id;
  rec.key_name = who.key_name;
  rec.team = who.team;
  rec.user = who.user;
  rec.project = who.project;
  rec.agent = who.agent;
  rec.session_id = who.session;
  rec.tags = tags_json(who.tags);
}

}  // namespace llmctl::gateway
