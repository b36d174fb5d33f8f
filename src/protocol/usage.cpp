#include "protocol/usage.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstring>
#include <utility>

#include "common/strings.h"
#include "protocol/find.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmctl::protocol {

namespace json = boost::json;

std::string_view endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::kChat:
      return "chat";
    case Endpoint::kCompletions:
      return "completions";
    case Endpoint::kEmbeddings:
      return "embeddings";
    case Endpoint::kMessages:
      return "messages";
    case Endpoint::kResponses:
      return "responses";
  }
  return "chat";
}

std::string_view endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::kChat:
      return "/chat/completions";
    case Endpoint::kCompletions:
      return "/completions";
    case Endpoint::kEmbeddings:
      return "/embeddings";
    case Endpoint::kMessages:
      return "/messages";
    case Endpoint::kResponses:
      return "/responses";
  }
  return "/chat/completions";
}

namespace {

const json::value* member(const json::value* v, std::string_view key) {
  if (!v || !v->is_object()) return nullptr;
  return v->as_object().if_contains(key);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters of the JSON string starting at data[p] == '"' (escapes count as one); sets `end`
// to the position after the closing quote.
std::size_t string_chars(std::string_view data, std::size_t p, std::size_t& end) {
  std::size_t chars = 0;
  ++p;
  while (p < data.size() && data[p] != '"') {
    if (data[p] == '\\') {
      p += (p + 1 < data.size() && data[p + 1] == 'u') ? 6 : 2;
      ++chars;
    } else {
      // Count UTF-8 code points, not bytes.
      if ((static_cast<unsigned char>(data[p]) & 0xC0) != 0x80) ++chars;
      ++p;
    }
  }
  end = p + 1;
  return chars;
}

// The end (one past) of the JSON object starting at data[p] == '{'; npos if unbalanced.
std::size_t object_end(std::string_view data, std::size_t p) {
  int depth = 0;
  bool in_string = false;
  for (; p < data.size(); ++p) {
    char c = data[p];
    if (in_string) {
      if (c == '\\')
        ++p;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && --depth == 0)
      return p + 1;
  }
  return std::string_view::npos;
}

// Position after the JSON string whose opening quote is data[p]; npos when unterminated. By
// find_quote to each '"' (strings are most of an answer's bytes), then whether an odd run of
// backslashes escapes it.
std::size_t skip_string(std::string_view data, std::size_t p) {
  const std::size_t open = p;
  for (++p; p < data.size();) {
    const std::size_t e = find_quote(data, p);
    if (e == data.size()) return std::string_view::npos;
    std::size_t backslashes = 0;
    while (e - backslashes - 1 > open && data[e - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return e + 1;
    p = e + 1;
  }
  return std::string_view::npos;
}

// The text of the value of `key` in the top-level object `data`: one pass that tracks nesting
// and strings, so a key inside a nested object or a string (model output that mentions
// "usage") never matches. Empty when `data` is not an object or has no such member; the span is
// only delimited here, its validity is for the caller's parser to judge.
// With `start`, stops at the value's first character and stores its position there (npos when
// there is no such member) instead of delimiting the value.
std::string_view top_level_value(std::string_view data, std::string_view key,
                                 std::size_t* start = nullptr) {
  if (start) *start = std::string_view::npos;
  std::size_t p = 0;
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != '{') return {};
  int depth = 0;
  bool expect_key = false;
  std::size_t value_start = std::string_view::npos;
  for (; p < data.size(); ++p) {
    const char c = data[p];
    if (c == '"') {
      const std::size_t end = skip_string(data, p);
      if (end == std::string_view::npos) return {};
      if (depth == 1 && expect_key) {
        const bool match = data.substr(p + 1, end - p - 2) == key;
        p = end;
        while (p < data.size() && is_space(data[p])) ++p;
        if (p >= data.size() || data[p] != ':') return {};
        ++p;
        while (p < data.size() && is_space(data[p])) ++p;
        expect_key = false;
        if (match && start) {
          if (p < data.size()) *start = p;
          return {};
        }
        if (match) value_start = p;
        --p;  // the loop's ++p lands on the value
        continue;
      }
      p = end - 1;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      if (depth == 1) expect_key = true;
    } else if (c == '}' || c == ']') {
      --depth;
      if (value_start != std::string_view::npos) {
        if (depth == 1) return data.substr(value_start, p + 1 - value_start);  // {...} / [...]
        if (depth == 0) return data.substr(value_start, p - value_start);      // last, a scalar
      }
      if (depth == 0) break;
    } else if (c == ',' && depth == 1) {
      if (value_start != std::string_view::npos)  // a scalar value ends here
        return data.substr(value_start, p - value_start);
      expect_key = true;
    }
  }
  return {};
}

// A present usage from its four counts, with the invariants cost_of relies on even when an
// upstream reports nonsense; the one place both readers (the parse and the scanner) apply them.
ReportedUsage reported(long long prompt, long long completion, long long cached,
                       long long reasoning) {
  ReportedUsage u;
  u.present = true;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.cached_tokens = std::min(cached, prompt);
  u.reasoning_tokens = std::min(reasoning, completion);
  return u;
}

// The fields of an OpenAI usage object that ReportedUsage takes, and where they live.
enum UsageField {
  kPromptTokens,         // prompt_tokens
  kCompletionTokens,     // completion_tokens
  kInputTokens,          // input_tokens (the Responses API)
  kOutputTokens,         // output_tokens (the Responses API)
  kPromptCached,         // prompt_tokens_details.cached_tokens
  kCompletionReasoning,  // completion_tokens_details.reasoning_tokens
  kInputCached,          // input_tokens_details.cached_tokens
  kOutputReasoning,      // output_tokens_details.reasoning_tokens
  kUsageFields
};

// scan_usage_object's scanner: a strict subset of JSON (see usage.h); every method returns
// false where it is unsure, and the caller then parses.
class UsageScanner {
 public:
  explicit UsageScanner(std::string_view t) : t_(t) {}

  bool run() { return p_ < t_.size() && t_[p_] == '{' && object(1, -1); }
  std::size_t end() const { return p_; }

  ReportedUsage usage() const {
    // usage_from_json's rule: the Responses API's names only where prompt_tokens is absent.
    const bool responses = !seen_[kPromptTokens] && seen_[kInputTokens];
    return reported(value_[responses ? kInputTokens : kPromptTokens],
                    value_[responses ? kOutputTokens : kCompletionTokens],
                    value_[responses ? kInputCached : kPromptCached],
                    value_[responses ? kOutputReasoning : kCompletionReasoning]);
  }

 private:
  static constexpr int kMaxDepth = 8;

  void ws() {
    while (p_ < t_.size() && is_space(t_[p_])) ++p_;
  }

  // A string of ASCII without escapes or control characters at t_[p_] == '"'; 16 bytes a step
  // where SSE2 is there (a byte >= 0x80 is negative, so one signed compare finds both kinds).
  bool string(std::string_view& s) {
    const std::size_t open = ++p_;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\');
    for (; p_ + 16 <= t_.size(); p_ += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t_.data() + p_));
      const int stop = _mm_movemask_epi8(
          _mm_or_si128(_mm_cmplt_epi8(x, space),
                       _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash))));
      if (stop) {
        p_ += static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(stop)));
        break;
      }
    }
#endif
    for (; p_ < t_.size(); ++p_) {
      const auto c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        s = t_.substr(open, p_ - open);
        ++p_;
        return true;
      }
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
    }
    return false;
  }

  // The field a member of an object at `depth` names; `details` is the *_details object this
  // one is (0..3 in UsageField order from kPromptCached), -1 for any other. Names are told
  // apart by their length first: most members of a usage object are none of them.
  static int field_of(std::string_view key, int depth, int details) {
    if (depth == 1) {
      switch (key.size()) {
        case 12:
          return key == "input_tokens" ? kInputTokens : -1;
        case 13:
          return key == "prompt_tokens"   ? kPromptTokens
                 : key == "output_tokens" ? kOutputTokens
                                          : -1;
        case 17:
          return key == "completion_tokens" ? kCompletionTokens : -1;
        default:
          return -1;
      }
    }
    if (depth == 2 && details >= 0) {
      const bool input = details == 0 || details == 2;
      if (key == (input ? std::string_view("cached_tokens") : std::string_view("reasoning_tokens")))
        return kPromptCached + details;
    }
    return -1;
  }

  static int details_of(std::string_view key) {
    switch (key.size()) {
      case 20:
        return key == "input_tokens_details" ? 2 : -1;
      case 21:
        return key == "prompt_tokens_details" ? 0 : key == "output_tokens_details" ? 3 : -1;
      case 25:
        return key == "completion_tokens_details" ? 1 : -1;
      default:
        return -1;
    }
  }

  bool object(int depth, int details) {
    if (depth > kMaxDepth) return false;
    ++p_;
    ws();
    if (p_ < t_.size() && t_[p_] == '}') {
      ++p_;
      return true;
    }
    while (p_ < t_.size() && t_[p_] == '"') {
      std::string_view key;
      if (!string(key)) return false;
      ws();
      if (p_ >= t_.size() || t_[p_] != ':') return false;
      ++p_;
      ws();
      // A repeated member that matters: which one a parser keeps is for the parser to say.
      const int field = field_of(key, depth, details);
      if (field >= 0 && std::exchange(seen_[field], true)) return false;
      const int inner = depth == 1 ? details_of(key) : -1;
      if (inner >= 0 && std::exchange(details_seen_[inner], true)) return false;
      if (!value(depth, field, inner)) return false;
      ws();
      if (p_ >= t_.size()) return false;
      if (t_[p_] == '}') {
        ++p_;
        return true;
      }
      if (t_[p_] != ',') return false;
      ++p_;
      ws();
    }
    return false;
  }

  // A value; an integer one is `field`'s count (any other kind counts 0, as token_count says).
  bool value(int depth, int field, int details) {
    if (p_ >= t_.size()) return false;
    const char c = t_[p_];
    if (c == '{') return object(depth + 1, details);
    if (c == '"') {
      std::string_view s;
      return string(s);
    }
    if (c == '-' || (field < 0 && c >= '0' && c <= '9')) {
      // A number no field takes (Groq's queue_time, OpenRouter's cost): validated, not read.
      return field < 0 && skip_number();
    }
    if (c >= '0' && c <= '9') {
      // At most 18 digits: no overflow, and an int64 in any parser. A fraction or exponent
      // ends up at the caller's ',' or '}' check and fails there.
      long long n = 0;
      const std::size_t first = p_;
      for (; p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9'; ++p_) {
        if (p_ - first == 18) return false;
        n = n * 10 + (t_[p_] - '0');
      }
      if (p_ - first > 1 && t_[first] == '0') return false;
      if (field >= 0) value_[field] = n;
      return true;
    }
    const std::string_view lit = c == 'n' ? "null" : c == 't' ? "true" : c == 'f' ? "false" : "";
    if (lit.empty() || t_.substr(p_, lit.size()) != lit) return false;  // arrays, bad text
    p_ += lit.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)? with at most 30 digits: what any parser reads the same way.
  // Exponents are left to the parse.
  bool skip_number() {
    if (t_[p_] == '-') ++p_;
    const std::size_t first = p_;
    auto digits = [&] {
      const std::size_t from = p_;
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
      return p_ - from;
    };
    const std::size_t whole = digits();
    if (whole == 0 || (whole > 1 && t_[first] == '0')) return false;
    std::size_t fraction = 0;
    if (p_ < t_.size() && t_[p_] == '.') {
      ++p_;
      if ((fraction = digits()) == 0) return false;
    }
    return whole + fraction <= 30 && (p_ >= t_.size() || (t_[p_] != 'e' && t_[p_] != 'E'));
  }

  std::string_view t_;
  std::size_t p_ = 0;
  long long value_[kUsageFields] = {};
  bool seen_[kUsageFields] = {};
  bool details_seen_[4] = {};
};

void add_text_chars(const json::value& v, std::size_t& n) {
  if (v.is_string()) {
    n += v.as_string().size();
  } else if (v.is_array()) {
    for (const auto& x : v.as_array()) add_text_chars(x, n);
  } else if (v.is_object()) {
    // Content parts: {"type":"text","text":"..."}.
    if (const auto* t = v.as_object().if_contains("text")) add_text_chars(*t, n);
    if (const auto* c = v.as_object().if_contains("content")) add_text_chars(*c, n);
  }
}

}  // namespace

std::size_t value_after_key(std::string_view data, std::string_view quoted_key, std::size_t from) {
  while (true) {
    const std::size_t k = find_text(data, quoted_key, from);
    if (k == std::string_view::npos) return k;
    std::size_t p = k + quoted_key.size();
    while (p < data.size() && is_space(data[p])) ++p;
    if (p < data.size() && data[p] == ':') {
      ++p;
      while (p < data.size() && is_space(data[p])) ++p;
      return p;
    }
    from = k + 1;
  }
}

bool replace_top_level_string(std::string& text, std::string_view key, std::string_view value) {
  const std::string_view span = top_level_value(text, key);
  if (span.size() < 2 || span.front() != '"') return false;
  const std::size_t at = static_cast<std::size_t>(span.data() - text.data());
  std::size_t len = span.size();
  while (len > 0 && is_space(text[at + len - 1])) --len;  // a last member ends before '}'
  // A value JSON writes as it is (printable ASCII but '"' and '\\'; most model names) goes
  // between the quotes that are there, with no serializer and its string, and not at all when
  // the same text is there already (the upstream named the model as the client did).
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain || len < 2 || text[at + len - 1] != '"') {
    text.replace(at, len, json::serialize(json::string_view(value.data(), value.size())));
  } else if (std::string_view(text).substr(at + 1, len - 2) != value) {
    text.replace(at + 1, len - 2, value);
  }
  return true;
}

std::optional<ReportedUsage> scan_usage_object(std::string_view text, std::size_t& end) {
  UsageScanner s(text);
  if (!s.run()) return std::nullopt;
  end = s.end();
  return s.usage();
}

long long token_count(const json::value* v) {
  if (!v) return 0;
  if (v->is_int64()) return std::max<long long>(0, v->get_int64());
  if (v->is_uint64()) return static_cast<long long>(v->get_uint64());
  if (v->is_double()) return std::max<long long>(0, static_cast<long long>(v->get_double()));
  return 0;
}

ReportedUsage usage_from_json(const json::value& usage) {
  if (!usage.is_object()) return {};
  if (!member(&usage, "prompt_tokens") && member(&usage, "input_tokens"))
    // The Responses API's names (same semantics: input includes cached).
    return reported(
        token_count(member(&usage, "input_tokens")), token_count(member(&usage, "output_tokens")),
        token_count(member(member(&usage, "input_tokens_details"), "cached_tokens")),
        token_count(member(member(&usage, "output_tokens_details"), "reasoning_tokens")));
  return reported(
      token_count(member(&usage, "prompt_tokens")),
      token_count(member(&usage, "completion_tokens")),
      token_count(member(member(&usage, "prompt_tokens_details"), "cached_tokens")),
      token_count(member(member(&usage, "completion_tokens_details"), "reasoning_tokens")));
}

namespace {

// The one `"usage"` of a body, read without walking the text before it: top_level_value's walk
// over every byte was ~2.7k instructions of a ~54k JSON request (bench/gateway
// instructions.sh), and upstreams put usage near the end. It answers only when the text has
// exactly one `"usage"`, its opening quote is not escaped, a ':' and an object the scanner
// reads follow, and after that object the walk of the rest (strings, nesting) closes one
// level with the body's last non-space byte: in valid JSON that makes it the top-level member
// (a nested one would leave more to close), and the only one. nullopt: not shown (the caller
// walks from the start). `absent` is set when the body has no `"usage"` at all (then no
// top-level member either, valid JSON or not).
std::optional<ReportedUsage> scan_sole_usage(std::string_view body, bool& absent) {
  constexpr std::string_view kKey = "\"usage\"";
  constexpr std::size_t npos = std::string_view::npos;
  const std::size_t k = find_text(body, kKey);
  absent = k == npos;
  if (absent || (k > 0 && body[k - 1] == '\\')) return std::nullopt;
  if (find_text(body, kKey, k + 1) != npos) return std::nullopt;
  std::size_t p = k + kKey.size();
  while (p < body.size() && is_space(body[p])) ++p;
  if (p >= body.size() || body[p] != ':') return std::nullopt;
  ++p;
  while (p < body.size() && is_space(body[p])) ++p;
  if (p >= body.size() || body[p] != '{') return std::nullopt;
  std::size_t end = 0;
  auto u = scan_usage_object(body.substr(p), end);
  if (!u) return std::nullopt;
  int depth = 1;
  for (p += end; p < body.size(); ++p) {
    const char c = body[p];
    if (c == '"') {
      const std::size_t e = skip_string(body, p);
      if (e == npos) return std::nullopt;
      p = e - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      for (++p; p < body.size(); ++p)
        if (!is_space(body[p])) return std::nullopt;
      return u;
    }
  }
  return std::nullopt;
}

}  // namespace

ReportedUsage usage_from_body(std::string_view body) {
  // Only the `usage` member is read: building the whole answer as a DOM cost ~6% of the
  // gateway's CPU at load (bench/gateway), for a few integers. A plain usage object (every
  // provider's) is scanned where it starts; anything unusual is parsed.
  bool absent = false;
  if (auto u = scan_sole_usage(body, absent)) return *u;
  if (absent) return {};
  std::size_t start = std::string_view::npos;
  (void)top_level_value(body, "usage", &start);
  if (start == std::string_view::npos) return {};
  if (body[start] != '{') return {};  // null, a number...: not an object
  std::size_t end = 0;
  if (auto u = scan_usage_object(body.substr(start), end)) return *u;
  std::string_view span = top_level_value(body, "usage");
  if (span.empty()) return {};
  // A usage object is a few hundred bytes: its nodes come from the stack, not malloc.
  unsigned char buf[4096];
  json::monotonic_resource arena(buf, sizeof buf);
  boost::system::error_code ec;
  json::value usage = json::parse(span, ec, &arena);
  if (ec) return {};
  return usage_from_json(usage);
}

std::optional<ReportedUsage> usage_at(std::string_view data, std::size_t p) {
  if (p == std::string_view::npos || p >= data.size() || data[p] != '{') return std::nullopt;
  std::size_t scanned_end = 0;
  if (auto u = scan_usage_object(data.substr(p), scanned_end)) return u;
  std::size_t end = object_end(data, p);
  if (end == std::string_view::npos) return std::nullopt;
  unsigned char buf[4096];
  json::monotonic_resource arena(buf, sizeof buf);
  boost::system::error_code ec;
  json::value v = json::parse(data.substr(p, end - p), ec, &arena);
  if (ec) return std::nullopt;
  ReportedUsage u = usage_from_json(v);
  if (!u.present) return std::nullopt;
  return u;
}

namespace {

template <class Strings>
EventScan scan_event_with(std::string_view data, Strings& strings) {
  constexpr std::size_t npos = std::string_view::npos;
  EventScan out;
  bool finish_named = false;
  std::optional<std::string_view> finish, stop;
  // Any string, key or value, that the finish reason rule or a trigger names (scan_finish_reason
  // finds its keys as text, which does not tell keys from values); by length first, as most
  // strings of an event are none of them. `end` is one past the string's closing quote.
  auto visit = [&](std::string_view s, std::size_t end) {
    // The lengths named below: most strings are none of them, and leave here.
    constexpr std::uint32_t kLengths =
        1u << 8 | 1u << 11 | 1u << 13 | 1u << 16 | 1u << 18 | 1u << 19;
    if (s.size() >= 32 || !(kLengths >> s.size() & 1u)) return;
    switch (s.size()) {
      case 8:
        if (s == "tool_use") out.tool = true;
        break;
      case 11:
        if (!stop && s == "stop_reason") stop = plain_string_after(data, end);
        break;
      case 13:
        if (s == "finish_reason") {
          finish_named = true;
          if (!finish) finish = plain_string_after(data, end);
        } else if (s == "function_call") {
          out.tool = true;
        }
        break;
      case 16:
        if (s == "input_json_delta") out.tool = true;
        break;
      case 18:
        if (s == "response.completed") out.final_response = true;
        break;
      case 19:
        if (s == "response.incomplete") out.final_response = true;
        break;
      default:
        break;
    }
  };
  std::string_view key;  // the member whose value starts at value_at
  std::size_t value_at = npos;
  std::size_t p = 0;
  std::size_t open = 0, end = 0;
  while (strings.next(p, open, end)) {
    const std::string_view s(data.data() + open + 1, end - open - 2);
    visit(s, end);
    if (open == value_at && s == "refusal" && (key == "stop_reason" || key == "type"))
      out.refusal = true;
    std::size_t v = end;
    while (v < data.size() && is_space(data[v])) ++v;
    if (v >= data.size() || data[v] != ':') {  // a value
      p = end;
      continue;
    }
    ++v;
    while (v < data.size() && is_space(data[v])) ++v;
    p = v;
    // The members read here, told apart by length first.
    bool text = false;  // ChunkOutput's keys of generated text
    switch (s.size()) {
      case 4:
        text = s == "text";
        break;
      case 5:
        // v may be the end of the text, as value_after_key has it.
        if (out.usage == npos && s == "usage") out.usage = v;
        break;
      case 7:
        text = s == "content";
        if (!text && s == "refusal") {
          text = true;
          if (v < data.size() && data[v] == '"') out.refusal = true;
        }
        break;
      case 9:
        text = s == "arguments";
        break;
      case 10:
        if (s == "tool_calls") {
          out.tool = true;
          if (v < data.size() && data[v] == '[') out.output.any = true;
        }
        break;
      case 17:
        text = s == "reasoning_content";
        break;
      default:
        break;
    }
    if (v >= data.size()) break;
    key = s;
    value_at = v;
    if (text && data[v] == '"') {
      // Its characters counted, and the value skipped.
      std::size_t after = v;
      const std::size_t n = strings.text(v, after);
      out.output.chars += n;
      if (n > 0) out.output.any = true;
      if (after <= data.size()) visit(std::string_view(data.data() + v + 1, after - v - 2), after);
      p = after;
    }
  }
  out.finish_reason = (finish_named ? finish : stop).value_or(std::string_view());
  return out;
}

// scan_event's strings by walking the text: find_quote to each, skip_string to its end (it
// reads escapes).
class WalkedStrings {
 public:
  explicit WalkedStrings(std::string_view data) : data_(data) {}
  // The first string opening at or after `from`: data[open] == '"', `end` one past its closing
  // quote; false when none, or it is not closed.
  bool next(std::size_t from, std::size_t& open, std::size_t& end) const {
    open = find_quote(data_, from);
    if (open >= data_.size()) return false;
    end = skip_string(data_, open);
    return end != std::string_view::npos;
  }
  // The characters of the string at data[at] == '"' (string_chars), `after` one past it.
  std::size_t text(std::size_t at, std::size_t& after) const {
    return string_chars(data_, at, after);
  }

 private:
  std::string_view data_;
};

// scan_event's strings where the text has no backslash: then every quote opens or closes one,
// and one pass (16 bytes a step) finds them all; a string is two quote positions, not a search
// and a check for escapes each (2/3 of the walk's cost an OpenAI chunk, instructions.sh --sse).
class PairedStrings {
 public:
  static constexpr std::size_t kMaxQuotes = 256;
  // False (use WalkedStrings) when the text has a backslash or more than kMaxQuotes quotes.
  bool index(std::string_view data) {
    data_ = data;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= data.size(); i += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data.data() + i));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, backslash))) return false;
      for (auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote))); m;
           m &= m - 1) {
        if (n_ == kMaxQuotes) return false;
        q_[n_++] = static_cast<std::uint32_t>(i + static_cast<std::size_t>(__builtin_ctz(m)));
      }
    }
#endif
    for (; i < data.size(); ++i) {
      if (data[i] == '\\') return false;
      if (data[i] == '"') {
        if (n_ == kMaxQuotes) return false;
        q_[n_++] = static_cast<std::uint32_t>(i);
      }
    }
    return true;
  }
  bool next(std::size_t from, std::size_t& open, std::size_t& end) {
    while (k_ < n_ && q_[k_] < from) k_ += 2;
    if (k_ + 1 >= n_) return false;  // none, or the last is not closed
    open = q_[k_];
    end = q_[k_ + 1] + 1;
    k_ += 2;
    return true;
  }
  std::size_t text(std::size_t at, std::size_t& after) {
    std::size_t open = 0;
    if (!next(at, open, after) || open != at) return string_chars(data_, at, after);
    std::size_t chars = 0;  // UTF-8 code points: no escapes here
    for (std::size_t p = at + 1; p + 1 < after; ++p)
      chars += (static_cast<unsigned char>(data_[p]) & 0xC0) != 0x80;
    return chars;
  }

 private:
  std::string_view data_;
  std::uint32_t q_[kMaxQuotes];
  std::size_t n_ = 0, k_ = 0;
};

}  // namespace

EventScan scan_event(std::string_view data) {
  PairedStrings paired;
  if (paired.index(data)) return scan_event_with(data, paired);
  WalkedStrings walked(data);
  return scan_event_with(data, walked);
}

bool chunk_is_usage_only(std::string_view data) {
  std::size_t p = value_after_key(data, "\"choices\"", 0);
  if (p == std::string_view::npos || p >= data.size() || data[p] != '[') return false;
  ++p;
  while (p < data.size() && is_space(data[p])) ++p;
  return p < data.size() && data[p] == ']' &&
         usage_at(data, value_after_key(data, "\"usage\"", 0)).has_value();
}

std::size_t request_prompt_chars(const json::object& body, Endpoint endpoint) {
  std::size_t n = 0;
  switch (endpoint) {
    case Endpoint::kChat:
      if (const auto* m = body.if_contains("messages"); m && m->is_array())
        for (const auto& msg : m->as_array())
          if (msg.is_object())
            if (const auto* c = msg.as_object().if_contains("content")) add_text_chars(*c, n);
      break;
    case Endpoint::kCompletions:
      if (const auto* p = body.if_contains("prompt")) add_text_chars(*p, n);
      break;
    case Endpoint::kEmbeddings:
      if (const auto* i = body.if_contains("input")) add_text_chars(*i, n);
      break;
    case Endpoint::kMessages:
      // Anthropic: a top-level `system` (string or text blocks) besides the messages.
      if (const auto* s = body.if_contains("system")) add_text_chars(*s, n);
      if (const auto* m = body.if_contains("messages"); m && m->is_array())
        for (const auto& msg : m->as_array())
          if (msg.is_object())
            if (const auto* c = msg.as_object().if_contains("content")) add_text_chars(*c, n);
      break;
    case Endpoint::kResponses:
      // Instructions, then input: a string or items (message content, tool outputs, calls).
      if (const auto* s = body.if_contains("instructions")) add_text_chars(*s, n);
      if (const auto* in = body.if_contains("input")) {
        if (in->is_string()) {
          n += in->as_string().size();
        } else if (in->is_array()) {
          for (const auto& item : in->as_array()) {
            if (!item.is_object()) continue;
            for (const char* k : {"content", "output", "arguments"})
              if (const auto* c = item.as_object().if_contains(k)) add_text_chars(*c, n);
          }
        }
      }
      break;
  }
  return n;
}

std::size_t response_output_chars(std::string_view body) { return scan_event(body).output.chars; }

long long estimate_tokens(std::size_t chars) { return static_cast<long long>((chars + 3) / 4); }

Accounting account(const ReportedUsage& reported, std::size_t prompt_chars,
                   std::size_t output_chars, const catalog::Price* price) {
  Accounting a;
  long long input = reported.prompt_tokens, output = reported.completion_tokens;
  long long cached = reported.cached_tokens, reasoning = reported.reasoning_tokens;
  long long cache_write = reported.cache_write_tokens;
  bool excludes_cached = reported.input_excludes_cached;
  if (!reported.present) {
    a.estimated = true;
    input = estimate_tokens(prompt_chars);
    output = estimate_tokens(output_chars);
    cached = reasoning = cache_write = 0;
    excludes_cached = false;
  }
  // The OpenAI wire format counts cached tokens inside prompt_tokens; Anthropic's does not.
  a.usage =
      catalog::normalize_usage(excludes_cached ? "input_excludes_cached" : "input_includes_cached",
                               input, cached, cache_write, output, reasoning);
  if (!price) return a;
  a.price_id = price->id;
  auto cost = catalog::cost_of(*price, a.usage);
  if (cost)
    a.cost_usd = cost->total_usd;
  else
    a.error = cost.error().message;
  return a;
}

}  // namespace llmctl::protocol
