// The code scanner's entry point and its file-level passes: client constructors and their
// options, retry/timeout markers and key-shaped literals. Call sites, raw HTTP and prompts are in
// facts/code_calls.cpp; loops and model literals in facts/code_loops.cpp. Variables holding
// clients, payloads and prompts are resolved within the file only.
#include "audit/facts/code.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "audit/facts/code_scan.h"
#include "audit/lexer.h"
#include "common/strings.h"

namespace llmctl::audit::detail {
namespace {

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

// A URL whose host is this machine: a server the person running the code started themselves.
bool loopback_url(std::string_view url) {
  std::string l = to_lower(url);
  size_t scheme = l.find("://");
  std::string_view host = std::string_view(l).substr(scheme == std::string::npos ? 0 : scheme + 3);
  for (std::string_view h : {"localhost", "127.0.0.1", "[::1]", "0.0.0.0"})
    if (starts_with(host, h) &&
        (host.size() == h.size() || host[h.size()] == ':' || host[h.size()] == '/'))
      return true;
  return false;
}

}  // namespace

bool loopback_literal(const Tok& s) {
  if (!s.string() || !loopback_url(s.value)) return false;
  if (!s.interpolated || s.parts.empty()) return true;
  // The host must be written out: the first interpolation comes after "scheme://host".
  size_t scheme = s.value.find("://");
  size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = s.value.find_first_of(":/", host);
  if (end == std::string::npos) end = s.value.size();
  size_t first = s.parts.front().first;
  for (const auto& [off, expr] : s.parts) first = std::min(first, off);
  return first >= end;
}

std::string compatible_api(std::string_view url) {
  std::string l = to_lower(url);
  if (contains(l, "/chat/completions") || contains(l, "/v1/completions"))
    return "openai-compatible";
  if (contains(l, "/v1/messages")) return "anthropic-compatible";
  return "";
}

namespace {

// Python packages that make a file part of a long-running process (a web or RPC server, a task
// worker, a UI app): their LLM calls hold a request, a worker or a user of a service.
constexpr std::string_view kServicePackages[] = {
    "fastapi",  "flask",    "django",      "starlette",   "quart",  "sanic",
    "tornado",  "uvicorn",  "gunicorn",    "streamlit",   "gradio", "chainlit",
    "litserve", "bentoml",  "celery",      "grpc",        "kopf",   "slack_bolt",
    "discord",  "telegram", "http.server", "socketserver"};

}  // namespace

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

std::vector<std::string> identifier_words(std::string_view ident) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < ident.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(ident[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    // A hump starts a word: lower/digit then upper ("maxRetries"), or the last capital of a run
    // followed by lower case ("HTTPClient" -> http, client).
    bool upper = std::isupper(c);
    if (upper && i > 0 && !word.empty()) {
      unsigned char p = static_cast<unsigned char>(ident[i - 1]);
      bool next_lower =
          i + 1 < ident.size() && std::islower(static_cast<unsigned char>(ident[i + 1]));
      if (std::islower(p) || std::isdigit(p) || (std::isupper(p) && next_lower)) flush();
    }
    word += static_cast<char>(std::tolower(c));
  }
  flush();
  return out;
}

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
      if ((mod == "openai" || mod == "litellm") && (attr == "base_url" || attr == "api_base"))
        out_.gateway_or_override = true;
    }
  }
  if (contains(x, "OPENAI_BASE_URL") || contains(x, "OPENAI_API_BASE") ||
      contains(x, "ANTHROPIC_BASE_URL"))
    out_.gateway_or_override = true;
  auto base_url_key = [](std::string_view key) {
    for (std::string_view b : kBaseUrlKeys)
      if (key == b) return true;
    return false;
  };
  for (size_t i = 0; i + 3 < t_.size(); ++i) {
    // Go: a client option that sets the endpoint (option.WithBaseURL(...), a wrapper's own
    // WithBaseURL option): whoever builds the client chooses where its calls go.
    if (lang_ == Lang::kGo && t_[i].ident() && t_[i].text == "WithBaseURL") {
      out_.gateway_or_override = true;
      break;
    }
    // A kwargs dict given a base URL before it is spread into a client:
    // params.update(openai_api_base=...), params.update({"base_url": ...}),
    // params["base_url"] = ...
    if (t_[i].ident() && tok_is(i + 1, "[") && t_[i + 2].string() &&
        base_url_key(t_[i + 2].value) && tok_is(i + 3, "]") && tok_is(i + 4, "=")) {
      out_.gateway_or_override = true;
      break;
    }
    if (lang_ == Lang::kPython && tok_is(i, ".") && t_[i + 1].text == "update" &&
        tok_is(i + 2, "(")) {
      size_t close = close_of(i + 2);
      for (size_t j = i + 3; j < close; ++j)
        if ((t_[j].ident() && base_url_key(t_[j].text) && tok_is(j + 1, "=")) ||
            (t_[j].string() && base_url_key(t_[j].value) && tok_is(j + 1, ":")))
          out_.gateway_or_override = true;
      if (out_.gateway_or_override) break;
    }
  }
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
    for (std::string_view key : kBaseUrlKeys) {
      if (k.names.count(std::string(key))) c.base_url = true;
      const Tok* url = key_string(k, key);
      if (auto it = k.values.find(std::string(key)); !url && it != k.values.end() &&
                                                     it->second.second == it->second.first + 1 &&
                                                     t_[it->second.first].ident())
        url = string_var(t_[it->second.first].text, i);  // base_url=BASE_URL, set above
      if (url && loopback_literal(*url)) c.loopback = true;
    }
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
    // An HTTP client handed in: Python's http_client= (the SDK then takes that client's
    // timeout), JS's fetch / httpAgent. Judged only when the file shows how it is built.
    for (std::string_view key : {"http_client", "httpClient", "fetch", "httpAgent"}) {
      auto it = k.values.find(std::string(key));
      if (it == k.values.end() || c.timeout) continue;
      bool t = false;
      if (http_client_visible(it->second.first, it->second.second, t))
        c.timeout = c.timeout || t;
      else
        c.timeout_elsewhere = true;
    }
    if (provider == "litellm-router") {
      c.timeout = c.timeout || k.names.count("timeout");
      out_.gateway_or_override = true;
    }
    if (c.base_url) out_.gateway_or_override = true;
    // Bind to the assigned name: x = Ctor(...), self.x = ..., const x = new Ctor(...), x := ...
    size_t s = ch.start - (ch.is_new ? 1 : 0);
    if (s >= 2 && (t_[s - 1].text == "=" || t_[s - 1].text == ":=") && t_[s - 2].ident()) {
      clients_[std::string(t_[s - 2].text)] = c;
      if (s < 3 || t_[s - 3].text != ".")
        client_defs_.push_back({std::string(t_[s - 2].text), s, c});
    } else if (s >= 4 && t_[s - 1].text == "=" && t_[s - 2].ident() && t_[s - 3].text == ":" &&
               t_[s - 4].ident()) {
      clients_[std::string(t_[s - 4].text)] = c;  // client: OpenAI = OpenAI()
      if (s < 5 || t_[s - 5].text != ".")
        client_defs_.push_back({std::string(t_[s - 4].text), s, c});
    } else if (s >= 1 && t_[s - 1].text == "return")
      clients_["<returned>"] = c;
    // Go: a ctor's value is often the only client; remember it for unbound receivers.
    clients_.try_emplace("<any:" + provider + ">", c);
  }
}

// Whether the HTTP client in tokens [b, e) is built where this file shows it: a constructor
// call of a known HTTP library (httpx.Client(...), DefaultHttpxClient(...), &http.Client{...}),
// or a variable assigned one in the file. `timeout` says whether that construction sets one.
bool CodeScan::http_client_visible(size_t b, size_t e, bool& timeout) const {
  if (b >= e) return false;
  auto built_here = [&](size_t from, size_t to) {
    for (size_t j = from; j < to && j < from + 6; ++j) {
      std::string_view x = t_[j].text;
      if (x == "Client" || x == "AsyncClient" || x == "DefaultHttpxClient" ||
          x == "DefaultAsyncHttpxClient") {
        size_t open = j + 1;
        if (open < t_.size() && (t_[open].text == "(" || t_[open].text == "{")) {
          size_t close = close_of(open);
          for (size_t q = open; q < close; ++q)
            if (t_[q].text == "timeout" || t_[q].text == "Timeout") timeout = true;
          return true;
        }
      }
    }
    return false;
  };
  if (built_here(b, e)) return true;
  if (e != b + 1 || !t_[b].ident()) return false;
  // A variable: its assignments in the file (x = httpx.Client(...), x := &http.Client{...}).
  bool seen = false;
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (t_[i].text != t_[b].text || !t_[i].ident() || (i > 0 && t_[i - 1].text == ".")) continue;
    if (!(tok_is(i + 1, "=") || tok_is(i + 1, ":="))) continue;
    if (!built_here(i + 2, t_.size())) return false;  // assigned something built elsewhere
    seen = true;
  }
  return seen;
}

// Go: every HTTP client the file hands to an SDK, through option.WithHTTPClient(x) or go-openai's
// config.HTTPClient = x / HTTPClient: x. One built elsewhere (createCustomHTTPClient() of another
// file) carries a timeout this file cannot show.
void CodeScan::scan_go_http_clients() {
  if (lang_ != Lang::kGo) return;
  for (size_t i = 0; i + 2 < t_.size(); ++i) {
    if (t_[i].text != "WithHTTPClient" && t_[i].text != "HTTPClient") continue;
    size_t b = 0, e = 0;
    if (t_[i].text == "WithHTTPClient" && tok_is(i + 1, "(")) {
      b = i + 2;
      e = close_of(i + 1);
    } else if (t_[i].text == "HTTPClient" && (tok_is(i + 1, "=") || tok_is(i + 1, ":"))) {
      b = i + 2;
      e = b;
      while (e < t_.size() && line_of(e) == line_of(b) && t_[e].text != "," && t_[e].text != "{")
        ++e;
      if (e < t_.size() && t_[e].text == "{") e = close_of(e) + 1;
    } else {
      continue;
    }
    if (b < e && t_[b].text == "&") ++b;
    bool t = false;
    if (!http_client_visible(b, e, t)) go_http_client_elsewhere_ = true;
  }
}

void CodeScan::find_function_spans() const {
  fn_spans_found_ = true;
  for (size_t i = 0; i + 1 < t_.size(); ++i) {
    if (lang_ == Lang::kPython) {
      if (t_[i].text == "def" && t_[i + 1].ident()) fn_spans_.emplace_back(i, python_block_end(i));
    } else if ((lang_ == Lang::kJavaScript && t_[i].text == "function") ||
               (lang_ == Lang::kGo && t_[i].text == "func")) {
      size_t j = i + 1;
      while (j < t_.size() && t_[j].text != "(") ++j;  // the parameters (Go: maybe a receiver)
      size_t brace = j;
      while (brace < t_.size() && t_[brace].text != "{") {
        if (t_[brace].text == "(") brace = close_of(brace);
        ++brace;
      }
      if (brace < t_.size()) fn_spans_.emplace_back(i, close_of(brace));
    } else if (lang_ == Lang::kJavaScript && t_[i].text == "=>" && t_[i + 1].text == "{") {
      fn_spans_.emplace_back(i, close_of(i + 1));
    } else if (lang_ == Lang::kJavaScript && t_[i].ident() && tok_is(i + 1, "(") &&
               (i == 0 || (t_[i - 1].text != "." && t_[i - 1].text != "new"))) {
      // Class methods: name(...) {.
      size_t close = close_of(i + 1);
      std::string_view n = t_[i].text;
      if (tok_is(close + 1, "{") && n != "if" && n != "for" && n != "while" && n != "switch" &&
          n != "catch")
        fn_spans_.emplace_back(i, close_of(close + 1));
    }
  }
}

int CodeScan::scope_of(size_t i) const {
  int best = -1;
  for (size_t k = 0; k < fn_spans_.size(); ++k) {
    auto [b, e] = fn_spans_[k];
    if (i < b || i > e) continue;
    if (best < 0 || e - b < fn_spans_[best].second - fn_spans_[best].first)
      best = static_cast<int>(k);
  }
  return best;
}

const Client* CodeScan::scoped_client(const std::string& name, size_t at,
                                      bool& bound_elsewhere) const {
  bound_elsewhere = false;
  if (!fn_spans_found_) find_function_spans();
  const ClientDef* best = nullptr;
  size_t best_size = 0;  // the enclosing span's size; SIZE_MAX for module level
  bool any = false;
  for (const auto& d : client_defs_) {
    if (d.name != name) continue;
    any = true;
    int sc = scope_of(d.at);
    size_t size = SIZE_MAX;
    if (sc >= 0) {
      auto [b, e] = fn_spans_[sc];
      if (at < b || at > e || d.at > at) continue;  // another function's, or later in this one
      size = e - b;
    }
    // Innermost scope first; within one scope the last binding before the call, else (module
    // level, bound below the function that uses it) the first after it.
    bool better = !best || size < best_size ||
                  (size == best_size && ((d.at < at && (best->at > at || d.at > best->at))));
    if (better) best = &d, best_size = size;
  }
  if (!best) bound_elsewhere = any;
  return best ? &best->client : nullptr;
}

void CodeScan::scan_script() {
  if (lang_ != Lang::kPython) return;
  bool main_guard = false;
  for (size_t i = 0; i + 2 < t_.size() && !main_guard; ++i)
    main_guard = t_[i].text == "__name__" && t_[i + 1].text == "==" && t_[i + 2].string() &&
                 t_[i + 2].value == "__main__" && i > 0 && t_[i - 1].text == "if" &&
                 f_.pos_of(t_[i - 1].offset).col == 1;
  for (std::string_view pkg : kServicePackages)
    if (has_import(f_.text, lang_, pkg)) return;
  if (contains(f_.text, "from aiohttp import web") || contains(f_.text, "from ray import serve") ||
      contains(f_.text, "import ray.serve") || contains(f_.text, "from mcp.server"))
    return;
  if (main_guard)
    out_.hand_run_script = true;
  else
    out_.unguarded_script = true;
}

bool CodeScan::documentation_string(size_t offset) const {
  // The string token holding the offset; none (a comment) means no documentation context.
  auto after = std::upper_bound(t_.begin(), t_.end(), offset,
                                [](size_t o, const Tok& t) { return o < t.offset; });
  if (after == t_.begin()) return false;
  const size_t i = static_cast<size_t>(after - t_.begin()) - 1;
  const Tok& s = t_[i];
  if (!s.string() || offset >= s.offset + s.text.size()) return false;
  auto doc_name = [](std::string_view name) {
    for (const std::string& w : identifier_words(name))
      if (w == "example" || w == "examples" || w == "description" || w == "help" ||
          w == "placeholder" || w == "title" || w == "summary" || w == "hint")
        return true;
    return false;
  };
  // Go struct tags: `json:"api_key" example:"sk-..."` (swaggo and friends).
  std::string_view head = f_.text.substr(s.offset, offset - s.offset);
  if (lang_ == Lang::kGo && head.size() >= 2 && head.substr(head.size() - 2) == ":\"") {
    size_t b = head.find_last_of(" `", head.size() - 2);
    if (doc_name(head.substr(b == std::string_view::npos ? 0 : b + 1,
                             head.size() - 2 - (b == std::string_view::npos ? 0 : b + 1))))
      return true;
  }
  // Walk out of the literal: over neighbouring strings (implicit concatenation, `+`), sibling
  // elements after a comma, and the list, tuple or object the literal sits in, to the name it
  // is given to (`name=`, `name:`, `"name":`) or the call it is an argument of. Anything else
  // (an identifier, a keyword, a statement end) ends the walk: the literal is not a value of a
  // named parameter, so the key counts.
  int depth = 0;
  for (size_t j = i; j-- > 0 && i - j < 256;) {
    const Tok& t = t_[j];
    std::string_view x = t.text;
    if (t.kind == Tok::Kind::kPunct && (x == ")" || x == "]" || x == "}")) {
      ++depth;
      continue;
    }
    if (t.kind == Tok::Kind::kPunct && (x == "(" || x == "[" || x == "{")) {
      if (depth > 0) {
        --depth;
        continue;
      }
      if (x == "(" && j > 0 && t_[j - 1].ident()) return t_[j - 1].text == "describe";
      continue;  // an element of a list, tuple or object: its name is further out
    }
    if (depth > 0) continue;
    if (t.string() || x == "," || x == "+") continue;
    if (x == "=" || x == ":") {
      if (j == 0) return false;
      const Tok& name = t_[j - 1];
      if (name.string()) return doc_name(name.value);
      return name.ident() && doc_name(name.text);
    }
    return false;
  }
  return false;
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
      if (documentation_string(b)) continue;
      out_.keys.push_back({f_.pos_of(b), std::string(key)});
    }
  }
}

CodeFacts CodeScan::run() {
  out_.production = !f_.non_production();
  scan_keys();
  if (t_.empty()) return std::move(out_);
  scan_markers();
  scan_script();
  scan_go_http_clients();
  scan_clients();
  scan_calls();
  scan_langchain();
  scan_vercel_ai();
  scan_mistral();
  scan_bedrock_converse();
  scan_raw_http();
  scan_dynamic_prompts();
  scan_loops();
  if (lang_ == Lang::kPython && out_.unguarded_script) {
    if (!fn_spans_found_) find_function_spans();
    for (auto& c : out_.calls) c.module_level = c.open_token > 0 && scope_of(c.open_token) < 0;
  }
  check_model_literals();
  out_.retry_markers = retry_markers_;
  return std::move(out_);
}

bool code_worth_scanning(std::string_view text) {
  for (std::string_view k : {"openai",         "anthropic",
                             "litellm",        "OpenAI",
                             "Anthropic",      "sk-",
                             "AIza",           "hf_",
                             "gsk_",           "xai-",
                             "-latest",        "chatgpt-",
                             "gpt-3.5-turbo",  "preview",
                             "googleapis.com", "api.mistral.ai",
                             "api.groq.com",   "together",
                             "openrouter",     "deepseek",
                             "cohere",         "fireworks",
                             "perplexity",     "api.x.ai",
                             "bedrock",        "/chat/completions",
                             "/v1/messages",   "/v1/completions",
                             "@ai-sdk/",       "mistralai"})
    if (contains(text, k)) return true;
  return false;
}

CodeFacts scan_code(const FileCtx& f, Lang lang) { return CodeScan(f, lang).run(); }

}  // namespace llmctl::audit::detail
