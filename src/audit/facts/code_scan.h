// The code scanner's token-level machinery, shared by facts/code.cpp (clients, keys, markers),
// facts/code_calls.cpp (call sites, raw HTTP, prompts) and facts/code_loops.cpp (loops and model
// literals). Internal to those three files.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/facts/code.h"
#include "audit/lexer.h"

namespace llmctl::audit::detail {

// Provider of an LLM API URL ("openai", "anthropic", ...; "" for none); whether a URL is one.
std::string provider_of_host(std::string_view url);
bool llm_url(std::string_view s);
// An OpenAI- or Anthropic-compatible API path (/chat/completions, /v1/completions, /v1/messages)
// on any host; "openai-compatible" / "anthropic-compatible", or "" for none.
std::string compatible_api(std::string_view url);
// A string token holding a URL on this machine whose scheme and host are literal: "http://
// localhost:8000/v1", f"http://127.0.0.1:{port}/v1" (not f"{scheme}://localhost" or f"{base}").
bool loopback_literal(const Tok& s);
// Whether the file imports a package (Python import/from, JS module specifier, Go path).
bool has_import(std::string_view text, Lang lang, std::string_view pkg);
// The lower-case words of an identifier, split at '_' and at camelCase humps ("maxRetries" ->
// max, retries; "MAX_TURNS" -> max, turns; "return" -> return). Rules match whole words, so
// "return" is not "turn" and "token" is not in "tokenizer_path"'s "path".
std::vector<std::string> identifier_words(std::string_view ident);

using Client = CodeClient;

// Constructor arguments that point a client at another endpoint (a gateway, a proxy, a
// self-hosted server): the SDKs' base_url / baseURL, LangChain's openai_api_base (ChatOpenAI's
// and OpenAIEmbeddings' legacy alias of base_url) and anthropic_api_url, LlamaIndex's and
// LiteLLM's api_base.
inline constexpr std::string_view kBaseUrlKeys[] = {
    "base_url", "baseURL", "baseUrl", "api_base", "openai_api_base", "anthropic_api_url"};

struct Keys {
  std::set<std::string> names;  // argument / object keys present
  bool unknown = false;         // **kwargs, ...spread or an unresolvable variable
  // The request is not written here: a field (a.Params, self.params, this.req), a call's result
  // (build_request()), or a variable assigned from one of those or only in another function.
  // Its keys are the code's that builds it, so no rule judges what it leaves out.
  bool elsewhere = false;
  std::map<std::string, std::pair<size_t, size_t>> values;  // key -> token range of its value
};

class CodeScan {
 public:
  CodeScan(const FileCtx& f, Lang lang) : f_(f), lang_(lang), t_(lex(f.text, lang)) {}

  CodeFacts run();

 private:
  const FileCtx& f_;
  CodeFacts out_;
  Lang lang_;
  std::vector<Tok> t_;
  std::map<std::string, Client> clients_;
  std::vector<size_t> llm_calls_;  // '(' token index of every LLM call
  bool module_timeout_ = false;    // openai.timeout = / litellm.request_timeout =
  bool retry_markers_ = false;
  bool timeout_markers_go_ = false;
  // Go: an HTTP client handed to the SDK (option.WithHTTPClient(x), config.HTTPClient = x) that
  // is not an http.Client literal of this file.
  bool go_http_client_elsewhere_ = false;
  bool http_client_visible(size_t b, size_t e, bool& timeout) const;
  // Every client bound to a plain name (x = OpenAI(...), not self.x = ...), with the token of the
  // binding, for resolving a call's receiver within its function first.
  struct ClientDef {
    std::string name;
    size_t at = 0;
    Client client;
  };
  std::vector<ClientDef> client_defs_;
  // [first, last] token of each function; found on the first scoped lookup only, so files
  // without a client bound to a plain name pay nothing.
  mutable std::vector<std::pair<size_t, size_t>> fn_spans_;
  mutable bool fn_spans_found_ = false;
  void find_function_spans() const;
  // The innermost function span holding token `i`, as an index into fn_spans_ (-1: module).
  int scope_of(size_t i) const;
  // The client a plain receiver name at token `at` refers to: a binding in the call's own
  // function (the last one before the call), else in an enclosing function, else at module
  // level. nullptr when the name is bound only inside other functions (a parameter or another
  // function's local here) or not at all; `bound_elsewhere` is set in the first case.
  const Client* scoped_client(const std::string& name, size_t at, bool& bound_elsewhere) const;
  void scan_go_http_clients();

  bool no_cap_value(std::pair<size_t, size_t> range, size_t open, size_t close) const;
  // Whether a value written between '(' `open` and its `close` is a placeholder token standing
  // where the request's content goes: a whole string "<messages>" / "<your prompt>", Python's
  // `...`, or YOUR_... (a name or a string): a teaching fragment, not a program.
  bool placeholder_arguments(size_t open, size_t close) const;
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
  // Whether `open` starts the parameter list of a definition rather than the arguments of a
  // call: Python `def name(` (async def too), Go `func name(` and `func (r T) name(`, JS/TS
  // `function name(` and methods of classes and object literals (`async fetch(url, init) {`,
  // `fetch(url: string): Promise<Response> {`): a name not reached through `.` whose closing
  // parenthesis is followed by the body's `{`, after an optional TS return type.
  bool definition_params(size_t open) const {
    if (open == 0 || !t_[open - 1].ident()) return false;
    const size_t name = open - 1;
    if (name >= 1) {
      std::string_view before = t_[name - 1].text;
      if (before == "def" || before == "function" || before == "func") return true;
      if (before == "*" && name >= 2 && t_[name - 2].text == "function") return true;
      if (before == "." || before == "?.") return false;
      if (lang_ == Lang::kGo && before == ")") {  // func (r T) Name(
        int depth = 0;
        for (size_t k = name - 1;; --k) {
          if (t_[k].text == ")") ++depth;
          if (t_[k].text == "(" && --depth == 0) return k >= 1 && t_[k - 1].text == "func";
          if (k == 0) return false;
        }
      }
    }
    if (lang_ != Lang::kJavaScript) return false;
    size_t j = close_of(open) + 1;
    if (tok_is(j, ":")) {  // a TS return type: skip to the body's brace on the same statement
      int depth = 0;
      for (++j; j < t_.size(); ++j) {
        std::string_view x = t_[j].text;
        if (x == "(" || x == "[" || x == "<") ++depth;
        if (x == ")" || x == "]" || x == ">") --depth;
        if (depth <= 0 && (x == "{" || x == ";" || x == "," || x == "=" || x == ")")) break;
      }
    }
    return tok_is(j, "{");
  }

  Chain chain_before(size_t open) const {
    Chain ch;
    if (open == 0 || !t_[open - 1].ident()) return ch;
    if (definition_params(open)) return ch;  // a definition names the function, it calls nothing
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
      spread_keys(b + 1, e, k, depth);
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
          spread_keys(kb + 1, ke, k, depth);
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
    // TypeScript: `body as ChatCompletionCreateParams` / `body satisfies T` is the variable.
    if (lang_ == Lang::kJavaScript && first.ident() && b + 2 < e &&
        (t_[b + 1].text == "as" || t_[b + 1].text == "satisfies"))
      e = b + 1;
    // A variable: resolve its last assignment in the file.
    if (first.ident() && b + 1 == e) {
      if (!resolve_var(first.text, b, k, depth)) k.unknown = true;
    }
  }

  // The keys of a spread (`**openai_kwargs`, `...options`) whose variable the file builds as a
  // literal before it: they are present (others may be too, so the caller's keys stay unknown).
  // ChatOpenAI(**openai_kwargs) after openai_kwargs = {"openai_api_base": ...} sets a base URL.
  void spread_keys(size_t b, size_t e, Keys& k, int depth) const {
    if (b + 1 != e || !t_[b].ident()) return;
    Keys kk;
    if (!resolve_var(t_[b].text, b, kk, depth + 1)) return;
    k.names.insert(kk.names.begin(), kk.names.end());
    for (const auto& [key, range] : kk.values) k.values.emplace(key, range);
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
        // Written here only when the value is a literal (an object, dict or struct literal, or
        // a variable that is one) assigned in the call's own function or at module level.
        if (!fn_spans_found_) find_function_spans();
        const int sc = scope_of(i);
        const bool other_function =
            sc >= 0 && (before < fn_spans_[sc].first || before > fn_spans_[sc].second);
        k.elsewhere = kk.elsewhere || other_function || !literal_value(vb, ve);
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

  // Whether tokens [b, e) are a literal the file writes: an object / dict / struct literal
  // ({...}, T{...}, &T{...}, dict(...)) or a plain name (resolved on its own). A field
  // (a.Params, self.params), a call's result or an expression are not.
  bool literal_value(size_t b, size_t e) const {
    if (b >= e) return false;
    if (tok_is(b, "await")) ++b;
    if (b + 1 == e) return t_[b].ident() || t_[b].kind != Tok::Kind::kPunct;
    if (t_[b].ident() && t_[b].text == "dict" && tok_is(b + 1, "(")) return true;
    for (size_t j = b; j < e; ++j) {
      if (t_[j].text == "{") return true;
      if (t_[j].text == "(" || t_[j].text == "[") return false;
    }
    return false;
  }

  // Whether tokens [b, e) are a request value the file does not write: a field chain
  // (agent.Params, self.params, this.request, req.body) or a call's result (build_request(),
  // await makeParams()). Go's context and request options (ctx, context.Background(),
  // option.WithMaxRetries(0)) are no request.
  bool request_from_elsewhere(size_t b, size_t e) const {
    if (b >= e) return false;
    if (tok_is(b, "await")) ++b;
    if (b >= e || !t_[b].ident()) return false;
    if (t_[b].text == "ctx" || t_[b].text == "context" || t_[b].text == "option" ||
        t_[b].text == "options")
      return false;
    // a.b.c (a field) or f(...) / a.b(...) (a call's result); a plain name, `name as T` and
    // anything else are read by keys_of_range.
    size_t j = b + 1;
    bool field = false;
    while (j + 1 < e && t_[j].text == "." && t_[j + 1].ident()) j += 2, field = true;
    if (j == e) return field;
    return tok_is(j, "(") && close_of(j) + 1 == e;
  }

  // Whether `name` is a parameter of the function whose body holds token `at` (Go `func`,
  // Python `def`, JavaScript `function`): a request object a wrapper takes from its caller and
  // forwards unchanged carries the caller's settings, not this file's.
  bool enclosing_parameter(size_t at, std::string_view name) const {
    std::string_view header = lang_ == Lang::kGo       ? "func"
                              : lang_ == Lang::kPython ? "def"
                                                       : "function";
    for (size_t h = at; h-- > 0;) {
      if (t_[h].text != header || !t_[h].ident()) continue;
      size_t open = h + 1;
      if (lang_ == Lang::kGo && tok_is(open, "(")) {
        // func (recv T) Name(params): the receiver first; func(params) is a literal.
        size_t rc = close_of(open);
        if (rc + 2 < t_.size() && t_[rc + 1].ident() && tok_is(rc + 2, "(")) open = rc + 2;
      } else {
        while (open < at && t_[open].text != "(") ++open;
      }
      if (!tok_is(open, "(")) return false;
      size_t close = close_of(open);
      if (close >= at) return false;  // the call is in the header itself
      // The body must hold the call: a function that ended before it is not the enclosing one
      // (Python: a line after the header indented no deeper than `def` ends it).
      if (lang_ == Lang::kPython) {
        const int def_col = pos(h).col;
        bool ended = false;
        for (size_t i = close + 1; i <= at && !ended; ++i)
          if (line_of(i) != line_of(i - 1) && pos(i).col <= def_col) ended = true;
        if (ended) continue;
      } else {
        size_t body = close + 1;
        while (body < at && t_[body].text != "{") ++body;
        if (body >= at || close_of(body) < at) continue;
      }
      for (size_t i = open + 1; i < close; ++i)
        if (t_[i].ident() && t_[i].text == name && !(i > 0 && t_[i - 1].text == ".")) return true;
      return false;
    }
    return false;
  }

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
  void scan_script();
  void scan_clients();
  void scan_calls();
  void scan_langchain();
  void scan_vercel_ai();
  void scan_mistral();
  void scan_bedrock_converse();
  void scan_raw_http();
  // Whether the raw call whose '(' is `open` relays its caller's request (see LlmCall::raw_relay):
  // the enclosing function takes an incoming HTTP request and writes the upstream response's
  // status to its own client after the call.
  bool relays_caller(size_t open) const;
  void scan_keys();
  // Whether the string literal holding byte `offset` documents a setting rather than being a
  // value the code uses: the value, or an element of the list value, of a parameter or key
  // whose name is documentation (examples=, example:, description=, help=, placeholder=,
  // title=), the argument of a .describe() call, or a Go struct tag's example:"...".
  bool documentation_string(size_t offset) const;
  void scan_dynamic_prompts();
  void scan_loops();
  bool bounding_compare(size_t i, size_t b, size_t e) const;
  std::set<std::string> llm_helpers() const;
  size_t python_block_end(size_t i) const;
  bool python_retry_loop(size_t b, size_t e, const std::set<std::string>& helpers) const;
  void check_model_literals();
  // Whether the model-named binding at `name_at` (its `=` / `:` at `sep_at`) reaches a request.
  bool model_literal_reaches_request(size_t name_at, size_t sep_at);
  static constexpr size_t kNoBracket = static_cast<size_t>(-1);
  std::vector<size_t> enclosing_;  // innermost open bracket of each token (lazily built)
  bool enclosing_found_ = false;
  std::set<std::string> sent_names_;  // names handed to a model field (model=x, "model": x)
  void handle_llm_call(size_t open, const Chain& ch, const std::string& family,
                       const Client* client, bool module_client);
  bool dynamic_expr(std::string_view e) const;
  std::set<std::string> dynamic_vars_;
};

}  // namespace llmctl::audit::detail
