// The code scanner's call sites: SDK calls (OpenAI, Anthropic, LiteLLM, Groq, including .beta.,
// with_raw_response and the legacy openai 0.x module API) with their keyword arguments /
// object-literal keys, raw HTTP calls to provider hosts, and prompts whose static text follows a
// dynamic head.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "audit/facts/code_scan.h"
#include "audit/lexer.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

constexpr size_t kStaticAfterDynamic = 2048;  // ~512 tokens of prefix lost to a dynamic head

// Whether a provider URL's path is one that generates tokens under an output cap. A path naming
// another resource (an Assistants thread or run, embeddings, files, batches, images,
// audio, moderations, fine-tuning, vector stores) is not; a URL whose path the file does not
// show (a base URL variable) is taken as generation, as before.
bool generation_path(std::string_view url) {
  std::string l = to_lower(url);
  for (std::string_view r :
       {"/threads", "/assistants", "/embeddings", "/files", "/batches", "/images/", "/audio/",
        "/moderations", "/fine_tuning", "/fine-tunes", "/vector_stores"})
    if (contains(l, r)) return false;
  return true;
}

// Whether a URL's path is the legacy completions API (/v1/completions, an Azure deployment's
// /completions): a /completions segment that is not /chat/completions.
bool completions_path(std::string_view url) {
  std::string l = to_lower(url);
  for (size_t at = l.find("/completions"); at != std::string::npos;
       at = l.find("/completions", at + 1)) {
    const size_t end = at + 12;
    const bool segment_end = end == l.size() || l[end] == '?' || l[end] == '/' || l[end] == '"';
    if (segment_end && !(at >= 5 && l.compare(at - 5, 5, "/chat") == 0)) return true;
  }
  return false;
}

}  // namespace

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

// An output cap whose value is no cap: a literal None/null/undefined/nil, or (Python) a variable
// whose only value in the file is a None default (`def query(..., max_tokens=None)` passed on as
// `max_tokens=max_tokens`). Any other assignment of the variable in the file may set a cap.
bool CodeScan::no_cap_value(std::pair<size_t, size_t> range, size_t open, size_t close) const {
  auto [b, e] = range;
  if (e != b + 1) return false;
  std::string_view v = t_[b].text;
  if (v == "None" || v == "null" || v == "undefined" || v == "nil") return true;
  if (lang_ != Lang::kPython || !t_[b].ident()) return false;
  bool none_default = false;
  for (size_t i = 0; i < t_.size(); ++i) {
    if (t_[i].text != v || !t_[i].ident() || (i >= open && i <= close)) continue;
    if (i > 0 && t_[i - 1].text == ".") continue;  // obj.max_tokens: another variable
    size_t j = i + 1;
    if (tok_is(j, ":"))  // an annotation: max_tokens: Optional[int] = None
      while (j < t_.size() && j < i + 16 && !tok_is(j, "=") && !tok_is(j, ",") && !tok_is(j, ")") &&
             line_of(j) == line_of(i))
        ++j;
    if (!tok_is(j, "=")) continue;
    if (tok_is(j + 1, "None"))
      none_default = true;
    else
      return false;
  }
  return none_default;
}

// A placeholder token as a whole value: "<messages>" (one angle-bracket word group, no markup,
// no template: "<div>{x}</div>", "<|im_start|>" and f-strings are text), `...` (Python's
// Ellipsis as a value, not JavaScript's spread), YOUR_... as a name or a string.
bool CodeScan::placeholder_arguments(size_t open, size_t close) const {
  auto value_start = [&](size_t i) {
    return i > open && (t_[i - 1].text == "=" || t_[i - 1].text == ":" || t_[i - 1].text == "(" ||
                        t_[i - 1].text == "," || t_[i - 1].text == "[");
  };
  auto value_end = [&](size_t i) {
    return i + 1 <= close && (t_[i + 1].text == "," || t_[i + 1].text == ")" ||
                              t_[i + 1].text == "}" || t_[i + 1].text == "]");
  };
  auto your_name = [](std::string_view v) {
    return v.size() > 5 && (starts_with(v, "YOUR_") || starts_with(v, "your_") ||
                            starts_with(v, "your-") || starts_with(v, "YOUR-"));
  };
  for (size_t i = open + 1; i < close; ++i) {
    const Tok& t = t_[i];
    if (!value_start(i) || !value_end(i)) continue;
    if (t.string() && !t.interpolated) {
      std::string v = trim(t.value);
      if (v.size() >= 3 && v.front() == '<' && v.back() == '>') {
        std::string_view inner(v.data() + 1, v.size() - 2);
        bool word = !inner.empty();
        for (char c : inner)
          word = word && (std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '_' ||
                          c == '-' || c == '.');
        if (word) return true;
      }
      if (your_name(v) && v.find(' ') == std::string::npos) return true;
    } else if (t.text == "..." && lang_ == Lang::kPython) {
      return true;
    } else if (t.ident() && your_name(t.text)) {
      return true;
    }
  }
  return false;
}

void CodeScan::handle_llm_call(size_t open, const Chain& ch, const std::string& family,
                               const Client* client, bool module_client) {
  size_t close = close_of(open);
  llm_calls_.push_back(open);
  LlmCall call;
  call.pos = pos(ch.start);
  call.open_token = open;
  call.family = family;
  call.provider = client ? client->provider : family;
  if (family == "litellm") {
    out_.gateway_or_override = true;
    call.provider = "litellm";
  }
  if (client) call.client = *client;
  call.module_client = module_client;
  Keys k;
  auto args = split_args(open, close);
  Keys options;  // JS second argument: request options
  if (lang_ == Lang::kJavaScript && !args.empty() &&
      request_from_elsewhere(args[0].first, args[0].second)) {
    k.elsewhere = true;  // create(this.params) / create(buildRequest()): built elsewhere
    if (args.size() >= 2) keys_of_range(args[1].first, args[1].second, options);
  } else if (lang_ == Lang::kJavaScript && args.size() >= 2) {
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
      if (!literal && b + 1 == e && t_[b].ident() && t_[b].text != "ctx" &&
          enclosing_parameter(open, t_[b].text))
        k.unknown = true;  // a wrapper forwarding its caller's request: the caller's cap
      else if (!literal && request_from_elsewhere(b, e))
        k.elsewhere = true;  // New(ctx, agent.Params): the request is a field set elsewhere
      else if (literal ? has_brace : (b + 1 == e && t_[b].ident() && t_[b].text != "ctx"))
        keys_of_range(b, e, k);
    }
  } else {
    for (auto [b, e] : args) {
      // create(request) / create(**request) with the enclosing function's own parameter: a
      // wrapper forwarding its caller's request, whose cap is the caller's.
      size_t v = (t_[b].text == "**" || t_[b].text == "...") ? b + 1 : b;
      if (v + 1 == e && t_[v].ident() && enclosing_parameter(open, t_[v].text))
        k.unknown = true;
      else if (lang_ == Lang::kJavaScript && request_from_elsewhere(b, e))
        k.elsewhere = true;
      else
        keys_of_range(b, e, k);
    }
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
  // The method path as written after the receiver; call groups (with_options()) dropped.
  std::vector<std::string> path;
  for (size_t i = std::min<size_t>(1, ch.parts.size() - 1); i < ch.parts.size(); ++i)
    if (!ends_with(ch.parts[i], "()")) path.push_back(ch.parts[i]);
  call.call = join(path, ".");
  call.args_unknown = k.unknown;
  call.fragment = placeholder_arguments(open, close);
  call.timeout = k.names.count("timeout") || k.names.count("request_timeout") ||
                 options.names.count("timeout") || options.names.count("signal") || with_timeout ||
                 (client && client->timeout) || (module_client && module_timeout_);
  // The client rules judge only a client the file constructs (or the SDK's module-level
  // default): one handed in as a parameter, held in a field set elsewhere or imported is judged
  // where it is built.
  call.unknown_client = !client && !module_client && family != "litellm";
  call.timeout_elsewhere = client && client->timeout_elsewhere;
  if (lang_ == Lang::kGo) {
    call.timeout = call.timeout || timeout_markers_go_;
    call.timeout_elsewhere = call.timeout_elsewhere || go_http_client_elsewhere_;
  }
  bool call_retries_zero = key_has_value(k, "max_retries", "0") ||
                           key_has_value(options, "maxRetries", "0") ||
                           key_has_value(k, "num_retries", "0");
  call.retries_zero = call_retries_zero || with_retries_zero || (client && client->retries_zero);
  call.retries_pos = call_retries_zero   ? call.pos
                     : with_retries_zero ? wr_pos
                     : client            ? client->retries_pos
                                         : call.pos;
  for (std::string_view key :
       {"max_tokens", "max_completion_tokens", "max_output_tokens", "maxTokens", "MaxTokens",
        "MaxCompletionTokens", "MaxOutputTokens", "max_new_tokens"})
    call.has_cap = call.has_cap || (k.names.count(std::string(key)) &&
                                    !no_cap_value(k.values[std::string(key)], open, close));
  call.cap_judged = !k.unknown && !k.elsewhere;
  {
    const std::string& m = ch.parts.back();
    const std::string before = ch.parts.size() >= 2 ? ch.parts[ch.parts.size() - 2] : "";
    call.completions_api = ((m == "create" || m == "acreate") && before == "Completion") ||
                           m == "CreateCompletion" || m == "text_completion";
  }
  // The model argument: string literals and Go SDK constants.
  for (std::string_view key : {"model", "Model"}) {
    auto it = k.values.find(std::string(key));
    if (it == k.values.end()) continue;
    for (size_t i = it->second.first; i < it->second.second; ++i) {
      const Tok& v = t_[i];
      if (v.string()) {
        call.model_values.emplace_back(v.value, pos(i));
      } else if (v.ident() && !(i + 1 < it->second.second && t_[i + 1].text == ".")) {
        call.model_values.emplace_back(std::string(v.text), pos(i));
      }
    }
  }
  // The system prompt (Anthropic): static length and whether any block is cached.
  for (size_t i = open; i < close; ++i)
    if (t_[i].text == "cache_control" || t_[i].text == "CacheControl" ||
        (t_[i].string() && t_[i].value == "cache_control"))
      call.cache_control = true;
  auto it = k.values.find("system");
  if (it == k.values.end()) it = k.values.find("System");
  if (it != k.values.end()) {
    call.system_length = static_length(it->second.first, it->second.second);
    call.system_pos = pos(it->second.first);
  }
  out_.calls.push_back(std::move(call));
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
    // client.beta.messages.create, client.chat.completions.with_raw_response.create: the beta
    // namespace and the raw/streaming response wrappers call the same endpoint.
    std::vector<std::string> p;
    for (const auto& part : ch.parts)
      if (part != "beta" && part != "with_raw_response" && part != "with_streaming_response" &&
          part != "Beta")
        p.push_back(part);
    if (p.empty()) continue;
    // The OpenAI Assistants API (client.beta.threads.messages.create, threads.runs.create)
    // stores messages and starts server-side runs: no call there generates tokens under
    // max_tokens semantics, so none is an LLM call for these rules (nor is Anthropic's
    // messages.create on a thread).
    if (std::find(p.begin(), p.end(), "threads") != p.end() ||
        std::find(p.begin(), p.end(), "Threads") != p.end())
      continue;
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
               ends({"ChatCompletion", "acreate"}) ||
               (p.size() == 3 && p[0] == "openai" &&
                (ends({"Completion", "create"}) || ends({"Completion", "acreate"}))))
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
    // A Go function or method declaration (`func (c *Client) CreateChatCompletion(ctx, req)`)
    // names the method; it calls nothing.
    if (lang_ == Lang::kGo && ch.start > 0) {
      size_t before = ch.start - 1;
      if (t_[before].text == ")") {
        int depth = 0;
        for (size_t j = before + 1; j-- > 0;) {
          if (t_[j].text == ")") ++depth;
          if (t_[j].text == "(" && --depth == 0) {
            before = j > 0 ? j - 1 : j;
            break;
          }
        }
      }
      if (t_[before].text == "func") continue;
    }
    // Receiver: the identifier before the method path (client in client.chat.completions.create).
    const Client* client = nullptr;
    bool module_client = false;
    bool bound_elsewhere = false;  // the receiver's name is bound only in other functions
    if (p.size() > method_parts) {
      std::string recv = p[p.size() - method_parts - 1];
      if (ends_with(recv, "()")) {
        // client.with_options(...).chat...: the receiver is before the call group.
        size_t idx = p.size() - method_parts - 2;
        recv = p.size() > method_parts + 1 ? p[idx] : "";
      }
      const size_t recv_at = p.size() - method_parts - 1;
      if (recv_at == 0 && !client_defs_.empty()) {
        // A plain name (client.chat...): the binding in the call's own function, else an
        // enclosing one, else the module's; another function's local is not this one.
        client = scoped_client(recv, i, bound_elsewhere);
      } else {
        auto it = clients_.find(recv);
        if (it != clients_.end()) client = &it->second;
      }
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
    if (lang_ == Lang::kGo && !client && !bound_elsewhere) {
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

// LangChain chat models (Python): the constructor is where timeouts, retries and the output cap
// are set, since .invoke() takes none of them; each ChatOpenAI(...) / AzureChatOpenAI(...) /
// ChatAnthropic(...) in a file importing langchain_openai / langchain_anthropic is judged as the
// call site. request_timeout (alias timeout) defaults to None, so the SDK's default applies
// (langchain-openai BaseChatOpenAI, langchain-anthropic ChatAnthropic.default_request_timeout);
// ChatOpenAI's max_tokens defaults to None (no cap) while ChatAnthropic always sends one (the
// Messages API requires it), so only ChatOpenAI is judged for a cap.
void CodeScan::scan_langchain() {
  if (lang_ != Lang::kPython) return;
  const bool lc_openai = has_import(f_.text, lang_, "langchain_openai");
  const bool lc_anthropic = has_import(f_.text, lang_, "langchain_anthropic");
  if (!lc_openai && !lc_anthropic) return;
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    if (ch.parts.empty()) continue;
    const std::string& last = ch.parts.back();
    std::string provider;
    if (lc_openai && last == "ChatOpenAI") provider = "openai";
    if (lc_openai && last == "AzureChatOpenAI") provider = "azure-openai";
    if (lc_anthropic && last == "ChatAnthropic") provider = "anthropic";
    if (provider.empty()) continue;
    size_t close = close_of(i);
    Keys k;
    for (auto [b, e] : split_args(i, close)) keys_of_range(b, e, k);
    llm_calls_.push_back(i);
    LlmCall call;
    call.pos = pos(ch.start);
    call.open_token = i;
    call.family = "langchain";
    call.provider = provider;
    call.call = last;
    call.module_client = true;  // the constructor is the client: nothing is built elsewhere
    call.args_unknown = k.unknown;
    call.fragment = placeholder_arguments(i, close);
    call.timeout = k.names.count("timeout") || k.names.count("request_timeout") ||
                   k.names.count("default_request_timeout") || k.names.count("http_client");
    if (key_has_value(k, "max_retries", "0")) {
      call.retries_zero = true;
      call.retries_pos = pos(k.values["max_retries"].first);
    }
    call.has_cap = k.names.count("max_tokens") || k.names.count("max_completion_tokens") ||
                   k.names.count("max_tokens_to_sample");
    call.cap_judged = provider != "anthropic" && !k.unknown;
    for (std::string_view key : kBaseUrlKeys)
      if (k.names.count(std::string(key))) out_.gateway_or_override = true;
    if (const Tok* m = key_string(k, "model"); m && !m->interpolated)
      call.model_values.emplace_back(m->value, pos(k.values["model"].first));
    else if (const Tok* m2 = key_string(k, "model_name"); m2 && !m2->interpolated)
      call.model_values.emplace_back(m2->value, pos(k.values["model_name"].first));
    out_.calls.push_back(std::move(call));
  }
}

// The Vercel AI SDK (JS/TS): generateText / streamText / generateObject / streamObject imported
// from "ai", whose `model` is a provider instance from an @ai-sdk/* package (openai('gpt-4o'),
// openai.chat(...), a createOpenAI({...}) instance) or a gateway id ('openai/gpt-4.1'). The
// call's settings are the request's: the SDK retries twice by default (maxRetries, CallSettings
// "@default 2"), sets no timeout of its own (abortSignal, or the `timeout` setting of newer
// versions) and no output cap (maxTokens / maxOutputTokens are optional), except that the
// Anthropic provider always sends one because the Messages API requires max_tokens. A model
// the file does not build (a parameter, an imported value) may carry a custom fetch with a
// deadline: such a call is judged for nothing but its own retries.
void CodeScan::scan_vercel_ai() {
  if (lang_ != Lang::kJavaScript) return;
  const std::string_view x = f_.text;
  if (!contains(x, "from 'ai'") && !contains(x, "from \"ai\"") && !contains(x, "require('ai')") &&
      !contains(x, "require(\"ai\")"))
    return;
  // Names imported from "ai" and from @ai-sdk/<provider> (`import { a, b as c } from '...'`).
  std::set<std::string> ai_fns;
  std::map<std::string, std::string> provider_of;  // local name -> provider
  for (size_t i = 0; i < t_.size(); ++i) {
    if (!t_[i].string() || i < 2 || t_[i - 1].text != "from" || t_[i - 2].text != "}") continue;
    const std::string& pkg = t_[i].value;
    std::string provider;
    if (pkg == "ai") {
      provider = "ai";
    } else if (starts_with(pkg, "@ai-sdk/")) {
      provider = pkg.substr(8);
      if (provider == "azure") provider = "azure-openai";
    } else {
      continue;
    }
    size_t j = i - 2;
    while (j > 0 && t_[j].text != "{") --j;
    for (size_t k = j + 1; k + 2 < i; ++k) {
      if (!t_[k].ident() || t_[k].text == "type") continue;
      std::string local(t_[k].text);
      if (k + 2 < i - 2 && t_[k + 1].text == "as" && t_[k + 2].ident()) {
        local = std::string(t_[k + 2].text);
        k += 2;
      }
      if (provider == "ai")
        ai_fns.insert(local);
      else
        provider_of[local] = provider;
    }
  }
  // Provider instances the file builds: const name = createOpenAI({...}); a custom fetch in the
  // settings may carry a deadline of its own, a base URL points the provider at a gateway.
  std::set<std::string> custom_fetch;
  for (size_t i = 0; i + 3 < t_.size(); ++i) {
    if (!t_[i].ident() || t_[i + 1].text != "=" || !t_[i + 2].ident() || t_[i + 3].text != "(")
      continue;
    auto f = provider_of.find(std::string(t_[i + 2].text));
    if (f == provider_of.end() || !starts_with(t_[i + 2].text, "create")) continue;
    provider_of[std::string(t_[i].text)] = f->second;
    Keys s;
    for (auto [b, e] : split_args(i + 3, close_of(i + 3))) keys_of_range(b, e, s);
    if (s.names.count("fetch") || s.unknown) custom_fetch.insert(std::string(t_[i].text));
    for (std::string_view key : kBaseUrlKeys)
      if (s.names.count(std::string(key))) out_.gateway_or_override = true;
  }
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    if (ch.parts.size() != 1 || !ai_fns.count(ch.parts[0])) continue;
    const std::string& fn = ch.parts[0];
    if (fn != "generateText" && fn != "streamText" && fn != "generateObject" &&
        fn != "streamObject")
      continue;
    const size_t close = close_of(i);
    auto args = split_args(i, close);
    if (args.empty()) continue;
    Keys k;
    if (request_from_elsewhere(args[0].first, args[0].second))
      k.elsewhere = true;
    else
      keys_of_range(args[0].first, args[0].second, k);
    LlmCall call;
    call.pos = pos(ch.start);
    call.open_token = i;
    call.family = "vercel-ai";
    call.call = fn;
    call.provider = "unknown";
    bool known = false, fetch_elsewhere = false;
    if (auto m = k.values.find("model"); m != k.values.end()) {
      auto [b, e] = m->second;
      if (b + 1 == e && t_[b].string() && !t_[b].interpolated) {
        // A gateway id: 'openai/gpt-4.1' goes through the AI Gateway to that provider.
        const std::string& id = t_[b].value;
        size_t slash = id.find('/');
        if (slash != std::string::npos) {
          call.provider = id.substr(0, slash);
          known = true;
          call.model_values.emplace_back(id, pos(b));
        }
      } else if (b < e && t_[b].ident() && provider_of.count(std::string(t_[b].text))) {
        // openai('gpt-4o'), openai.chat('gpt-4o'), anthropic.messages(...), myProvider('...')
        call.provider = provider_of.at(std::string(t_[b].text));
        known = true;
        fetch_elsewhere = custom_fetch.count(std::string(t_[b].text)) > 0;
        for (size_t j = b; j < e; ++j)
          if (t_[j].text == "(") {
            if (j + 1 < e && t_[j + 1].string() && !t_[j + 1].interpolated)
              call.model_values.emplace_back(t_[j + 1].value, pos(j + 1));
            break;
          }
      }
    }
    call.module_client = known;
    call.unknown_client = !known;
    call.args_unknown = k.unknown || k.elsewhere;
    call.fragment = placeholder_arguments(i, close);
    call.timeout = k.names.count("abortSignal") || k.names.count("timeout");
    call.timeout_elsewhere = fetch_elsewhere;
    if (key_has_value(k, "maxRetries", "0")) {
      call.retries_zero = true;
      call.retries_pos = pos(k.values["maxRetries"].first);
    }
    for (std::string_view key : {"maxTokens", "maxOutputTokens"})
      call.has_cap = call.has_cap || (k.names.count(std::string(key)) &&
                                      !no_cap_value(k.values[std::string(key)], i, close));
    // Only providers that send no cap of their own are judged: OpenAI, Azure OpenAI and Google
    // generate up to the model's limit; the Anthropic provider always sends max_tokens.
    call.cap_judged =
        known && !k.unknown && !k.elsewhere &&
        (call.provider == "openai" || call.provider == "azure-openai" || call.provider == "google");
    llm_calls_.push_back(i);
    out_.calls.push_back(std::move(call));
  }
}

// The Mistral SDKs (Python `mistralai` 1.x/2.x, TypeScript `@mistralai/mistralai`), both
// generated by Speakeasy: client.chat.complete / chat.stream (and Python's *_async forms) are
// chat completions whose max_tokens (maxTokens) is optional, with no default cap. Their defaults
// differ by language (round 24):
//  - Python: a request times out by default (httpx's 5 s per connect/read before 2.x, then the
//    generated chat.complete's `timeout_ms = 60000`, since 2.4.13 300000: mistralai/client-python
//    src/mistralai/client/chat.py), so LLM001 never judges it; it retries nothing unless a
//    RetryConfig is given (retry_config / retries= unset: basesdk.do_request calls once).
//  - TypeScript: `timeoutMs: options?.timeoutMs || client._options.timeoutMs || -1` (no
//    timeout: the request waits as the runtime's fetch does) and `retryConfig ... ||
//    { strategy: "none" }` (Speakeasy's generated funcs/*.ts): LLM001 and LLM002 both hold.
// A call is judged only on a client the file constructs (Mistral(...) / new Mistral(...)).
void CodeScan::scan_mistral() {
  const bool py = lang_ == Lang::kPython && has_import(f_.text, lang_, "mistralai");
  const bool js = lang_ == Lang::kJavaScript && has_import(f_.text, lang_, "@mistralai/mistralai");
  if (!py && !js) return;
  const std::string_view x = f_.text;
  const bool built_here = py ? contains(x, "Mistral(") : contains(x, "new Mistral(");
  // A timeout set on the client or any call of the file (timeout_ms= / timeoutMs:).
  const bool any_timeout = contains(x, "timeout_ms") || contains(x, "timeoutMs");
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    const auto& p = ch.parts;
    if (p.size() < 3 || p[p.size() - 2] != "chat") continue;
    const std::string& m = p.back();
    const bool known =
        m == "complete" || m == "stream" || (py && (m == "complete_async" || m == "stream_async"));
    if (!known) continue;
    const size_t close = close_of(i);
    auto args = split_args(i, close);
    Keys k;
    for (auto [b, e] : args) {
      size_t v = (t_[b].text == "**" || t_[b].text == "...") ? b + 1 : b;
      if (v + 1 == e && t_[v].ident() && enclosing_parameter(i, t_[v].text))
        k.unknown = true;
      else if (js && request_from_elsewhere(b, e))
        k.elsewhere = true;
      else
        keys_of_range(b, e, k);
      if (js) break;  // the request object; a second argument holds request options
    }
    Keys options;
    if (js && args.size() >= 2) keys_of_range(args[1].first, args[1].second, options);
    LlmCall call;
    call.pos = pos(ch.start);
    call.open_token = i;
    call.family = "mistral";
    call.provider = "mistral";
    call.call = "chat." + m;
    call.module_client = built_here;
    call.unknown_client = !built_here;
    call.args_unknown = k.unknown || k.elsewhere;
    call.fragment = placeholder_arguments(i, close);
    call.timeout = py || any_timeout || options.names.count("timeoutMs") ||
                   options.names.count("fetchOptions");
    call.no_default_retries = !k.names.count("retries") && !options.names.count("retries");
    const std::string cap_key = py ? "max_tokens" : "maxTokens";
    call.has_cap = k.names.count(cap_key) && !no_cap_value(k.values[cap_key], i, close);
    call.cap_judged = !k.unknown && !k.elsewhere;
    if (const Tok* mv = key_string(k, "model"); mv && !mv->interpolated)
      call.model_values.emplace_back(mv->value, pos(k.values["model"].first));
    llm_calls_.push_back(i);
    out_.calls.push_back(std::move(call));
  }
}

// Amazon Bedrock's Converse API through boto3 (Python): client.converse(...) /
// client.converse_stream(...) on a bedrock-runtime client. botocore times a request out by
// default (connect_timeout and read_timeout 60 s, botocore/config.py) and retries throttling
// and 5xx by default (legacy mode: 5 attempts; standard: 3), so neither LLM001 nor LLM002
// judges it. inferenceConfig.maxTokens is optional and "the default value is the maximum allowed
// value for the model" (Bedrock API reference, InferenceConfiguration): LLM003 holds when the
// call writes no inferenceConfig, or a literal one without maxTokens. An inferenceConfig held
// in a variable is judged only when the file never writes maxTokens (the dict is the file's
// own), never when the name comes from elsewhere (a parameter, another module).
void CodeScan::scan_bedrock_converse() {
  if (lang_ != Lang::kPython || !has_import(f_.text, lang_, "boto3") ||
      !contains(f_.text, "bedrock-runtime"))
    return;
  const bool file_caps = contains(f_.text, "maxTokens");
  for (size_t i = 1; i < t_.size(); ++i) {
    if (t_[i].text != "(") continue;
    Chain ch = chain_before(i);
    const auto& p = ch.parts;
    if (p.size() < 2 || (p.back() != "converse" && p.back() != "converse_stream")) continue;
    const size_t close = close_of(i);
    Keys k;
    for (auto [b, e] : split_args(i, close)) {
      size_t v = (t_[b].text == "**") ? b + 1 : b;
      if (v + 1 == e && t_[v].ident() && enclosing_parameter(i, t_[v].text))
        k.unknown = true;
      else
        keys_of_range(b, e, k);
    }
    LlmCall call;
    call.pos = pos(ch.start);
    call.open_token = i;
    call.family = "bedrock";
    call.provider = "bedrock";
    call.call = p.back();
    // botocore's defaults hold for every client, but LLM005 counts only a client the call's
    // code holds by a plain name (bedrock = boto3.client(...)): one reached through self or a
    // method (a library's provider adapter) or a parameter is routed by the code that builds it.
    const std::string& recv = p[p.size() - 2];
    bool built = false;  // recv = boto3.client(...) / session.client(...) in this file
    for (size_t at = f_.text.find(recv + " ="); at != std::string_view::npos;
         at = f_.text.find(recv + " =", at + 1)) {
      const size_t eol = f_.text.find('\n', at);
      const std::string_view rhs =
          f_.text.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
      if (contains(rhs, "boto3") || contains(rhs, ".client(")) built = true;
    }
    const bool adapter = p[0] == "self" || ends_with(recv, "()") || p.size() > 2 ||
                         enclosing_parameter(i, recv) || !built;
    call.module_client = !adapter;
    call.unknown_client = adapter;
    call.args_unknown = k.unknown;
    call.fragment = placeholder_arguments(i, close);
    call.timeout = true;  // botocore: read_timeout 60 s
    call.cap_judged = !k.unknown;
    if (auto it = k.values.find("inferenceConfig"); it != k.values.end()) {
      auto [b, e] = it->second;
      if (b < e && t_[b].text == "{") {
        for (size_t j = b; j < e; ++j)
          if ((t_[j].string() && t_[j].value == "maxTokens") || t_[j].text == "maxTokens")
            call.has_cap = true;
      } else if (b + 1 == e && t_[b].ident() && !enclosing_parameter(i, t_[b].text) &&
                 (contains(f_.text, std::string(t_[b].text) + " =") ||
                  contains(f_.text, std::string(t_[b].text) + "="))) {
        call.has_cap = file_caps;
      } else {
        call.cap_judged = false;
      }
    }
    if (const Tok* mv = key_string(k, "modelId"); mv && !mv->interpolated)
      call.model_values.emplace_back(mv->value, pos(k.values["modelId"].first));
    llm_calls_.push_back(i);
    out_.calls.push_back(std::move(call));
  }
}

bool CodeScan::relays_caller(size_t open) const {
  if (!fn_spans_found_) find_function_spans();
  const int scope = scope_of(open);
  if (scope < 0) return false;
  const auto [first, last] = fn_spans_[scope];
  // The handler's parameters: after `func`/`def`/`function`/a method name, or before `=>`.
  size_t pb = first, pe = first;
  if (t_[first].text == "=>") {
    if (first == 0 || t_[first - 1].text != ")") return false;
    pe = first - 1;
    int depth = 0;
    for (size_t j = pe + 1; j-- > 0;) {
      if (t_[j].text == ")") ++depth;
      if (t_[j].text == "(" && --depth == 0) {
        pb = j;
        break;
      }
    }
  } else {
    pb = first + 1;
    while (pb < open && t_[pb].text != "(") ++pb;
    if (lang_ == Lang::kGo && pb == first + 1) {  // func (recv T) Name(params)
      size_t rc = close_of(pb);
      if (rc + 2 < t_.size() && t_[rc + 1].ident() && tok_is(rc + 2, "(")) pb = rc + 2;
    }
    if (!tok_is(pb, "(")) return false;
    pe = close_of(pb);
  }
  bool incoming = false;
  for (size_t j = pb + 1; j < pe && !incoming; ++j) {
    if (!t_[j].ident()) continue;
    std::string_view n = t_[j].text;
    incoming = n == "Request" || n == "request" || n == "req";
  }
  // A Python view under a route decorator (Flask's @app.route(...), FastAPI's @router.post(...))
  // is a handler even when it takes no parameter (Flask's request is a module global).
  if (!incoming && lang_ == Lang::kPython && t_[first].text == "def") {
    const int def_line = line_of(first);
    for (size_t k = first; k-- > 0 && line_of(k) >= def_line - 4 && !incoming;) {
      if (t_[k].text != "@") continue;
      for (size_t m = k + 1; m < first && t_[m].text != "(" && !incoming; ++m) {
        std::string_view n = t_[m].text;
        incoming = n == "route" || n == "post" || n == "put" || n == "patch" || n == "api_route";
      }
    }
  }
  if (!incoming) return false;
  // The upstream status written back to this handler's client after the call:
  // w.WriteHeader(resp.StatusCode), status_code=resp.status_code, res.status(r.status),
  // {status: r.status}, return body, resp.status_code.
  const std::string_view field = lang_ == Lang::kGo       ? "StatusCode"
                                 : lang_ == Lang::kPython ? "status_code"
                                                          : "status";
  for (size_t j = open; j + 3 <= last; ++j) {
    if (!(t_[j].ident() && tok_is(j + 1, ".") && t_[j + 2].text == field)) continue;
    if (j < 2) continue;
    std::string_view before = t_[j - 1].text, head = t_[j - 2].text;
    if (lang_ == Lang::kGo && before == "(" && head == "WriteHeader") return true;
    if (lang_ == Lang::kPython && before == "=" && head == "status_code") return true;
    if (lang_ == Lang::kPython && before == ",") {
      // return content, resp.status_code (Flask): the status is the returned tuple's last item.
      for (size_t k = j; k-- > first && line_of(k) == line_of(j);)
        if (t_[k].text == "return") return true;
    }
    if (lang_ == Lang::kJavaScript &&
        ((before == "(" && head == "status") || (before == ":" && head == "status")))
      return true;
  }
  return false;
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
    // A method of the object itself (this.post(...), super.fetch(...), self.post(...)) is the
    // class's own code, e.g. a relay passing its caller's request on: not an HTTP library call.
    if (p.size() == 2 && (p[0] == "this" || p[0] == "super" || p[0] == "self" || p[0] == "cls"))
      continue;
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
    const bool provider_host = llm_url(url);
    std::string compatible = provider_host ? "" : compatible_api(url);
    // The URL expression's first token (the url= keyword's value when given).
    size_t url_head = args[url_arg].first;
    if (lang_ == Lang::kPython)
      for (auto [kb, ke] : args)
        if (t_[kb].text == "url" && tok_is(kb + 1, "=")) url_head = kb + 2;
    if (!compatible.empty()) {
      // An API path on a host the file configures (f"{base}/chat/completions", base + "/v1/
      // messages", "http://localhost:8000/v1/chat/completions"). A bare path is a server's own
      // route (@app.post("/v1/chat/completions"), Express' app.post(...)), not a request.
      const Tok& head = t_[url_head];
      const bool route = head.string() && !contains(head.value, "://") &&
                         (head.parts.empty() || head.parts.front().first > 0);
      const bool decorator = ch.start > 0 && t_[ch.start - 1].text == "@";
      if (route || decorator) compatible.clear();
    }
    if (!provider_host && compatible.empty()) continue;
    llm_calls_.push_back(i);
    LlmCall call;
    call.pos = pos(ch.start);
    call.open_token = i;
    call.raw = true;
    call.fragment = placeholder_arguments(i, close_of(i));
    call.family = "raw";
    call.provider = provider_host ? provider_of_host(url) : compatible;
    call.raw_compatible = !compatible.empty();
    if (call.raw_compatible) {
      // The endpoint is configured or self-hosted: it may be a gateway with its own fallbacks.
      out_.gateway_or_override = true;
      if (t_[url_head].string())
        call.raw_loopback = loopback_literal(t_[url_head]);
      else if (t_[url_head].ident())
        if (const Tok* v = string_var(t_[url_head].text, i))
          call.raw_loopback = loopback_literal(*v);
    }
    call.call = join(p, ".");
    call.raw_relay = relays_caller(i);
    Keys k;
    if (lang_ == Lang::kPython) {
      for (auto [b, e] : args) keys_of_range(b, e, k);
    } else if (lang_ == Lang::kJavaScript && args.size() >= 2) {
      keys_of_range(args[1].first, args[1].second, k);
    }
    // requests / fetch / axios / net/http have no default timeout (httpx and aiohttp do).
    bool timeout = k.names.count("timeout") || k.names.count("signal");
    call.raw_no_default_timeout = py_requests || js_fetch || go_http ||
                                  (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios");
    call.raw_lib = py_requests ? "requests"
                   : go_http   ? "net/http's default client"
                   : js_fetch  ? "fetch"
                               : "axios";
    if (go_http) timeout = timeout_markers_go_;
    if (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios" && args.size() >= 3) {
      Keys cfg;
      keys_of_range(args[2].first, args[2].second, cfg);
      timeout = cfg.names.count("timeout") || cfg.names.count("signal");
    }
    call.timeout = timeout;
    // The payload's output cap, only when the payload is visible.
    Keys body;
    bool visible = false;
    // A body is judged only when the file builds it: a dict / object literal at the call, or a
    // variable the call's own function (or the module) assigns one to, also when serialised
    // there (json.dumps(body), JSON.stringify(body)). A body from a parameter, a field, a call's
    // result or another function, or a string the audit cannot read, is the code's that builds
    // it: no LLM003 (round 19).
    auto read_body = [&](size_t b, size_t e) {
      Keys kb;
      keys_of_range(b, e, kb);
      body = kb;
      visible = literal_value(b, e) && !kb.unknown && !kb.elsewhere && !kb.names.empty();
    };
    if (lang_ == Lang::kPython) {
      for (std::string_view key : {"json", "data"}) {
        auto it = k.values.find(std::string(key));
        if (it == k.values.end()) continue;
        size_t b = it->second.first, e = it->second.second;
        // data=json.dumps(body) / orjson.dumps(body) / json.dumps(body).encode(): the body.
        if (t_[b].ident() &&
            (t_[b].text == "json" || t_[b].text == "orjson" || t_[b].text == "ujson") &&
            tok_is(b + 1, ".") && tok_is(b + 2, "dumps") && tok_is(b + 3, "(")) {
          auto inner = split_args(b + 3, close_of(b + 3));
          if (inner.empty()) continue;
          std::tie(b, e) = inner.front();
        }
        read_body(b, e);
      }
    } else if (lang_ == Lang::kJavaScript && args.size() >= 2) {
      auto it = k.values.find("body");
      if (it != k.values.end()) {
        size_t b = it->second.first, e = it->second.second;
        if (tok_is(b, "JSON") && tok_is(b + 2, "stringify"))
          read_body(b + 4, close_of(b + 3));  // body: JSON.stringify({...} | payload)
        else
          read_body(b, e);  // body: payload (a variable holding the object)
      }
    }
    if (lang_ == Lang::kJavaScript && p.size() == 2 && p[0] == "axios" && args.size() >= 2) {
      keys_of_range(args[1].first, args[1].second, body);
      visible = !body.unknown && !body.names.empty();
    }
    // Only a generation endpoint takes an output cap: the Assistants API's threads and runs,
    // embeddings, files, batches and the other resources of a provider's host do not.
    call.cap_judged = visible && generation_path(url);
    call.completions_api = completions_path(url);
    for (const auto& n : body.names)
      for (std::string_view key : {"max_tokens", "max_completion_tokens", "max_output_tokens",
                                   "maxOutputTokens", "generationConfig", "generation_config"})
        call.has_cap = call.has_cap || n == key;
    out_.calls.push_back(std::move(call));
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
    out_.dynamic_prompts.push_back(
        {f_.pos_of(s.value_offset + std::min(part_offset, s.value.size())), trim(expr), after});
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

// A comparison that bounds a loop: a counter (steps, turns, tokens, ...) against a number or a
// limit-like name. `if tool_calls:` or `block.type == "text"` bound nothing.

}  // namespace llmctl::audit::detail
