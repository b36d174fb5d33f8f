// LLM call sites in source code: LLM001 (no timeout), LLM002 (retries off, raw HTTP without
// backoff), LLM003 (no output cap), LLM005 (one provider and no fallback, project-level) and
// LLM008 (agent loops without a bound).
#include <fmt/format.h>

#include "audit/facts/code.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit::detail {

using S = Severity;

void add_llm_call_rule_docs(std::vector<RuleInfo>& out) {
  out.push_back(
      {"LLM001", "code", S::kWarning, "LLM call without an explicit timeout",
       "An OpenAI/Anthropic SDK call (chat.completions.create, responses.create, messages.create, "
       "their .beta. and with_raw_response / with_streaming_response forms, the legacy openai "
       "0.x ChatCompletion/Completion.create, Go Chat.Completions.New / Messages.New), a LiteLLM "
       "completion(), a LangChain ChatOpenAI / AzureChatOpenAI / ChatAnthropic constructor "
       "(where LangChain takes timeout, max_retries and max_tokens; its request_timeout defaults "
       "to None), a Vercel AI SDK generateText / streamText / generateObject / streamObject "
       "imported from \"ai\" whose model is a provider the file imports or builds from an "
       "@ai-sdk/* package (openai('gpt-4o'), createOpenAI({...})(...), a gateway id "
       "'openai/gpt-4.1'; a createX({fetch}) provider may carry its own deadline and is not "
       "judged) without abortSignal or timeout, or a raw HTTP call to an LLM API (requests.post, "
       "fetch, axios.post, "
       "net/http) sets no timeout: not on the call, not through with_options(), not on the "
       "client the call is made on (resolved within the file: a plain name in the call's own "
       "function first, then the enclosing ones and the module, never another function's "
       "local of the same name), not module-wide (openai.timeout, litellm.request_timeout). "
       "Only a client the file constructs (OpenAI(...), openai.NewClient(...), new "
       "Anthropic(...), ChatOpenAI(...)) or an SDK's module-level default "
       "(openai.chat.completions.create) is judged: a client that arrives as a parameter, sits "
       "in a struct or class field set elsewhere (Go agent.clientEngine set by option "
       "functions) or is imported from another module is judged in the file that builds it. "
       "Calls on clients handed an "
       "HTTP client built where the file does not show it (http_client=make_client(), "
       "option.WithHTTPClient(x) or config.HTTPClient = x with x from another file: its "
       "timeout lives there), and calls whose arguments come from **kwargs, are not judged. httpx "
       "and aiohttp "
       "have default timeouts and are not flagged. Raw HTTP counts as an LLM call when its "
       "URL is a provider's host or an OpenAI/Anthropic-compatible API path (/chat/completions, "
       "/v1/completions, /v1/messages) on a host the file configures (f\"{base}/chat/"
       "completions\"); a bare path is a server's own route. Nor are calls judged where a "
       "person at the terminal waits on them, in a hand-run Python script (a module-level "
       "__main__ guard, or a module-level call in a file without one, and no server, worker or "
       "UI framework imported) or in a chat REPL (a loop "
       "reading input()), against a server on this machine written in the file (a base_url or "
       "URL whose scheme and host are literal loopback, also in an f-string: "
       "f\"http://localhost:{port}/v1\"): the person who started the local server watches "
       "both ends, and no service's worker or user waits on the call. A call whose arguments "
       "hold a placeholder token where the request goes (messages=\"<messages>\", `...`, "
       "YOUR_MODEL) is a teaching fragment that does not run as written: no code rule judges "
       "it.",
       "The OpenAI and Anthropic SDKs time out after 10 minutes by default "
       "(openai/openai-python:README.md and anthropics/anthropic-sdk-python:README.md, "
       "\"Timeouts\"); LiteLLM's request_timeout defaults to 6000 s (BerriAI/litellm:"
       "litellm/__init__.py); requests, axios and Go's default http.Client never time out; "
       "the Vercel AI SDK sets no timeout of its own (vercel/ai packages/ai/core/prompt/"
       "call-settings.ts: abortSignal is optional, and the request is the provider's fetch); "
       "fetch sets no deadline in browsers and Cloudflare Workers (the Fetch standard has "
       "none), and in Node (undici) gives up only after 300 s without response headers or "
       "between body chunks (nodejs/undici docs/api/Dispatcher.md, headersTimeout and "
       "bodyTimeout); the message says which the file shows (a Worker handler, a browser page, "
       "Node's process.env/require/Express/Next.js API routes), or both. A stalled upstream "
       "then holds a worker, a connection and the user for minutes. Research: "
       "shared/research/agents-and-deploy.md §4.2 item 1 (also the MCP lifecycle spec: "
       "\"Implementations SHOULD establish timeouts for all sent requests\").",
       "Pass timeout= (Python), { timeout } or an AbortSignal (JS), option.WithRequestTimeout or "
       "a context deadline (Go), sized to the model's p99 latency.",
       "client = OpenAI()\nclient.chat.completions.create(model=\"gpt-4o-mini\", messages=m)"});
  out.push_back(
      {"LLM002", "code", S::kWarning, "Retries disabled, or raw HTTP to an LLM API without backoff",
       "a Mistral SDK chat.complete / chat.stream (Python mistralai or TypeScript "
       "@mistralai/mistralai) on a client the file builds with no retry_config / retryConfig / "
       "retries (the Mistral SDKs retry nothing by default), in a file with no retry code; "
       "max_retries=0 / maxRetries: 0 (also on a Vercel AI SDK generateText/streamText call, "
       "whose default is 2) / option.WithMaxRetries(0) on a client the file "
       "constructs or on a call (or num_retries=0 for LiteLLM) in a file with no other retry "
       "mechanism (tenacity, backoff, "
       "p-retry, a retry/attempt loop); or a raw HTTP POST to a known LLM API host in a file "
       "without any retry/backoff code (an OpenAI-compatible path on a configured host is not "
       "judged for retries: it may be a gateway that retries, or a local server; nor is a "
       "transparent proxy's handler that forwards its incoming request and writes the upstream "
       "status back to its own client, whose caller retries).",
       "The SDKs retry connection errors, 408, 409, 429 and 5xx twice with exponential backoff "
       "by default (openai-python and anthropic-sdk-python READMEs, \"Retries\"); rate limits "
       "and overloaded errors are routine at LLM providers, so a request without retries fails "
       "on the first 429. Turning retries off is right only behind a gateway that retries "
       "(LiteLLM's router is meant to be the only retry loop: shared/research/gateways.md "
       "§1.1). Research: agents-and-deploy.md §4.2 item 2.",
       "Keep the SDK's default retries, or wrap raw calls with exponential backoff that honours "
       "Retry-After.",
       "client = Anthropic(max_retries=0)"});
  out.push_back(
      {"LLM003", "code", S::kNote, "LLM call without an output cap",
       "A chat/messages/responses call (SDK or a visible raw JSON body to a generation "
       "endpoint) without max_tokens, max_completion_tokens, max_output_tokens (Go: MaxTokens, "
       "MaxCompletionTokens, MaxOutputTokens), or a LangChain ChatOpenAI / AzureChatOpenAI "
       "constructed without max_tokens (ChatAnthropic always sends a cap), or a Vercel AI SDK "
       "call to an OpenAI, Azure OpenAI or Google provider without maxTokens / "
       "maxOutputTokens (the SDK has no default; its Anthropic provider always sends a cap), or a "
       "Mistral chat.complete / chat.stream without max_tokens (maxTokens), or a boto3 Bedrock "
       "converse / converse_stream whose inferenceConfig has no maxTokens (Bedrock's default "
       "is the model's maximum; botocore's 60 s read timeout and default retries protect the "
       "call, so LLM001/LLM002 do not judge it). Only "
       "a request the "
       "file writes is judged: keyword arguments or an object/struct literal at the call, or a "
       "variable the call's own function (or the module) assigns from a literal, also through "
       "a TypeScript `body as T`. A request that is a parameter, a field (agent.Params, "
       "self.params, this.params), a call's result or a value from another module or another "
       "function is the code's that builds it, and arguments passed through **kwargs or "
       "...spread are not judged either. The "
       "OpenAI Assistants API (threads, their messages and runs) and other resources of a "
       "provider's host (embeddings, files, batches) generate nothing under max_tokens and are "
       "not judged, nor is a teaching fragment (a placeholder token such as \"<messages>\" "
       "among the arguments), nor a request to the legacy completions API (/v1/completions, "
       "openai.Completion.create, CreateCompletion, litellm.text_completion), whose max_tokens "
       "defaults to 16. A note: whether to cap a chat reply or an agent's turn is a cost and "
       "product choice (the model's own output limit bounds each answer, and chat front-ends "
       "often leave it uncapped on purpose); the finding says the bound is the model's.",
       "Without a cap one degenerate generation runs to the model's output limit (OWASP LLM10 "
       "\"Unbounded Consumption\"); agent-doctor's CFG-001 \"max_tokens not set\" "
       "(abdulwasea89/agent-doctor:packages/agent-doctor/src/rules/config/cfg-001.ts); "
       "Anthropic's Messages API requires max_tokens. Research: agents-and-deploy.md §4.2 item "
       "4.",
       "Pass max_tokens (max_completion_tokens for OpenAI reasoning models, max_output_tokens "
       "for the Responses API) sized to the longest answer you expect.",
       "client.messages.create(model=MODEL, messages=m)"});
  out.push_back(
      {"LLM005", "code", S::kNote, "Every LLM call goes to one provider with no fallback",
       "Project-level: every LLM call site found in production code reaches the same provider, "
       "no client sets a base_url/baseURL or one of its aliases (LangChain's openai_api_base and "
       "anthropic_api_url, LlamaIndex's and LiteLLM's api_base; also as a key of a dict or object "
       "the file builds and spreads into the constructor), which could point at a gateway, no "
       "OPENAI_BASE_URL "
       "/ ANTHROPIC_BASE_URL is read, no LiteLLM (a multi-provider library) is used and no "
       "LiteLLM or llmctl gateway config is in the audited tree. Only clients the file "
       "constructs count: calls on clients handed in from elsewhere (a parameter, a struct or "
       "class field set in another file, a library's provider adapter) do not, since the code "
       "that builds the client decides the routing. "
       "Reported once, at the first call site.",
       "A single provider is a single point of failure for outages, rate limits and "
       "deprecations; gateways (LiteLLM router fallbacks, llmctl's model groups) and the "
       "multi-backend design of K8sGPT/HolmesGPT exist for this. Research: agents-and-deploy.md "
       "§4.2 item 6, gateways.md §1.1 (fallbacks, cooldowns).",
       "Route through a gateway (llmctl gateway, LiteLLM) with a fallback model group, or add a "
       "second provider with a fallback path.",
       "client = OpenAI()  # and nothing else anywhere"});
  out.push_back(
      {"LLM008", "code", S::kWarning, "Agent loop without an iteration or token bound",
       "A `while True:` / `while (true)` / `for (;;)` / Go `for {` loop whose body makes an LLM "
       "call, directly or through a function of the same file, and has no exit "
       "(break/return/raise) guarded by a comparison of a step, turn, iteration, attempt, budget "
       "or token counter (whole words of its name: `return` is not a turn), or of a growing "
       "delay or elapsed time, with a number or a limit, or of a name the body steps (i += 1, "
       "n++) with any value. Counted headers (for i := 0; i < n; i++, range(n)) are bounded. An "
       "exit on the model's own output (no more tool calls) is not a bound. Loops that read "
       "human input (input(), readline, Scan) are chat REPLs, and Python loops that repeat only "
       "when the call raises (a try: body that returns or breaks after the call) are retry "
       "loops; neither is flagged.",
       "A model that keeps requesting tools loops and bills forever; kubectl-ai caps agents "
       "with max-iterations: 20 (GoogleCloudPlatform/kubectl-ai:README.md) and the OpenAI "
       "Agents SDK with max_turns; OWASP LLM10. Research: agents-and-deploy.md §4.2 item 9.",
       "Loop over range(MAX_STEPS) or break when a step/token budget is exhausted (and report "
       "it).",
       "while True:\n    r = client.messages.create(...)\n    if r.stop_reason != \"tool_use\": "
       "break"});
}

namespace {

// Where a JS/TS file's fetch runs, from what the file shows: a Cloudflare Worker or Deno handler,
// a browser page, or Node (process.env, require, node: imports, Express, Next.js API routes,
// undici). Empty when the file does not say. What "no timeout" means differs (round 21): Node's
// fetch is undici's, whose headersTimeout and bodyTimeout default to 300 s (nodejs/undici
// docs/api/Dispatcher.md); the Fetch standard, browsers and Workers set none.
std::string_view fetch_runtime(std::string_view text) {
  for (std::string_view w :
       {"addEventListener('fetch'", "addEventListener(\"fetch\"", "async fetch(request",
        "fetch(request, env", "@cloudflare/workers-types", "Deno.serve", "ExecutionContext"})
    if (contains(text, w)) return "worker";
  for (std::string_view w : {"\"use client\"", "'use client'", "document.", "window.",
                             "localStorage", "import.meta.env.VITE_"})
    if (contains(text, w)) return "browser";
  for (std::string_view w : {"process.env", "require(", "from 'node:", "from \"node:", "express",
                             "NextApiRequest", "undici"})
    if (contains(text, w)) return "node";
  return "";
}

// What a raw HTTP library does without a timeout, for LLM001's message.
std::string raw_wait(std::string_view lib, std::string_view text) {
  if (lib != "fetch") return fmt::format("{} waits forever on a stalled connection", lib);
  std::string_view rt = fetch_runtime(text);
  if (rt == "node")
    return "Node's fetch (undici) waits up to 300 s for the response headers and up to 300 s "
           "between body chunks";
  if (rt == "worker") return "the Worker's fetch sets no deadline of its own";
  if (rt == "browser") return "a browser's fetch sets no deadline of its own";
  return "in Node, fetch (undici) waits up to 300 s for the headers and between body chunks; "
         "in browsers and Workers it sets no deadline";
}

}  // namespace

void check_llm_calls(FileCtx& f, const CodeFacts& code, Lang lang) {
  if (code.gateway_or_override) f.facts.gateway_or_override = true;
  if (!code.production) return;
  std::set<std::string> providers;
  Pos first;
  for (const auto& c : code.calls) {
    // A teaching fragment (messages="<messages>") does not run as written: the file does not
    // show the program, so no code rule judges the call (round 18).
    if (c.fragment) continue;
    // LLM005 collects the providers of calls whose client the file shows.
    if (!c.unknown_client || c.raw) {
      providers.insert(c.provider);
      if (!first.line) first = c.pos;
    }
    // A person at the terminal waits on the call (a hand-run script, or a chat REPL reading
    // their input) and the server is on this machine, written so in the file: a stall is in
    // plain sight on both ends and no service's worker or user is held.
    // A module-level call in a script without a __main__ guard runs as the file runs: the same
    // person at the terminal.
    const bool watched_local =
        (code.hand_run_script || c.in_repl || (code.unguarded_script && c.module_level)) &&
        ((c.client && c.client->loopback) || c.raw_loopback);
    if (c.raw) {
      if (c.raw_no_default_timeout && !c.timeout && !watched_local)
        f.emit("LLM001", c.pos,
               fmt::format("raw HTTP call to {} has no timeout: {}", c.provider,
                           raw_wait(c.raw_lib, f.text)),
               c.raw_lib == "requests" ? "pass timeout=(connect, read), e.g. timeout=(5, 120)"
               : lang == Lang::kGo ? "use an http.Client{Timeout: ...} or a context with a deadline"
                                   : "pass signal: AbortSignal.timeout(ms)");
      // Retries are judged for providers' hosts only: a configured OpenAI-compatible endpoint
      // may be a gateway that retries, or a server on the same machine. A handler that relays
      // its caller's request and hands the upstream status back is a transparent proxy: the
      // caller's SDK retries, and retrying here too would multiply the retries.
      if (!code.retry_markers && !c.raw_compatible && !c.raw_relay)
        f.emit("LLM002", c.pos,
               fmt::format("raw HTTP call to {} with no retry or backoff: the SDKs retry "
                           "408/409/429/5xx twice with exponential backoff, this call fails on "
                           "the first",
                           c.provider),
               "use the provider SDK, or wrap the call with retries and exponential backoff "
               "(tenacity, backoff, p-retry) honouring Retry-After");
      if (c.cap_judged && !c.has_cap && !c.completions_api)
        f.emit("LLM003", c.pos,
               fmt::format("request body to {} sets no output cap (max_tokens)", c.provider),
               "add max_tokens (or max_completion_tokens / max_output_tokens) to the body");
      continue;
    }
    // LLM001: no timeout (unless watched_local, above). The Vercel AI SDK sets no timeout of
    // its own: the request waits as long as the runtime's fetch does.
    if (c.family == "vercel-ai" && !c.timeout && !c.timeout_elsewhere && !c.unknown_client &&
        !c.args_unknown && !watched_local)
      f.emit("LLM001", c.pos,
             fmt::format("{}(...) has no abortSignal: the AI SDK sets no timeout, so {}", c.call,
                         raw_wait("fetch", f.text)),
             "pass abortSignal: AbortSignal.timeout(ms) (e.g. 60-120 s) to the call");
    else if (c.family == "mistral" && !c.timeout && !c.unknown_client && !c.args_unknown &&
             !watched_local)
      f.emit("LLM001", c.pos,
             fmt::format("{}(...) has no timeoutMs: the Mistral TypeScript SDK's default is -1 "
                         "(none), so {}",
                         c.call, raw_wait("fetch", f.text)),
             "pass timeoutMs to new Mistral({...}) or to the call's options (e.g. 60000-120000)");
    else if (!c.timeout && !c.timeout_elsewhere && !c.unknown_client && !c.args_unknown &&
             !watched_local)
      f.emit(
          "LLM001", c.pos,
          fmt::format("{}(...) has no timeout{}: the {} default is {}", c.call,
                      c.client ? fmt::format(" (client from line {} sets none)", c.client->line)
                      : c.family == "langchain" ? " (LangChain's request_timeout defaults to None)"
                                                : "",
                      c.family == "litellm" ? "LiteLLM" : "SDK",
                      c.family == "litellm" ? "6000 s" : "10 minutes"),
          lang == Lang::kPython
              ? "pass timeout= (e.g. 30-120 s) to the client constructor or the call"
          : lang == Lang::kGo ? "use option.WithRequestTimeout or a context with a deadline"
                              : "pass { timeout: ms } to the client or as request options");
    // LLM002: retries switched off.
    if (c.retries_zero && !code.retry_markers)
      f.emit("LLM002", c.retries_pos,
             fmt::format("retries are disabled ({}) for {}(...) and nothing else in "
                         "the file retries: one 429 or 5xx fails the request",
                         c.family == "vercel-ai" ? "maxRetries: 0" : "max_retries=0", c.call),
             "keep the SDK's retries (default 2, exponential backoff) or wrap the call in "
             "tenacity/backoff; disable them only behind a gateway that retries");
    // LLM002: an SDK that retries nothing by default (Mistral's), on a client the file builds,
    // in a file with no retry configuration or retry code of its own.
    if (c.no_default_retries && !c.unknown_client && !c.args_unknown && !code.retry_markers &&
        !watched_local)
      f.emit("LLM002", c.pos,
             fmt::format("{}(...) is sent once: the Mistral SDK retries nothing unless given a "
                         "retry configuration, so one 429 or 5xx fails the request",
                         c.call),
             lang == Lang::kPython
                 ? "pass retry_config=RetryConfig(\"backoff\", BackoffStrategy(...), "
                   "retry_connection_errors=True) to Mistral(...), or retries= on the call"
                 : "pass retryConfig: { strategy: \"backoff\", ... } to new Mistral({...})");
    // LLM003: no output cap.
    if (c.cap_judged && !c.has_cap && !c.completions_api)
      f.emit("LLM003", c.pos,
             fmt::format("{}(...) sets no output cap (max_tokens / max_completion_tokens / "
                         "max_output_tokens): one runaway generation costs the model's whole "
                         "output limit",
                         c.call),
             "pass max_tokens (max_completion_tokens for OpenAI reasoning models, "
             "max_output_tokens for the Responses API) sized to the longest answer you expect");
  }
  // LLM005: the file's providers, joined across files in Auditor::finish.
  if (first.line)
    if (auto fd = f.make(
            "LLM005", first,
            fmt::format("LLM calls go only to {}",
                        join(std::vector<std::string>(providers.begin(), providers.end()), ", "))))
      f.facts.llm_calls.emplace_back(std::move(*fd), providers);
  // LLM008: unbounded agent loops.
  for (const auto& loop : code.loops) {
    if (loop.bounded) continue;
    f.emit("LLM008", loop.pos,
           fmt::format("`{}` loop calls an LLM{} with no iteration, time or token bound: a model "
                       "that keeps requesting tools loops (and bills) forever",
                       loop.what, loop.via.empty() ? "" : fmt::format(" (through {}())", loop.via)),
           lang == Lang::kPython
               ? "loop over range(MAX_STEPS) or check a step/token budget and break, raising "
                 "when it is exhausted"
               : "bound the loop with a maximum step count or a token budget and stop when it is "
                 "reached");
  }
}

}  // namespace llmctl::audit::detail
