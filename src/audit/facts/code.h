// What a source file says about the LLM APIs it calls: clients and their options, call sites
// (SDK calls, LiteLLM, raw HTTP to provider hosts) with the arguments read inside the balanced
// parentheses, loops that reach a call (directly or through a helper function of the same file),
// key-shaped literals, prompts with dynamic heads and model names. Found by a lexical pass
// (audit/lexer.h), resolved within the file only. The LLM rules judge these facts.
// Internal to llmctl_audit.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/internal.h"
#include "audit/lexer.h"

namespace llmctl::audit::detail {

struct CodeClient {
  std::string provider;  // openai | anthropic | azure-openai | groq | together | litellm-router
  bool timeout = false;
  bool retries_zero = false;
  Pos retries_pos;
  bool base_url = false;
  // base_url is a URL on this machine (localhost, 127.0.0.1, ::1) written in the file: a literal,
  // or an f-string / template whose scheme and host are literal (f"http://localhost:{port}/v1").
  bool loopback = false;
  // The client is handed an HTTP client built where the file does not show it
  // (http_client=make_client(), option.WithHTTPClient(httpClient) from another file): its
  // timeout lives there, so whether one is set cannot be judged here.
  bool timeout_elsewhere = false;
  int line = 0;
};

struct LlmCall {
  Pos pos;
  std::string call;      // as written after the receiver: chat.completions.create
  std::string family;    // openai | anthropic | litellm | raw
  std::string provider;  // openai, anthropic, litellm, azure-openai, ... (host for raw calls)
  std::optional<CodeClient> client;  // the client the call is made on, when the file shows it
  bool module_client = false;        // openai.ChatCompletion / litellm.completion
  bool unknown_client = false;       // a receiver built elsewhere: not judged for timeouts
  bool args_unknown = false;         // **kwargs, ...spread or an unresolvable variable
  bool timeout = false;              // a timeout reaches this call (call, client, module, ...)
  bool timeout_elsewhere = false;    // the client's HTTP client (and timeout) is built elsewhere
  bool retries_zero = false;         // max_retries=0 on the call, with_options() or the client
  Pos retries_pos;
  // The SDK retries nothing unless told to (the Mistral SDKs: retry_config / retryConfig unset
  // means no retry), and neither the call nor its client sets a retry configuration.
  bool no_default_retries = false;
  bool has_cap = false;    // max_tokens / max_completion_tokens / max_output_tokens
  bool cap_judged = true;  // the request body is visible (raw HTTP bodies may not be)
  // The legacy completions API (a raw request to .../completions that is not chat/completions,
  // openai.Completion.create, go-openai's CreateCompletion, litellm.text_completion): its
  // max_tokens defaults to 16 (OpenAI's API and vLLM's CompletionRequest), so an unset cap is
  // not unbounded and LLM003 does not judge it (round 22).
  bool completions_api = false;
  // Raw HTTP only: the library (requests, fetch, net/http, axios) and whether it has a default
  // timeout.
  bool raw = false;
  std::string raw_lib;
  bool raw_no_default_timeout = false;
  // Raw HTTP only: the URL is an OpenAI- or Anthropic-compatible API path on a host that is no
  // provider's (a configured base URL, a self-hosted server, a gateway), and whether that host is
  // written in the file as this machine.
  bool raw_compatible = false;
  bool raw_loopback = false;
  // Raw HTTP only: the call relays its caller's request (a transparent proxy's handler that takes
  // an incoming HTTP request and writes the upstream status back to its own client): the caller
  // sees the 429/5xx and retries, so this call is no client that should retry itself.
  bool raw_relay = false;
  // The call sits in the body of a loop that reads a person's input (input(), readline): a chat
  // REPL, whose user watches every call.
  bool in_repl = false;
  // An argument of the call is a placeholder token where the request's content goes
  // (messages="<messages>", prompt=..., model=YOUR_MODEL): a teaching fragment that does not run
  // as written, not a program; the code rules do not judge the call (round 18).
  bool fragment = false;
  // Python: the call is a module-level statement (in no function), run as the file runs.
  bool module_level = false;
  std::vector<std::pair<std::string, Pos>> model_values;  // model= string literals / constants
  size_t system_length = 0;  // static characters of system= (Anthropic)
  Pos system_pos;
  bool cache_control = false;
  size_t open_token = 0;  // token index of the call's '(' (for loops)
};

struct CodeLoop {
  Pos pos;
  std::string what;  // "while True:", "for {", "while (true)"
  bool reaches_llm = false;
  std::string via;       // the helper function when the call is indirect
  bool bounded = false;  // an iteration/step/token bound, or a human in the loop
};

struct KeyLiteral {
  Pos pos;
  std::string key;
};

struct DynamicPrompt {
  Pos pos;
  std::string expr;  // the dynamic part
  size_t after = 0;  // static characters after it
};

struct CodeFacts {
  bool production = true;  // not a test, example, doc or notebook (by path)
  // A Python script a person runs and watches: a module-level `if __name__ == "__main__":` and no
  // server, worker or UI framework imported (FastAPI, Flask, Django, Streamlit, Gradio, ...).
  bool hand_run_script = false;
  // A Python file with no `__main__` guard and no server, worker or UI framework imported: its
  // module-level statements run when a person runs it (a smoke-test script), so a call among
  // them is watched as in a guarded script.
  bool unguarded_script = false;
  std::vector<LlmCall> calls;
  std::vector<CodeLoop> loops;
  std::vector<KeyLiteral> keys;
  std::vector<DynamicPrompt> dynamic_prompts;
  std::vector<std::pair<std::string, Pos>> model_literals;  // MODEL = "..." outside calls
  bool retry_markers = false;  // tenacity, backoff, retry loops: the file retries on its own
  bool gateway_or_override = false;
};

CodeFacts scan_code(const FileCtx& f, Lang lang);
// Quick byte-level test: could this source file touch an LLM API or hold a key?
bool code_worth_scanning(std::string_view text);

}  // namespace llmctl::audit::detail
