#include "gateway/quality.h"

#include <boost/json.hpp>
#include <cctype>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/strings.h"
#include "protocol/find.h"

namespace llmctl::gateway {

namespace json = boost::json;

namespace {

const json::object* obj(const json::value* v) {
  return v && v->is_object() ? &v->as_object() : nullptr;
}
const json::object* member_obj(const json::object& o, std::string_view k) {
  return obj(o.if_contains(k));
}
std::string_view member_str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

bool blank(std::string_view s) {
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

// A response_format-like object's JSON mode: json_object or json_schema.
void read_format(const json::object* f, QualityRequest& q) {
  if (!f) return;
  const std::string_view type = member_str(*f, "type");
  if (type == "json_object") q.json_mode = q.json_object = true;
  if (type == "json_schema") q.json_mode = true;
}

bool parses_as_object(std::string_view text) {
  json::parse_options opt;
  opt.max_depth = 256;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opt);
  return !ec && v.is_object();
}

int json_invalid(std::string_view text, const QualityRequest& q) {
  json::parse_options opt;
  opt.max_depth = 256;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec) return 1;
  return q.json_object && !v.is_object() ? 1 : 0;
}

// What an answer said, in any of the three shapes.
struct Said {
  std::string text;
  std::vector<std::string> tool_args;  // arguments as text; Anthropic inputs are objects already
  bool tool_call = false;
  bool refusal = false;
};

void read_chat(const json::object& o, Said& s) {
  const json::value* choices = o.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  for (const auto& c : choices->as_array()) {
    const json::object* co = obj(&c);
    if (!co) continue;
    if (member_str(*co, "finish_reason") == "content_filter") s.refusal = true;
    s.text += member_str(*co, "text");  // completions
    const json::object* m = member_obj(*co, "message");
    if (!m) continue;
    s.text += member_str(*m, "content");
    if (!member_str(*m, "refusal").empty()) s.refusal = true;
    if (const json::value* tc = m->if_contains("tool_calls"); tc && tc->is_array())
      for (const auto& call : tc->as_array()) {
        s.tool_call = true;
        const json::object* co2 = obj(&call);
        const json::object* fn = co2 ? member_obj(*co2, "function") : nullptr;
        s.tool_args.emplace_back(fn ? member_str(*fn, "arguments") : std::string_view());
      }
  }
}

void read_message(const json::object& o, Said& s) {
  if (member_str(o, "stop_reason") == "refusal") s.refusal = true;
  const json::value* content = o.if_contains("content");
  if (!content || !content->is_array()) return;
  for (const auto& b : content->as_array()) {
    const json::object* bo = obj(&b);
    if (!bo) continue;
    const std::string_view type = member_str(*bo, "type");
    if (type == "text") s.text += member_str(*bo, "text");
    if (type == "tool_use") {
      s.tool_call = true;
      const json::value* in = bo->if_contains("input");
      s.tool_args.push_back(in ? json::serialize(*in) : std::string());
    }
  }
}

void read_response(const json::object& o, Said& s) {
  if (const json::object* inc = member_obj(o, "incomplete_details");
      inc && member_str(*inc, "reason") == "content_filter")
    s.refusal = true;
  const json::value* output = o.if_contains("output");
  if (!output || !output->is_array()) return;
  for (const auto& item : output->as_array()) {
    const json::object* io = obj(&item);
    if (!io) continue;
    const std::string_view type = member_str(*io, "type");
    if (type == "function_call") {
      s.tool_call = true;
      s.tool_args.emplace_back(member_str(*io, "arguments"));
    }
    if (type != "message") continue;
    const json::value* content = io->if_contains("content");
    if (!content || !content->is_array()) continue;
    for (const auto& part : content->as_array()) {
      const json::object* po = obj(&part);
      if (!po) continue;
      const std::string_view pt = member_str(*po, "type");
      if (pt == "output_text") s.text += member_str(*po, "text");
      if (pt == "refusal") s.refusal = true;
    }
  }
}

AnswerChecks judge(const Said& s, const QualityRequest& q) {
  AnswerChecks c;
  c.refusal = s.refusal ? 1 : 0;
  c.empty = !s.refusal && !s.tool_call && blank(s.text) ? 1 : 0;
  if (q.json_mode && !s.refusal && !s.tool_call) c.json_invalid = json_invalid(s.text, q);
  if (s.tool_call) {
    c.tool_args_invalid = 0;
    for (const auto& a : s.tool_args)
      if (!parses_as_object(a)) c.tool_args_invalid = 1;
  }
  return c;
}

}  // namespace

QualityRequest quality_request(const json::object& body, Endpoint endpoint) {
  QualityRequest q;
  q.generates = endpoint != Endpoint::kEmbeddings;
  switch (endpoint) {
    case Endpoint::kChat:
      read_format(member_obj(body, "response_format"), q);
      break;
    case Endpoint::kMessages:
      if (const json::object* oc = member_obj(body, "output_config"))
        read_format(member_obj(*oc, "format"), q);
      break;
    case Endpoint::kResponses:
      if (const json::object* t = member_obj(body, "text"))
        read_format(member_obj(*t, "format"), q);
      break;
    default:
      break;
  }
  return q;
}

namespace {

std::size_t skip_ws(std::string_view b, std::size_t p) {
  while (p < b.size() && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r')) ++p;
  return p;
}

// A JSON string starting at body[p] == '"': whether it is blank (whitespace only, as blank()
// judges the decoded text); nullopt when unsure (a \u escape, unterminated).
std::optional<bool> raw_string_blank(std::string_view b, std::size_t p) {
  for (++p; p < b.size(); ++p) {
    const char c = b[p];
    if (c == '"') return true;
    if (c == '\\') {
      if (++p >= b.size()) return std::nullopt;
      const char e = b[p];
      if (e == 'u') return std::nullopt;
      if (e != 'n' && e != 't' && e != 'r' && e != 'f') return false;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return std::nullopt;
}

// The next '"' at or after `from` followed by t, f, r or c (the first letters of the keys
// scan_chat_answer reads), b.size() when none: most of an answer's quotes are other keys,
// values and closing quotes. 16 positions a step where SSE2 is there.
std::size_t next_candidate(std::string_view b, std::size_t from) {
  const char* s = b.data();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), t = _mm_set1_epi8('t'), f = _mm_set1_epi8('f'),
                r = _mm_set1_epi8('r'), c = _mm_set1_epi8('c');
  for (; i + 17 <= b.size(); i += 16) {  // the second load ends at s[i + 16]
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
    const __m128i letter = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(y, t), _mm_cmpeq_epi8(y, f)),
                                        _mm_or_si128(_mm_cmpeq_epi8(y, r), _mm_cmpeq_epi8(y, c)));
    const int hit = _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, quote), letter));
    if (hit) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(hit)));
  }
#endif
  for (; i + 1 < b.size(); ++i)
    if (s[i] == '"' && (s[i + 1] == 't' || s[i + 1] == 'f' || s[i + 1] == 'r' || s[i + 1] == 'c'))
      return i;
  return b.size();
}

}  // namespace

bool answer_scannable(Endpoint endpoint, const QualityRequest& q) {
  return q.generates && !q.json_mode &&
         (endpoint == Endpoint::kChat || endpoint == Endpoint::kCompletions);
}

std::optional<AnswerChecks> scan_chat_answer(std::string_view b, Endpoint endpoint,
                                             const QualityRequest& q,
                                             std::optional<std::string_view>* finish_reason) {
  if (!answer_scannable(endpoint, q)) return std::nullopt;
  std::size_t first = skip_ws(b, 0);
  std::size_t last = b.size();
  while (last > first && std::isspace(static_cast<unsigned char>(b[last - 1]))) --last;
  if (first >= last || b[first] != '{' || b[last - 1] != '}') return std::nullopt;
  // One pass over the body's quotes finds each `"key"` + spaces + ':' that five memmem
  // passes (one per key, protocol::value_after_key) found before, in the same order per key:
  // the same matches, inside strings or not, for ~a third of the instructions.
  // A tool call needs its arguments parsed: leave it to the parse. Empty lists and nulls (vLLM
  // sends "tool_calls":[] on every message) are no call.
  Said s;
  // The texts: message.content (chat) and choices[].text (completions). Only their blankness
  // matters here, not their characters. Each key's values are judged in order until one is
  // decisive: text (not blank) or unsure (content parts, logprobs.content, a \u escape: parse).
  // `text` values are judged as the content's verdict requires (see below), so both are kept.
  enum class Verdict { kOpen, kText, kUnsure };
  Verdict content = Verdict::kOpen, text = Verdict::kOpen;
  std::optional<bool> text_first_unsure;  // whether the first non-null `text` value is unsure
  auto judge_text = [&](std::size_t p, Verdict& v, std::optional<bool>* first_unsure) {
    if (v != Verdict::kOpen && !(first_unsure && !*first_unsure)) return;
    if (b.substr(p, 4) == "null") return;
    Verdict now;
    if (p >= b.size() || b[p] != '"') {
      now = Verdict::kUnsure;
    } else {
      const std::optional<bool> is_blank = raw_string_blank(b, p);
      now = !is_blank ? Verdict::kUnsure : *is_blank ? Verdict::kOpen : Verdict::kText;
    }
    if (first_unsure && !*first_unsure) *first_unsure = now == Verdict::kUnsure;
    if (v == Verdict::kOpen) v = now;
  };
  auto key_at = [&](std::size_t k, std::string_view key) -> std::size_t {  // value or npos
    if (b.compare(k + 1, key.size(), key) != 0 || k + 1 + key.size() >= b.size() ||
        b[k + 1 + key.size()] != '"')
      return std::string_view::npos;
    std::size_t p = skip_ws(b, k + 2 + key.size());
    if (p >= b.size() || b[p] != ':') return std::string_view::npos;
    return skip_ws(b, p + 1);
  };
  // scan_finish_reason's answer, from the same candidates: every `"finish_reason"` starts with
  // `"f`. Its rule: occurrences from where its search would resume (`reason_from`), the first
  // one with a plain string value (protocol::plain_string_after, which both use) gives it.
  std::optional<std::string_view> reason;
  bool reason_seen = false;
  std::size_t reason_from = 0;
  constexpr std::string_view kReasonKey = "\"finish_reason\"";
  for (std::size_t k = 0; (k = next_candidate(b, k)) < b.size(); ++k) {
    std::size_t p;
    if (finish_reason && !reason && k >= reason_from &&
        b.substr(k, kReasonKey.size()) == kReasonKey) {
      reason_seen = true;
      reason_from = k + kReasonKey.size();
      reason = protocol::plain_string_after(b, reason_from);
    }
    switch (b[k + 1]) {
      case 't':
        if ((p = key_at(k, "tool_calls")) != std::string_view::npos) {
          if (p < b.size() && b[p] == '[') {
            const std::size_t close = skip_ws(b, p + 1);
            if (close < b.size() && b[close] == ']') break;
          }
          if (b.substr(p, 4) == "null") break;
          return std::nullopt;
        }
        if ((p = key_at(k, "text")) != std::string_view::npos)
          judge_text(p, text, &text_first_unsure);
        break;
      case 'f':
        if ((p = key_at(k, "finish_reason")) != std::string_view::npos &&
            b.substr(p, 16) == "\"content_filter\"")
          s.refusal = true;
        break;
      case 'r':
        if ((p = key_at(k, "refusal")) != std::string_view::npos && p + 1 < b.size() &&
            b[p] == '"' && b[p + 1] != '"')
          s.refusal = true;
        break;
      case 'c':
        if ((p = key_at(k, "content")) != std::string_view::npos) judge_text(p, content, nullptr);
        break;
      default:
        break;
    }
  }
  if (finish_reason && reason_seen) *finish_reason = reason.value_or(std::string_view());
  // The content values are judged first; once one is text, the `text` values only matter in
  // that the first non-null one must not be unsure.
  bool unsure = false, any_text = false;
  if (content == Verdict::kUnsure) {
    unsure = true;
  } else if (content == Verdict::kText) {
    any_text = true;
    unsure = text_first_unsure.value_or(false);
  } else {
    unsure = text == Verdict::kUnsure;
    any_text = text == Verdict::kText;
  }
  if (unsure) return std::nullopt;
  if (any_text) s.text = "x";
  return judge(s, q);
}

AnswerChecks check_answer(std::string_view body, Endpoint endpoint, const QualityRequest& q) {
  if (!q.generates) return {};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return {};
  return check_parsed_answer(v, endpoint, q);
}

AnswerChecks check_parsed_answer(const json::value& answer, Endpoint endpoint,
                                 const QualityRequest& q) {
  if (!answer.is_object()) return {};
  return check_parsed_answer(answer.as_object(), endpoint, q);
}

AnswerChecks check_parsed_answer(const json::object& o, Endpoint endpoint,
                                 const QualityRequest& q) {
  if (!q.generates) return {};
  Said s;
  if (endpoint == Endpoint::kMessages)
    read_message(o, s);
  else if (endpoint == Endpoint::kResponses)
    read_response(o, s);
  else
    read_chat(o, s);
  return judge(s, q);
}

void StreamChecks::on_event(std::string_view data, const protocol::EventScan& scan) {
  if (!q_.generates) return;
  // The scan's triggers first: only an event that may carry a tool call, a final Responses
  // object or (JSON mode) text is parsed.
  if (scan.refusal) refusal_ = true;
  const bool need_text = q_.json_mode;
  const bool final = endpoint_ == Endpoint::kResponses && scan.final_response;
  if (!need_text && !scan.tool && !final) return;
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return;
  const json::object& o = v.as_object();
  if (final) {
    if (const json::object* r = member_obj(o, "response")) {
      Said s;
      read_response(*r, s);
      final_ = judge(s, q_);
      final_seen_ = true;
    }
    return;
  }
  // Chat chunks: choices[].delta.content / tool_calls[].function.arguments by index.
  if (const json::value* choices = o.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& c : choices->as_array()) {
      const json::object* co = obj(&c);
      const json::object* d = co ? member_obj(*co, "delta") : nullptr;
      if (!d) continue;
      text_ += member_str(*d, "content");
      if (const json::value* tc = d->if_contains("tool_calls"); tc && tc->is_array())
        for (const auto& call : tc->as_array()) {
          const json::object* callo = obj(&call);
          if (!callo) continue;
          std::size_t idx = tool_args_.size();
          if (const json::value* i = callo->if_contains("index"); i && i->is_int64())
            idx = static_cast<std::size_t>(std::max<std::int64_t>(0, i->as_int64()));
          if (idx > 1024) continue;
          if (tool_args_.size() <= idx) tool_args_.resize(idx + 1);
          if (const json::object* fn = member_obj(*callo, "function"))
            tool_args_[idx] += member_str(*fn, "arguments");
        }
    }
    return;
  }
  // Anthropic events: text deltas, tool_use blocks and their input_json_delta fragments.
  const std::string_view type = member_str(o, "type");
  if (type == "content_block_start") {
    if (const json::object* b = member_obj(o, "content_block");
        b && member_str(*b, "type") == "tool_use") {
      tool_args_.emplace_back();
      if (const json::value* in = b->if_contains("input");
          in && in->is_object() && !in->as_object().empty())
        tool_args_.back() = json::serialize(*in);
    }
  } else if (type == "content_block_delta") {
    if (const json::object* d = member_obj(o, "delta")) {
      const std::string_view dt = member_str(*d, "type");
      if (dt == "text_delta") text_ += member_str(*d, "text");
      if (dt == "input_json_delta" && !tool_args_.empty())
        tool_args_.back() += member_str(*d, "partial_json");
    }
  }
}

AnswerChecks StreamChecks::finish(std::size_t output_chars, std::string_view finish_reason) const {
  if (!q_.generates) return {};
  if (final_seen_) return final_;
  AnswerChecks c;
  const bool refusal = refusal_ || finish_reason == "content_filter" || finish_reason == "refusal";
  const bool tool_call =
      !tool_args_.empty() || finish_reason == "tool_calls" || finish_reason == "tool_use";
  c.refusal = refusal ? 1 : 0;
  c.empty = !refusal && !tool_call && output_chars == 0 && blank(text_) ? 1 : 0;
  if (q_.json_mode && !refusal && !tool_call) c.json_invalid = json_invalid(text_, q_);
  if (!tool_args_.empty()) {
    c.tool_args_invalid = 0;
    for (const auto& a : tool_args_)
      if (!parses_as_object(a.empty() ? std::string_view("{}") : std::string_view(a)))
        c.tool_args_invalid = 1;
  }
  return c;
}

}  // namespace llmctl::gateway
