// `llmctl mock`: an OpenAI-compatible upstream simulator with timing distributions and fault
// injection, for tests and benchmarks that need no provider and no key.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/app.h"
#include "common/strings.h"
#include "gateway/mock.h"

namespace llmctl::cli {
namespace {

using gateway::MockOptions;

struct MockFlags {
  MockOptions values;  // what the flags parsed into
  std::string scenario;
  std::string models;
  // Copies each flag that was given onto the options (flags override the scenario file).
  std::vector<std::function<void(MockOptions&)>> appliers;
};

template <typename T>
CLI::Option* flag(CLI::App* cmd, const std::shared_ptr<MockFlags>& f, const std::string& name,
                  T MockOptions::*field, const std::string& help) {
  CLI::Option* opt = cmd->add_option(name, f->values.*field, help)->capture_default_str();
  f->appliers.push_back([opt, field, raw = f.get()](MockOptions& o) {
    if (opt->count() > 0) o.*field = raw->values.*field;
  });
  return opt;
}

}  // namespace

void register_mock(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "mock",
      "Run an OpenAI-compatible upstream simulator (chat, completions, embeddings, models) with "
      "TTFT/TPOT timings and fault injection, and the engine's /metrics in vLLM's format (its "
      "GPU on /dcgm/metrics; conditions such as a full KV cache via POST /mock/engine)");
  auto f = std::make_shared<MockFlags>();
  flag(cmd, f, "--host", &MockOptions::host, "Address to listen on");
  flag(cmd, f, "--port", &MockOptions::port, "Port; 0 picks a free one (see the listening line)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--scenario", f->scenario,
                  "YAML file with the same settings as the flags (snake_case keys, e.g. ttft_ms); "
                  "flags given on the command line win")
      ->check(CLI::ExistingFile);
  flag(cmd, f, "--workers", &MockOptions::workers, "Worker threads")->check(CLI::Range(1, 256));
  flag(cmd, f, "--seed", &MockOptions::seed, "Seed of the fault and jitter draws");
  flag(cmd, f, "--ttft-ms", &MockOptions::ttft_ms, "Time to first token, ms (mean)");
  flag(cmd, f, "--ttft-jitter-ms", &MockOptions::ttft_jitter_ms, "Uniform jitter around --ttft-ms");
  flag(cmd, f, "--tpot-ms", &MockOptions::tpot_ms, "Time per further output token, ms (mean)");
  flag(cmd, f, "--tpot-jitter-ms", &MockOptions::tpot_jitter_ms, "Uniform jitter around --tpot-ms");
  flag(cmd, f, "--slow-headers-ms", &MockOptions::slow_headers_ms,
       "Extra delay before the response headers, every request");
  flag(cmd, f, "--output-tokens", &MockOptions::output_tokens,
       "Output tokens per choice (capped by the request's max_tokens)")
      ->check(CLI::Range(1, 1000000));
  flag(cmd, f, "--output-tokens-jitter", &MockOptions::output_tokens_jitter,
       "Uniform jitter around --output-tokens");
  flag(cmd, f, "--fail-rate", &MockOptions::fail_rate,
       "Share of requests answered with --fail-status")
      ->check(CLI::Range(0.0, 1.0));
  flag(cmd, f, "--fail-status", &MockOptions::fail_status, "HTTP status of injected failures")
      ->check(CLI::Range(400, 599));
  flag(cmd, f, "--rate-limit-rate", &MockOptions::rate_limit_rate,
       "Share of requests answered 429 with Retry-After")
      ->check(CLI::Range(0.0, 1.0));
  flag(cmd, f, "--retry-after", &MockOptions::retry_after_s,
       "Retry-After seconds of injected 429s");
  flag(cmd, f, "--hang-rate", &MockOptions::hang_rate,
       "Share of requests never answered (until --hang-ms; 0 = forever)")
      ->check(CLI::Range(0.0, 1.0));
  flag(cmd, f, "--hang-ms", &MockOptions::hang_ms,
       "How long a hung request hangs, then the connection closes");
  flag(cmd, f, "--disconnect-rate", &MockOptions::disconnect_rate,
       "Share of streams cut (connection closed) after --disconnect-after chunks")
      ->check(CLI::Range(0.0, 1.0));
  CLI::Option* after =
      flag(cmd, f, "--disconnect-after", &MockOptions::disconnect_after,
           "Chunks sent before a cut stream closes (alone, implies --disconnect-rate 1)");
  flag(cmd, f, "--fail-first-n", &MockOptions::fail_first_n,
       "Faults apply only to the first N requests (0: all); POST /mock/faults restarts the count")
      ->check(CLI::NonNegativeNumber);
  flag(cmd, f, "--max-context-tokens", &MockOptions::max_context_tokens,
       "Answer 400 context_length_exceeded to prompts over this many tokens (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  flag(cmd, f, "--cache-hit-share", &MockOptions::cache_hit_share,
       "Share of prompt tokens reported as prompt_tokens_details.cached_tokens")
      ->check(CLI::Range(0.0, 1.0));
  flag(cmd, f, "--embedding-dims", &MockOptions::embedding_dims,
       "Embedding size when the request gives no dimensions");
  flag(cmd, f, "--api-key", &MockOptions::api_key,
       "Require this bearer key on /v1/* (401 otherwise); default: no key needed");
  CLI::Option* models = cmd->add_option(
      "--models", f->models, "Comma-separated model ids listed by /v1/models (any id is served)");
  CLI::Option* rate = cmd->get_option("--disconnect-rate");

  cmd->callback([&ctx, f, after, rate, models] {
    ctx.action = [f, after, rate, models] {
      MockOptions o;
      if (!f->scenario.empty()) {
        std::ifstream in(f->scenario, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        auto parsed = gateway::parse_scenario(ss.str(), f->scenario, o);
        if (!parsed) return input_error(parsed.error());
        o = *parsed;
      }
      for (const auto& apply : f->appliers) apply(o);
      if (models->count() > 0) {
        o.models.clear();
        for (const auto& m : split(f->models, ','))
          if (!trim(m).empty()) o.models.push_back(trim(m));
      }
      if (after->count() > 0 && rate->count() == 0 && o.disconnect_rate == 0) o.disconnect_rate = 1;
      if (auto st = gateway::validate_mock_options(o); !st.ok()) return input_error(st.error());
      return gateway::run_mock(o);
    };
  });
}

static const CommandRegistrar kRegisterMock(61, register_mock);

}  // namespace llmctl::cli
