// LLM client-code rules (LLM001-LLM009) over Python, JavaScript/TypeScript and Go. A lexical
// pass finds client constructors, LLM call sites (OpenAI, Anthropic and LiteLLM SDKs) and raw
// HTTP calls to LLM APIs, and reads their keyword arguments / object-literal keys within the
// balanced parentheses. Variables holding clients, payloads and prompts are resolved within the
// file only.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "audit/internal.h"
#include "audit/lexer.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

constexpr size_t kLongPromptChars = 4096;     // ~1,024 tokens: Anthropic's minimum cacheable
constexpr size_t kStaticAfterDynamic = 2048;  // ~512 tokens of prefix lost to a dynamic head

constexpr std::string_view kLlmHosts[] = {"api.openai.com",
                                          "api.anthropic.com",
                                          "generativelanguage.googleapis.com",
                                          "aiplatform.googleapis.com",
                                          "api.mistral.ai",
                                          "api.groq.com",
                                          "api.together.xyz",
                                          "api.together.ai",
                                          "openrouter.ai/api",
                                          "api.deepseek.com",
                                          "api.cohere.ai",
                                          "api.cohere.com",
                                          "api.fireworks.ai",
                                          "api.perplexity.ai",
                                          "api.x.ai",
                                          ".openai.azure.com",
                                          "bedrock-runtime."};

std::string provider_of_host(std::string_view url) {
  std::string l = to_lower(url);
  if (contains(l, "api.openai.com")) return "openai";
  if (contains(l, "openai.azure.com")) return "azure-openai";
  if (contains(l, "anthropic.com")) return "anthropic";
  if (contains(l, "googleapis.com")) return "google";
  if (contains(l, "mistral.ai")) return "mistral";
  if (contains(l, "groq.com")) return "groq";
  if (contains(l, "together")) return "together";
  if (contains(l, "openrouter.ai")) return "openrouter";
  if (contains(l, "deepseek")) return "deepseek";
  if (contains(l, "cohere")) return "cohere";
  if (contains(l, "fireworks")) return "fireworks";
  if (contains(l, "perplexity")) return "perplexity";
  if (contains(l, "api.x.ai")) return "xai";
  if (contains(l, "bedrock")) return "aws-bedrock";
  return "";
}

bool llm_url(std::string_view s) {
  for (auto h : kLlmHosts)
    if (contains(s, h)) return true;
  return false;
}

struct Client {
  std::string provider;  // openai | anthropic | azure-openai | groq | together | litellm-router
  bool timeout = false;
  bool retries_zero = false;
  Pos retries_pos;
  bool base_url = false;
  int line = 0;
};

struct Keys {
  std::set<std::string> names;  // argument / object keys present
  bool unknown = false;         // **kwargs, ...spread or an unresolvable variable
  std::map<std::string, std::pair<size_t, size_t>> values;  // key -> token range of its value
};

class CodeScan {
 public:
  CodeScan(FileCtx& f, Lang lang) : f_(f), lang_(lang), t_(lex(f.text, lang)) {}

  void run();

 private:
  FileCtx& f_;
  Lang lang_;
  std::vector<Tok> t_;
  std::map<std::string, Client> clients_;
  std::vector<size_t> llm_calls_;  // '(' token index of every LLM call
  std::set<std::string> providers_;
  Pos first_call_;
  bool module_timeout_ = false;  // openai.timeout = / litellm.request_timeout =
  bool retry_markers_ = false;
  bool timeout_markers_go_ = false;

  bool tok_is(size_t i, std::string_view s) const { return i < t_.size() && t_[i].text == s; }
  Pos pos(size_t i) const { return f_.pos_of(t_[std::min(i, t_.size() - 1)].offset); }

  size_t close_of(size_t open) const {
    std::string_view o = t_[open].text;
    std::string_view c = o == "(" ? ")" : o == "[" ? "]" : "}";
    int depth = 0;
    for (size_t i = open; i < t_.size(); ++i) {
      if (t_[i].kind != Tok::Kind::kPunct) continue;
      if (t_[i].text == o) ++depth;
      if (t_[i].text == c && --depth == 0) return i;
    }
    return t_.size() - 1;
  }

  // Top-level comma-separated ranges inside (open, close).
  std::vector<std::pair<size_t, size_t>> split_args(size_t open, size_t close) const {
    std::vector<std::pair<size_t, size_t>> out;
    size_t b = open + 1;
    int depth = 0;
    for (size_t i = open + 1; i < close; ++i) {
      std::string_view x = t_[i].text;
      if (t_[i].kind == Tok::Kind::kPunct) {
        if (x == "(" || x == "[" || x == "{") ++depth;
        if (x == ")" || x == "]" || x == "}") --depth;
        if (x == "," && depth == 0) {
          if (i > b) out.emplace_back(b, i);
          b = i + 1;
        }
      }
    }
    if (close > b) out.emplace_back(b, close);
    return out;
  }

  // The dotted chain ending at the identifier before `open`: ["client","chat","completions",
  // "create"]. Call groups in the chain (with_options(...)) are kept as "with_options()" and
  // their argument ranges recorded.
  struct Chain {
    std::vector<std::string> parts;
    size_t start = 0;                                    // first token of the chain
    std::vector<std::pair<size_t, size_t>> inner_calls;  // (open, close) of calls inside
    bool is_new = false;
  };
  Chain chain_before(size_t open) const {
    Chain ch;
    if (open == 0 || !t_[open - 1].ident()) return ch;
    size_t i = open - 1;
    ch.parts.insert(ch.parts.begin(), std::string(t_[i].text));
    ch.start = i;
    while (i >= 2 && t_[i - 1].text == ".") {
      size_t j = i - 2;
      if (t_[j].ident()) {
        ch.parts.insert(ch.parts.begin(), std::string(t_[j].text));
        ch.start = j;
        i = j;
        continue;
      }
      if (t_[j].text == ")") {
        int depth = 0;
        size_t k = j;
        for (;; --k) {
          if (t_[k].text == ")") ++depth;
          if (t_[k].text == "(" && --depth == 0) break;
          if (k == 0) return ch;
        }
        if (k == 0 || !t_[k - 1].ident()) break;
        ch.inner_calls.emplace_back(k, j);
        ch.parts.insert(ch.parts.begin(), std::string(t_[k - 1].text) + "()");
        ch.start = k - 1;
        i = k - 1;
        continue;
      }
      break;
    }
    ch.is_new = ch.start > 0 && t_[ch.start - 1].text == "new";
    return ch;
  }

  // Keys of an argument list: Python kwargs, JS object literal keys, Go struct literal keys.
  void keys_of_range(size_t b, size_t e, Keys& k, int depth = 0) const {
    if (b >= e || depth > 3) return;
    const Tok& first = t_[b];
    if (first.text == "**" || first.text == "...") {
      k.unknown = true;
      return;
    }
    if (lang_ == Lang::kPython && first.ident() && tok_is(b + 1, "=")) {
      k.names.insert(std::string(first.text));
      k.values[std::string(first.text)] = {b + 2, e};
      return;
    }
    // An object / dict / struct literal: find its braces.
    size_t brace = b;
    while (brace < e && t_[brace].text != "{" && t_[brace].text != "(") ++brace;
    if (brace < e && t_[brace].text == "{") {
      size_t close = close_of(brace);
      for (auto [kb, ke] : split_args(brace, close)) {
        if (t_[kb].text == "..." || t_[kb].text == "**") {
          k.unknown = true;
          continue;
        }
        if ((t_[kb].ident() || t_[kb].string()) && tok_is(kb + 1, ":")) {
          std::string key = t_[kb].string() ? t_[kb].value : std::string(t_[kb].text);
          k.names.insert(key);
          k.values[key] = {kb + 2, ke};
        } else if (t_[kb].ident() && kb + 1 == ke) {
          k.names.insert(std::string(t_[kb].text));  // shorthand { model, messages }
        }
      }
      return;
    }
    // dict(max_tokens=...)
    if (first.ident() && first.text == "dict" && tok_is(b + 1, "(")) {
      size_t close = close_of(b + 1);
      for (auto [kb, ke] : split_args(b + 1, close)) keys_of_range(kb, ke, k, depth + 1);
      return;
    }
    // A variable: resolve its last assignment in the file.
    if (first.ident() && b + 1 == e) {
      if (!resolve_var(first.text, b, k, depth)) k.unknown = true;
    }
  }

  // Finds `name = {...}` / `name := T{...}` / `const name = {...}` before `before` and reads its
  // keys, plus later `name["key"] =` / `name.key =` assignments anywhere.
  bool resolve_var(std::string_view name, size_t before, Keys& k, int depth) const {
    bool found = false;
    for (size_t i = 0; i + 2 < t_.size(); ++i) {
      if (!t_[i].ident() || t_[i].text != name) continue;
      if (i > 0 && t_[i - 1].text == ".") continue;
      if ((tok_is(i + 1, "=") || tok_is(i + 1, ":=")) && i < before) {
        size_t vb = i + 2;
        size_t ve = vb;
        int d = 0;
        while (ve < t_.size()) {
          std::string_view x = t_[ve].text;
          if (t_[ve].kind == Tok::Kind::kPunct) {
            if (x == "(" || x == "[" || x == "{") ++d;
            if (x == ")" || x == "]" || x == "}") {
              if (d == 0) break;
              --d;
              if (d == 0) {
                ++ve;
                break;
              }
            }
            if (d == 0 && (x == ";" || x == ",")) break;
          }
          // A statement ends at a newline at depth 0.
          if (d == 0 && ve > vb && line_of(ve) != line_of(ve - 1)) break;
          ++ve;
        }
        Keys kk;
        keys_of_range(vb, ve, kk, depth + 1);
        k.names = kk.names;
        k.values = kk.values;
        k.unknown = kk.unknown;
        found = true;
      }
      // name["max_tokens"] = ... / name.max_tokens = ... / name.MaxTokens = ...
      if (tok_is(i + 1, "[") && i + 2 < t_.size() && t_[i + 2].string()) {
        k.names.insert(t_[i + 2].value);
      }
      if (tok_is(i + 1, ".") && i + 2 < t_.size() && t_[i + 2].ident() && tok_is(i + 3, "=")) {
        k.names.insert(std::string(t_[i + 2].text));
      }
    }
    return found;
  }

  int line_of(size_t i) const { return f_.pos_of(t_[i].offset).line; }

  // Last string literal assigned to `name` (for prompts and URLs), or nullptr.
  const Tok* string_var(std::string_view name, size_t before) const {
    const Tok* found = nullptr;
    for (size_t i = 0; i + 2 < t_.size() && i < before; ++i) {
      if (!t_[i].ident() || t_[i].text != name || (i > 0 && t_[i - 1].text == ".")) continue;
      size_t v = i + 1;
      if (tok_is(v, ":") && lang_ == Lang::kPython) v += 2;  // NAME: str = "..."
      if (!(tok_is(v, "=") || tok_is(v, ":="))) continue;
      size_t s = v + 1;
      while (s < t_.size() && t_[s].text == "(") ++s;  // ("..." "...") concatenation
      if (s < t_.size() && t_[s].string()) found = &t_[s];
    }
    return found;
  }

  // Static text length of a string expression starting at `b`: adjacent literals and
  // `+` concatenations of literals and known string variables.
  size_t static_length(size_t b, size_t e) const {
    size_t n = 0;
    for (size_t i = b; i < e; ++i) {
      if (t_[i].string())
        n += t_[i].value.size();
      else if (t_[i].ident() && !(i + 1 < e && t_[i + 1].text == "(")) {
        if (const Tok* s = string_var(t_[i].text, b)) n += s->value.size();
      }
    }
    return n;
  }

  bool key_has_value(const Keys& k, std::string_view key, std::string_view value) const {
    auto it = k.values.find(std::string(key));
    if (it == k.values.end()) return false;
    auto [b, e] = it->second;
    return e == b + 1 && t_[b].text == value;
  }

  const Tok* key_string(const Keys& k, std::string_view key) const {
    auto it = k.values.find(std::string(key));
    if (it == k.values.end()) return nullptr;
    auto [b, e] = it->second;
    for (size_t i = b; i < e; ++i)
      if (t_[i].string()) return &t_[i];
    return nullptr;
  }

  void scan_markers();
  void scan_clients();
  void scan_calls();
  void scan_raw_http();
  void scan_keys();
  void scan_dynamic_prompts();
  void scan_loops();
  void check_model_literals();
  void handle_llm_call(size_t open, const Chain& ch, const std::string& family,
                       const Client* client, bool module_client);
  bool dynamic_expr(std::string_view e) const;
  std::set<std::string> dynamic_vars_;
};

bool has_import(std::string_view text, Lang lang, std::string_view pkg) {
  if (lang == Lang::kPython)
    return contains(text, fmt::format("import {}", pkg)) ||
           contains(text, fmt::format("from {}", pkg));
  if (lang == Lang::kJavaScript)
    return contains(text, fmt::format("'{}'", pkg)) || contains(text, fmt::format("\"{}\"", pkg));
  return contains(text, pkg);
}

void CodeScan::scan_markers() {
  std::string_view x = f_.text;
  // Retry code shows in identifiers (@retry, tenacity, backoff.on_exception, for attempt in ...,
  // pRetry), not in comments; the SDK's own option names do not count.
  for (const Tok& t : t_) {
    if (!t.ident()) continue;
    if (t.text == "max_retries" || t.text == "maxRetries" || t.text == "num_retries" ||
        t.text == "WithMaxRetries")
      continue;
    std::string l = to_lower(t.text);
    if (contains(l, "retry") || contains(l, "retries") || contains(l, "backoff") ||
        contains(l, "tenacity") || contains(l, "attempt")) {
      retry_markers_ = true;
      break;
    }
  }
  timeout_markers_go_ = contains(x, "WithRequestTimeout") || contains(x, "context.WithTimeout") ||
                        contains(x, "context.WithDeadline") || contains(x, "Timeout:");
  for (size_t i = 0; i + 3 < t_.size(); ++i) {
    if (t_[i].ident() && tok_is(i + 1, ".") && tok_is(i + 3, "=")) {
      std::string mod(t_[i].text), attr(t_[i + 2].text);
      if ((mod == "openai" && attr == "timeout") ||
          (mod == "litellm" && (attr == "request_timeout" || attr == "timeout")))
        module_timeout_ = true;
      if (mod == "openai" && (attr == "base_url" || attr == "api_base"))
        f_.facts.gateway_or_override = true;
    }
  }
  if (contains(x, "OPENAI_BASE_URL") || contains(x, "OPENAI_API_BASE") ||
      contains(x, "ANTHROPIC_BASE_URL"))
    f_.facts.gateway_or_override = true;
}

void CodeScan::scan_clients() {
  static const std::map<std::string_view, std::string_view> kCtors = {
      {"OpenAI", "openai"},
      {"AsyncOpenAI", "openai"},
      {"AzureOpenAI", "azure-openai"},
      {"AsyncAzureOpenAI", "azure-openai"},
      {"Anthropic", "anthropic"},
      {"AsyncAnthropic", "anthropic"},
      {"AnthropicBedrock", "aws-bedrock"},
      {"AsyncAnthropicBedrock", "aws-bedrock"},
      {"AnthropicVertex", "google-vertex"},
      {"AsyncAnthropicVertex", "google-vertex"},
      {"Groq", "groq"},
      {"AsyncGroq", "groq"},
      {"Together", "together"},
      {"AsyncTogether", "together"},
      {"Router", "litellm-router"}};
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    if (ch.parts.empty()) continue;
    std::string last = ch.parts.back();
    std::string provider;
    if (lang_ == Lang::kGo) {
      if ((last == "NewClient" || last == "NewClientWithConfig") && ch.parts.size() == 2) {
        if (ch.parts[0] == "openai" || ch.parts[0] == "azopenai") provider = "openai";
        if (ch.parts[0] == "anthropic") provider = "anthropic";
      }
    } else if (auto it = kCtors.find(last); it != kCtors.end()) {
      if (last == "Router" && !has_import(f_.text, lang_, "litellm")) continue;
      if (lang_ == Lang::kJavaScript && !ch.is_new) continue;
      provider = std::string(it->second);
    }
    if (provider.empty()) continue;
    size_t close = close_of(i);
    Client c;
    c.provider = provider;
    c.line = pos(i).line;
    Keys k;
    for (auto [b, e] : split_args(i, close)) keys_of_range(b, e, k);
    c.timeout = k.names.count("timeout") > 0;
    c.base_url = k.names.count("base_url") || k.names.count("baseURL") ||
                 k.names.count("api_base") || k.names.count("baseUrl");
    for (std::string_view key : {"max_retries", "maxRetries", "num_retries"})
      if (key_has_value(k, key, "0")) {
        c.retries_zero = true;
        c.retries_pos = pos(k.values[std::string(key)].first);
      }
    if (lang_ == Lang::kGo) {
      for (size_t j = i; j < close; ++j) {
        if (t_[j].text == "WithRequestTimeout" || t_[j].text == "Timeout") c.timeout = true;
        if (t_[j].text == "WithBaseURL" || t_[j].text == "BaseURL") c.base_url = true;
        if (t_[j].text == "WithMaxRetries" && tok_is(j + 2, "0")) {
          c.retries_zero = true;
          c.retries_pos = pos(j);
        }
      }
      if (contains(f_.text, ".BaseURL =")) c.base_url = true;
    }
    if (provider == "litellm-router") {
      c.timeout = c.timeout || k.names.count("timeout");
      f_.facts.gateway_or_override = true;
    }
    if (c.base_url) f_.facts.gateway_or_override = true;
    // Bind to the assigned name: x = Ctor(...), self.x = ..., const x = new Ctor(...), x := ...
    size_t s = ch.start - (ch.is_new ? 1 : 0);
    if (s >= 2 && (t_[s - 1].text == "=" || t_[s - 1].text == ":=") && t_[s - 2].ident())
      clients_[std::string(t_[s - 2].text)] = c;
    else if (s >= 4 && t_[s - 1].text == "=" && t_[s - 2].ident() && t_[s - 3].text == ":" &&
             t_[s - 4].ident())
      clients_[std::string(t_[s - 4].text)] = c;  // client: OpenAI = OpenAI()
    else if (s >= 1 && t_[s - 1].text == "return")
      clients_["<returned>"] = c;
    // Go: a ctor's value is often the only client; remember it for unbound receivers.
    clients_.try_emplace("<any:" + provider + ">", c);
  }
}

bool CodeScan::dynamic_expr(std::string_view e) const {
  std::string l = to_lower(trim(e));
  for (std::string_view k :
       {"datetime.now", "datetime.utcnow", "date.today", "time.time", "time.strftime", "time.ctime",
        "uuid", "date.now", "new date", "randomuuid", "math.random", "random.", "nanoid",
        "isoformat()", "toisostring", "tolocale"})
    if (contains(l, k)) return true;
  std::string base = l;
  size_t cut = base.find_first_of(".[(:!");
  if (cut != std::string::npos) base = base.substr(0, cut);
  if (dynamic_vars_.count(base)) return true;
  for (std::string_view k :
       {"now",         "today",       "timestamp", "current_time", "current_date",
        "currenttime", "currentdate", "date_str",  "datestr",      "request_id",
        "requestid",   "session_id",  "sessionid", "trace_id",     "traceid",
        "user_id",     "userid",      "run_id",    "runid",        "uid"})
    if (base == k) return true;
  return false;
}

void CodeScan::handle_llm_call(size_t open, const Chain& ch, const std::string& family,
                               const Client* client, bool module_client) {
  size_t close = close_of(open);
  Pos at = pos(ch.start);
  llm_calls_.push_back(open);
  if (f_.non_production()) return;
  std::string provider = client ? client->provider : family;
  if (family == "litellm") {
    f_.facts.gateway_or_override = true;
    provider = "litellm";
  }
  providers_.insert(provider);
  if (!first_call_.line) first_call_ = at;
  Keys k;
  auto args = split_args(open, close);
  Keys options;  // JS second argument: request options
  if (lang_ == Lang::kJavaScript && args.size() >= 2) {
    keys_of_range(args[0].first, args[0].second, k);
    keys_of_range(args[1].first, args[1].second, options);
  } else if (lang_ == Lang::kGo) {
    // Go: the params struct literal (or the variable holding it) is the last argument; ctx and
    // request options come before or after it.
    bool literal = false;
    for (auto [b, e] : args)
      for (size_t j = b; j < e; ++j)
        if (t_[j].text == "{") literal = true;
    for (auto [b, e] : args) {
      bool has_brace = false;
      for (size_t j = b; j < e; ++j) has_brace = has_brace || t_[j].text == "{";
      if (literal ? has_brace : (b + 1 == e && t_[b].ident() && t_[b].text != "ctx"))
        keys_of_range(b, e, k);
    }
  } else {
    for (auto [b, e] : args) keys_of_range(b, e, k);
  }
  bool with_timeout = false, with_retries_zero = false;
  Pos wr_pos;
  for (auto [ob, oc] : ch.inner_calls) {
    Keys wk;
    for (auto [b, e] : split_args(ob, oc)) keys_of_range(b, e, wk);
    with_timeout = with_timeout || wk.names.count("timeout");
    for (std::string_view key : {"max_retries", "maxRetries"})
      if (key_has_value(wk, key, "0")) with_retries_zero = true, wr_pos = pos(ob);
  }
  std::string call =
      join(std::vector<std::string>(ch.parts.begin() + std::min<size_t>(1, ch.parts.size() - 1),
                                    ch.parts.end()),
           ".");
  // LLM001: no timeout.
  bool timeout = k.names.count("timeout") || k.names.count("request_timeout") ||
                 options.names.count("timeout") || options.names.count("signal") || with_timeout ||
                 (client && client->timeout) || (module_client && module_timeout_);
  bool unknown_client = !client && !module_client && family != "litellm";
  if (lang_ == Lang::kGo) {
    timeout = timeout || timeout_markers_go_;
    unknown_client = false;
  }
  if (!timeout && !unknown_client && !k.unknown)
    f_.emit("LLM001", at,
            fmt::format("{}(...) has no timeout{}: the {} default is {}", call,
                        client ? fmt::format(" (client from line {} sets none)", client->line) : "",
                        family == "litellm" ? "LiteLLM" : "SDK",
                        family == "litellm" ? "6000 s" : "10 minutes"),
            lang_ == Lang::kPython
                ? "pass timeout= (e.g. 30-120 s) to the client constructor or the call"
            : lang_ == Lang::kGo ? "use option.WithRequestTimeout or a context with a deadline"
                                 : "pass { timeout: ms } to the client or as request options");
  // LLM002: retries switched off.
  bool call_retries_zero = key_has_value(k, "max_retries", "0") ||
                           key_has_value(options, "maxRetries", "0") ||
                           key_has_value(k, "num_retries", "0");
  if ((call_retries_zero || with_retries_zero || (client && client->retries_zero)) &&
      !retry_markers_) {
    Pos rp = call_retries_zero ? at : with_retries_zero ? wr_pos : client->retries_pos;
    f_.emit("LLM002", rp,
            fmt::format("retries are disabled (max_retries=0) for {}(...) and nothing else in the "
                        "file retries: one 429 or 5xx fails the request",
                        call),
            "keep the SDK's retries (default 2, exponential backoff) or wrap the call in "
            "tenacity/backoff; disable them only behind a gateway that retries");
  }
  // LLM003: no output cap.
  if (!k.unknown) {
    bool cap = false;
    for (std::string_view key :
         {"max_tokens", "max_completion_tokens", "max_output_tokens", "maxTokens", "MaxTokens",
          "MaxCompletionTokens", "MaxOutputTokens", "max_new_tokens"})
      cap = cap || k.names.count(std::string(key));
    if (!cap)
      f_.emit("LLM003", at,
              fmt::format("{}(...) sets no output cap (max_tokens / max_completion_tokens / "
                          "max_output_tokens): one runaway generation costs the model's whole "
                          "output limit",
                          call),
              "pass max_tokens (max_completion_tokens for OpenAI reasoning models, "
              "max_output_tokens for the Responses API) sized to the longest answer you expect");
  }
  // LLM004 on the model argument.
  for (std::string_view key : {"model", "Model"}) {
    auto it = k.values.find(std::string(key));
    if (it == k.values.end()) continue;
    for (size_t i = it->second.first; i < it->second.second; ++i) {
      const Tok& v = t_[i];
      std::string s = v.string() ? v.value : (v.ident() ? std::string(v.text) : "");
      if (v.ident() && !ends_with(s, "Latest")) continue;
      if (v.ident() && i + 1 < it->second.second && t_[i + 1].text == ".") continue;
      std::string name = s;
      if (size_t slash = name.find_last_of('/'); slash != std::string::npos)
        name = name.substr(slash + 1);
      std::string l = to_lower(name);
      bool floating = ends_with(l, "-latest") || ends_with(s, "Latest") ||
                      starts_with(l, "chatgpt-") || l == "gpt-4-turbo-preview" ||
                      l == "gpt-4-vision-preview" || l == "gpt-3.5-turbo";
      if (floating)
        f_.emit("LLM004", pos(i),
                fmt::format("model '{}' is a floating alias: the provider repoints it to new "
                            "snapshots, so behaviour, cost and evals change without a deploy",
                            s),
                "pin a dated snapshot (e.g. claude-3-5-sonnet-20241022, gpt-4o-2024-08-06) and "
                "move it deliberately after evals");
    }
  }
  // LLM009: long static system prompt to Anthropic without cache_control.
  if (provider == "anthropic" || provider == "aws-bedrock" || provider == "google-vertex") {
    bool cached = false;
    for (size_t i = open; i < close; ++i)
      if (t_[i].text == "cache_control" || t_[i].text == "CacheControl" ||
          (t_[i].string() && t_[i].value == "cache_control"))
        cached = true;
    auto it = k.values.find("system");
    if (it == k.values.end()) it = k.values.find("System");
    if (!cached && it != k.values.end()) {
      size_t len = static_length(it->second.first, it->second.second);
      // Lists of blocks: look inside for text blocks.
      if (len >= kLongPromptChars)
        f_.emit("LLM009", pos(it->second.first),
                fmt::format("a {}-character static system prompt (~{} tokens) goes to Anthropic "
                            "without cache_control: every call pays full input price for it",
                            len, len / 4),
                "send system as [{\"type\": \"text\", \"text\": PROMPT, \"cache_control\": "
                "{\"type\": \"ephemeral\"}}] (cache reads cost 10% of input)");
    }
  }
}

void CodeScan::scan_calls() {
  bool openai = has_import(f_.text, lang_, "openai") ||
                (lang_ == Lang::kGo && (contains(f_.text, "github.com/openai/openai-go") ||
                                        contains(f_.text, "sashabaranov/go-openai")));
  bool anthropic = has_import(f_.text, lang_, "anthropic") ||
                   has_import(f_.text, lang_, "@anthropic-ai/sdk") ||
                   (lang_ == Lang::kGo && contains(f_.text, "anthropic-sdk-go"));
  bool litellm = has_import(f_.text, lang_, "litellm");
  bool groq = has_import(f_.text, lang_, "groq") || has_import(f_.text, lang_, "groq-sdk");
  std::set<std::string> litellm_names;  // from litellm import completion, acompletion
  if (litellm && lang_ == Lang::kPython)
    for (size_t i = 0; i + 2 < t_.size(); ++i)
      if (t_[i].text == "from" && t_[i + 1].text == "litellm" && t_[i + 2].text == "import")
        for (size_t j = i + 3; j < t_.size() && line_of(j) == line_of(i); ++j)
          if (t_[j].ident()) litellm_names.insert(std::string(t_[j].text));
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    if (ch.parts.empty()) continue;
    const auto& p = ch.parts;
    auto ends = [&](std::initializer_list<std::string_view> tail) {
      if (p.size() < tail.size()) return false;
      size_t off = p.size() - tail.size();
      size_t j = 0;
      for (auto s : tail)
        if (p[off + j++] != s) return false;
      return true;
    };
    std::string family;
    size_t method_parts = 0;
    if (lang_ == Lang::kGo) {
      if (ends({"Chat", "Completions", "New"}) || ends({"Chat", "Completions", "NewStreaming"}))
        family = "openai", method_parts = 3;
      else if (ends({"Responses", "New"}) || ends({"Responses", "NewStreaming"}))
        family = "openai", method_parts = 2;
      else if (ends({"CreateChatCompletion"}) || ends({"CreateChatCompletionStream"}) ||
               ends({"CreateCompletion"}))
        family = "openai", method_parts = 1;
      else if (ends({"Messages", "New"}) || ends({"Messages", "NewStreaming"}))
        family = "anthropic", method_parts = 2;
      if (family == "openai" && !openai) family.clear();
      if (family == "anthropic" && !anthropic) family.clear();
    } else {
      if (ends({"chat", "completions", "create"}) || ends({"chat", "completions", "parse"}) ||
          ends({"chat", "completions", "stream"}))
        family = "openai", method_parts = 3;
      else if (ends({"responses", "create"}) || ends({"responses", "parse"}) ||
               ends({"responses", "stream"}) || ends({"ChatCompletion", "create"}) ||
               ends({"ChatCompletion", "acreate"}))
        family = "openai", method_parts = 2;
      else if (ends({"messages", "create"}) || ends({"messages", "stream"}))
        family = "anthropic", method_parts = 2;
      else if (litellm && p.size() == 2 && p[0] == "litellm" &&
               (p[1] == "completion" || p[1] == "acompletion" || p[1] == "responses" ||
                p[1] == "aresponses" || p[1] == "text_completion"))
        family = "litellm", method_parts = 1;
      else if (litellm && p.size() == 1 && litellm_names.count(p[0]) &&
               (p[0] == "completion" || p[0] == "acompletion"))
        family = "litellm", method_parts = 1;
      if (family == "openai" && !openai && !groq) family.clear();
      if (family == "anthropic" && !anthropic) family.clear();
    }
    if (family.empty()) continue;
    // Receiver: the identifier before the method path (client in client.chat.completions.create).
    const Client* client = nullptr;
    bool module_client = false;
    if (p.size() > method_parts) {
      std::string recv = p[p.size() - method_parts - 1];
      if (ends_with(recv, "()")) {
        // client.with_options(...).chat...: the receiver is before the call group.
        size_t idx = p.size() - method_parts - 2;
        recv = p.size() > method_parts + 1 ? p[idx] : "";
      }
      auto it = clients_.find(recv);
      if (it != clients_.end()) client = &it->second;
      if (recv == "openai" || recv == "anthropic" || recv == "litellm") module_client = true;
      if (!client && recv == "self" && p.size() > method_parts + 1) {
        auto it2 = clients_.find(p[p.size() - method_parts - 1]);
        if (it2 != clients_.end()) client = &it2->second;
      }
      if (!client && (recv == "router") && clients_.count("router"))
        client = &clients_.at("router");
    }
    if (family == "litellm" && p.size() == 2 && p[0] != "litellm") continue;
    if (p.size() == 2 && (p[0] == "router" || clients_.count(p[0])) && clients_.count(p[0]) &&
        clients_.at(p[0]).provider == "litellm-router")
      family = "litellm";
    if (lang_ == Lang::kGo && !client) {
      auto it = clients_.find("<any:" + family + ">");
      if (it != clients_.end())
        client = &it->second;
      else if (family == "openai" && !clients_.empty())
        for (const auto& [name, c] : clients_)
          if (c.provider == "openai") client = &c;
    }
    handle_llm_call(i, ch, family, client, module_client);
  }
  // Router calls: router.completion / router.acompletion.
  for (const auto& [name, c] : clients_) {
    if (c.provider != "litellm-router") continue;
    for (size_t i = 2; i < t_.size(); ++i)
      if (t_[i].text == "(" && t_[i - 1].ident() &&
          (t_[i - 1].text == "completion" || t_[i - 1].text == "acompletion") &&
          t_[i - 2].text == "." && i >= 3 && t_[i - 3].text == name)
        llm_calls_.push_back(i);
  }
}

void CodeScan::scan_raw_http() {
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    if (ch.parts.empty()) continue;
    const auto& p = ch.parts;
    std::string last = p.back();
    size_t close = close_of(i);
    auto args = split_args(i, close);
    if (args.empty()) continue;
    size_t url_arg = 0;
    bool py_requests = false, js_fetch = false, go_http = false;
    if (lang_ == Lang::kPython) {
      if (!(last == "post" || last == "request")) continue;
      py_requests = p.size() == 2 && p[0] == "requests";
      if (last == "request") url_arg = 1;
    } else if (lang_ == Lang::kJavaScript) {
      if (last == "fetch" && p.size() == 1)
        js_fetch = true;
      else if (!(last == "post" && p.size() == 2))
        continue;
    } else {
      if (last == "Post" && p.size() == 2 && p[0] == "http")
        go_http = true;
      else if ((last == "NewRequest" || last == "NewRequestWithContext") && p.size() == 2 &&
               p[0] == "http")
        go_http = true, url_arg = last == "NewRequest" ? 1 : 2;
      else
        continue;
    }
    if (url_arg >= args.size()) continue;
    // The URL: a literal (or f-string/template) or a variable holding one.
    std::string url;
    auto read_url = [&](size_t b, size_t e) {
      for (size_t j = b; j < e; ++j) {
        if (t_[j].string()) {
          url += t_[j].value;
        } else if (t_[j].ident()) {
          if (const Tok* s = string_var(t_[j].text, i)) url += s->value;
        }
      }
    };
    read_url(args[url_arg].first, args[url_arg].second);
    if (lang_ == Lang::kPython) {  // url= keyword
      for (auto [b, e] : args)
        if (t_[b].text == "url" && tok_is(b + 1, "=")) read_url(b + 2, e);
    }
    if (!llm_url(url)) continue;
    Pos at = pos(ch.start);
    llm_calls_.push_back(i);
    if (f_.non_production()) continue;
    std::string provider = provider_of_host(url);
    providers_.insert(provider);
    if (!first_call_.line) first_call_ = at;
    Keys k;
    if (lang_ == Lang::kPython) {
      for (auto [b, e] : args) keys_of_range(b, e, k);
    } else if (lang_ == Lang::kJavaScript && args.size() >= 2) {
      keys_of_range(args[1].first, args[1].second, k);
    }
    // LLM001: requests / fetch / axios / net/http have no default timeout (httpx and aiohttp do).
    bool timeout = k.names.count("timeout") || k.names.count("signal");
    bool applies = py_requests || js_fetch || go_http ||
                   (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios");
    if (go_http) timeout = timeout_markers_go_;
    if (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios" && args.size() >= 3) {
      Keys cfg;
      keys_of_range(args[2].first, args[2].second, cfg);
      timeout = cfg.names.count("timeout") || cfg.names.count("signal");
    }
    if (applies && !timeout)
      f_.emit("LLM001", at,
              fmt::format("raw HTTP call to {} has no timeout: {} waits forever on a stalled "
                          "connection",
                          provider,
                          py_requests ? "requests"
                          : go_http   ? "net/http's default "
                                        "client"
                                      : "fetch"),
              py_requests ? "pass timeout=(connect, read), e.g. timeout=(5, 120)"
              : go_http   ? "use an http.Client{Timeout: ...} or a context with a deadline"
                          : "pass signal: AbortSignal.timeout(ms)");
    // LLM002: raw call with no retry/backoff anywhere in the file.
    if (!retry_markers_)
      f_.emit("LLM002", at,
              fmt::format("raw HTTP call to {} with no retry or backoff: the SDKs retry 408/409/"
                          "429/5xx twice with exponential backoff, this call fails on the first",
                          provider),
              "use the provider SDK, or wrap the call with retries and exponential backoff "
              "(tenacity, backoff, p-retry) honouring Retry-After");
    // LLM003: payload without an output cap (only when the payload is visible).
    Keys body;
    bool visible = false;
    if (lang_ == Lang::kPython) {
      for (std::string_view key : {"json", "data"}) {
        auto it = k.values.find(std::string(key));
        if (it == k.values.end()) continue;
        keys_of_range(it->second.first, it->second.second, body);
        visible = !body.unknown;
      }
    } else if (lang_ == Lang::kJavaScript && args.size() >= 2) {
      auto it = k.values.find("body");
      if (it != k.values.end()) {
        size_t b = it->second.first, e = it->second.second;
        if (tok_is(b, "JSON") && tok_is(b + 2, "stringify")) {
          keys_of_range(b + 4, e - 1, body);  // body: JSON.stringify({...})
          visible = !body.unknown;
        } else {
          keys_of_range(b, e, body);  // body: payload (a variable holding the object)
          visible = !body.unknown && !body.names.empty();
        }
      }
    }
    if (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios" && args.size() >= 2) {
      keys_of_range(args[1].first, args[1].second, body);
      visible = !body.unknown && !body.names.empty();
    }
    if (visible) {
      bool cap = false;
      for (const auto& n : body.names)
        for (std::string_view key : {"max_tokens", "max_completion_tokens", "max_output_tokens",
                                     "maxOutputTokens", "generationConfig", "generation_config"})
          cap = cap || n == key;
      if (!cap)
        f_.emit("LLM003", at,
                fmt::format("request body to {} sets no output cap (max_tokens)", provider),
                "add max_tokens (or max_completion_tokens / max_output_tokens) to the body");
    }
  }
}

void CodeScan::scan_keys() {
  std::string_view x = f_.text;
  for (std::string_view prefix : {"sk-", "AIza", "hf_", "gsk_", "xai-"}) {
    size_t at = 0;
    while ((at = x.find(prefix, at)) != std::string_view::npos) {
      size_t b = at;
      at += prefix.size();
      if (b > 0 && (std::isalnum(static_cast<unsigned char>(x[b - 1])) || x[b - 1] == '_' ||
                    x[b - 1] == '-'))
        continue;
      size_t e = b;
      while (e < x.size() &&
             (std::isalnum(static_cast<unsigned char>(x[e])) || x[e] == '-' || x[e] == '_'))
        ++e;
      std::string_view key = x.substr(b, e - b);
      at = e;
      if (!looks_like_provider_key(key)) continue;
      // Real keys mix upper case, lower case and digits; names and placeholders do not.
      bool up = false, low = false, digit = false;
      for (char c : key.substr(prefix.size())) {
        up = up || std::isupper(static_cast<unsigned char>(c));
        low = low || std::islower(static_cast<unsigned char>(c));
        digit = digit || std::isdigit(static_cast<unsigned char>(c));
      }
      if (!(up && low && digit)) continue;
      f_.emit("LLM006", f_.pos_of(b),
              fmt::format("hard-coded API key '{}...{}' ({} characters)", key.substr(0, 7),
                          key.substr(key.size() - 3), key.size()),
              "revoke the key, then read it from the environment or a secret manager "
              "(OPENAI_API_KEY / ANTHROPIC_API_KEY are read by the SDKs automatically)");
    }
  }
}

void CodeScan::scan_dynamic_prompts() {
  if (f_.non_production()) return;
  // Variables bound to dynamic values: now = datetime.now(), const ts = Date.now(), ...
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (!t_[i].ident() || !(tok_is(i + 1, "=") || tok_is(i + 1, ":="))) continue;
    std::string rhs;
    for (size_t j = i + 2; j < t_.size() && j < i + 8 && line_of(j) == line_of(i); ++j)
      rhs += std::string(t_[j].text);
    if (dynamic_expr(rhs)) dynamic_vars_.insert(to_lower(t_[i].text));
  }
  auto report = [&](const Tok& s, size_t part_offset, const std::string& expr, size_t after) {
    f_.emit("LLM007", f_.pos_of(s.value_offset + std::min(part_offset, s.value.size())),
            fmt::format("dynamic value {{{}}} is placed before {} characters of static prompt "
                        "text: the prompt prefix changes on every call, so provider prompt "
                        "caching never hits",
                        trim(expr), after),
            "move the dynamic part (time, ids) to the end of the prompt or into the user "
            "message, and keep the long static instructions first");
  };
  for (size_t i = 0; i < t_.size(); ++i) {
    const Tok& s = t_[i];
    if (!s.string()) continue;
    std::vector<std::pair<size_t, std::string>> parts = s.parts;
    // "...{today}...".format(today=...)
    if (!s.interpolated && lang_ == Lang::kPython && tok_is(i + 1, ".") &&
        tok_is(i + 2, "format") && tok_is(i + 3, "(")) {
      Keys k;
      size_t close = close_of(i + 3);
      for (auto [b, e] : split_args(i + 3, close)) keys_of_range(b, e, k);
      for (size_t p = s.value.find('{'); p != std::string::npos; p = s.value.find('{', p + 1)) {
        size_t q = s.value.find('}', p);
        if (q == std::string::npos) break;
        std::string name = s.value.substr(p + 1, q - p - 1);
        std::string expr = name;
        if (auto it = k.values.find(name); it != k.values.end())
          for (size_t j = it->second.first; j < it->second.second; ++j)
            expr += " " + std::string(t_[j].text);
        parts.emplace_back(p, expr);
      }
    }
    if (parts.empty() || s.value.size() < kStaticAfterDynamic) continue;
    for (const auto& [off, expr] : parts) {
      if (!dynamic_expr(expr) && !dynamic_expr(expr.substr(expr.find(' ') + 1))) continue;
      size_t after = s.value.size() - off;
      size_t interp_chars = 0;
      for (const auto& [o2, e2] : parts)
        if (o2 > off) interp_chars += 3;
      if (after - std::min(after, interp_chars) >= kStaticAfterDynamic && off <= 512)
        report(s, off, expr, after);
      break;
    }
    // f"{now} ..." + LONG_PROMPT
    if (s.interpolated && tok_is(i + 1, "+") && i + 2 < t_.size() && t_[i + 2].ident()) {
      const Tok* long_var = string_var(t_[i + 2].text, i);
      if (long_var && long_var->value.size() >= kStaticAfterDynamic)
        for (const auto& [off, expr] : s.parts)
          if (dynamic_expr(expr)) {
            report(s, off, expr, long_var->value.size());
            break;
          }
    }
  }
}

void CodeScan::scan_loops() {
  if (f_.non_production() || llm_calls_.empty()) return;
  auto bounded = [&](size_t b, size_t e) {
    bool exit = false, compare = false, human = false;
    for (size_t i = b; i < e; ++i) {
      std::string_view x = t_[i].text;
      if (x == "break" || x == "return" || x == "raise" || x == "throw") exit = true;
      if (x == "input" || x == "readline" || x == "prompt" || x == "Scan" || x == "ReadString" ||
          x == "question")
        human = true;
      if (x == ">=" || x == ">" || x == "<" || x == "<=" || x == "==") {
        for (size_t j = (i >= 3 ? i - 3 : b); j < std::min(e, i + 4); ++j) {
          if (!t_[j].ident()) continue;
          std::string l = to_lower(t_[j].text);
          for (std::string_view k : {"iter", "step", "turn", "round", "loop", "count", "attempt",
                                     "budget", "token", "depth", "hop", "calls", "max_", "limit"})
            if (contains(l, k)) compare = true;
        }
      }
    }
    return human || (exit && compare);
  };
  auto has_call = [&](size_t b, size_t e) {
    for (size_t c : llm_calls_)
      if (c > b && c < e) return true;
    return false;
  };
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (lang_ == Lang::kPython && t_[i].text == "while" &&
        (t_[i + 1].text == "True" || t_[i + 1].text == "1") && tok_is(i + 2, ":")) {
      Pos wp = pos(i);
      int indent = static_cast<int>(f_.line_text(wp.line).find_first_not_of(" \t"));
      size_t e = i + 3;
      int last_line = wp.line;
      while (e < t_.size()) {
        Pos p = pos(e);
        if (p.line != last_line) {
          std::string_view lt = f_.line_text(p.line);
          int ind = static_cast<int>(lt.find_first_not_of(" \t"));
          // Only tokens that start a line decide the block's end.
          if (p.col == ind + 1 && ind <= indent) break;
          last_line = p.line;
        }
        ++e;
      }
      if (has_call(i, e) && !bounded(i, e))
        f_.emit("LLM008", wp,
                "`while True:` loop calls an LLM with no iteration, time or token bound: a model "
                "that keeps requesting tools loops (and bills) forever",
                "loop over range(MAX_STEPS) or check a step/token budget and break, raising when "
                "it is exhausted");
      continue;
    }
    bool js_inf = lang_ == Lang::kJavaScript && t_[i].text == "while" && tok_is(i + 1, "(") &&
                  (tok_is(i + 2, "true") || tok_is(i + 2, "1")) && tok_is(i + 3, ")");
    bool js_for = lang_ == Lang::kJavaScript && t_[i].text == "for" && tok_is(i + 1, "(") &&
                  tok_is(i + 2, ";") && tok_is(i + 3, ";") && tok_is(i + 4, ")");
    bool go_for = lang_ == Lang::kGo && t_[i].text == "for" && tok_is(i + 1, "{");
    if (!(js_inf || js_for || go_for)) continue;
    size_t brace = i + 1;
    while (brace < t_.size() && t_[brace].text != "{") ++brace;
    if (brace >= t_.size()) continue;
    size_t e = close_of(brace);
    if (has_call(brace, e) && !bounded(brace, e))
      f_.emit("LLM008", pos(i),
              fmt::format("`{}` loop calls an LLM with no iteration, time or token bound: a model "
                          "that keeps requesting tools loops (and bills) forever",
                          go_for   ? "for {"
                          : js_for ? "for (;;)"
                                   : "while (true)"),
              "bound the loop with a maximum step count or a token budget and stop when it is "
              "reached");
  }
}

void CodeScan::check_model_literals() {
  if (f_.non_production()) return;
  // MODEL = "claude-3-5-sonnet-latest" and friends, outside call arguments.
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (!t_[i].ident()) continue;
    std::string l = to_lower(t_[i].text);
    if (!contains(l, "model")) continue;
    size_t v = i + 1;
    if (lang_ == Lang::kPython && tok_is(v, ":")) v += 2;
    if (!(tok_is(v, "=") || tok_is(v, ":=") || tok_is(v, ":"))) continue;
    if (v + 1 >= t_.size() || !t_[v + 1].string()) continue;
    const Tok& s = t_[v + 1];
    std::string name = s.value;
    if (size_t slash = name.find_last_of('/'); slash != std::string::npos)
      name = name.substr(slash + 1);
    std::string n = to_lower(name);
    bool model_like = false;
    for (std::string_view p :
         {"gpt-", "chatgpt-", "claude-", "gemini-", "o1", "o3", "o4", "mistral-", "codestral-",
          "pixtral-", "ministral-", "command-", "grok-", "deepseek-"})
      model_like = model_like || starts_with(n, p);
    if (!model_like) continue;
    bool floating = ends_with(n, "-latest") || starts_with(n, "chatgpt-") ||
                    n == "gpt-4-turbo-preview" || n == "gpt-4-vision-preview" ||
                    n == "gpt-3.5-turbo";
    if (floating)
      f_.emit("LLM004", pos(v + 1),
              fmt::format("model '{}' is a floating alias: the provider repoints it to new "
                          "snapshots, so behaviour, cost and evals change without a deploy",
                          s.value),
              "pin a dated snapshot and move it deliberately after evals");
  }
}

void CodeScan::run() {
  scan_keys();
  if (t_.empty()) return;
  scan_markers();
  scan_clients();
  scan_calls();
  scan_raw_http();
  scan_dynamic_prompts();
  scan_loops();
  check_model_literals();
  if (first_call_.line && !f_.non_production()) {
    if (auto fd = f_.make(
            "LLM005", first_call_,
            fmt::format(
                "LLM calls go only to {}",
                join(std::vector<std::string>(providers_.begin(), providers_.end()), ", "))))
      f_.facts.llm_calls.emplace_back(std::move(*fd), providers_);
  }
}

}  // namespace

bool code_worth_scanning(std::string_view text) {
  for (std::string_view k : {"openai",        "anthropic", "litellm",        "OpenAI",
                             "Anthropic",     "sk-",       "AIza",           "hf_",
                             "gsk_",          "xai-",      "-latest",        "chatgpt-",
                             "gpt-3.5-turbo", "preview",   "googleapis.com", "api.mistral.ai",
                             "api.groq.com",  "together",  "openrouter",     "deepseek",
                             "cohere",        "fireworks", "perplexity",     "api.x.ai",
                             "bedrock"})
    if (contains(text, k)) return true;
  return false;
}

void check_code(FileCtx& f, Lang lang) { CodeScan(f, lang).run(); }

}  // namespace llmctl::audit::detail
