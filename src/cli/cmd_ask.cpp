// `llmctl ask "REQUEST"`: a request in plain words, run as one of the four interaction scripts
// (deploy, optimize-costs, monitor, scale) without an LLM. What the request leaves out is asked
// for on a terminal, or listed as the flags to pass when not; hand-offs (architecture, SRE
// policy, general CI/CD) come back as structured data. src/agent/ask/.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "agent/ask/intent.h"
#include "agent/ask/llm_loop.h"
#include "agent/ask/scripts.h"
#include "agent/explain/knowledge.h"
#include "cli/app.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;

struct AskOpts {
  std::string request, format, script;
  std::map<std::string, std::string> flags;  // slot -> value as typed
  // --llm: a tool-calling loop through an OpenAI-compatible endpoint.
  std::string llm, base_url = "http://127.0.0.1:8080/v1", api_key_env = "OPENAI_API_KEY",
                   usd_per_mtok, allow_write;
  int max_iterations = 8;
  long long max_tokens = 50000;
  double max_usd = 0.5;
  int timeout_s = 120;
};

int run_llm(const catalog::Catalog& cat, const AskOpts& o) {
  agent::ask::LlmPrice price;
  if (!o.usd_per_mtok.empty()) {
    auto parts = split(o.usd_per_mtok, ',');
    try {
      if (parts.size() != 2) throw std::invalid_argument("two numbers");
      price.input_usd_per_mtok = std::stod(parts[0]);
      price.output_usd_per_mtok = std::stod(parts[1]);
    } catch (...) {
      return input_error(Error{fmt::format(
          "--usd-per-mtok: expected IN,OUT dollars per million tokens such as 2.5,10, found "
          "\"{}\"",
          o.usd_per_mtok)});
    }
    price.source = "--usd-per-mtok";
  } else if (const catalog::Price* p = cat.find_price(o.llm)) {
    price = {p->input_usd_per_mtok, p->output_usd_per_mtok, p->id};
  } else {
    return input_error(Error{fmt::format(
        "--llm: the catalog has no price for '{}', so the dollar bound cannot be enforced; pass "
        "--usd-per-mtok IN,OUT (0,0 for a free local model)",
        o.llm)});
  }
  agent::ask::LlmLimits limits;
  limits.max_iterations = o.max_iterations;
  limits.max_tokens = o.max_tokens;
  limits.max_usd = o.max_usd;
  std::optional<std::filesystem::path> write_root;
  if (!o.allow_write.empty()) write_root = std::filesystem::path(o.allow_write);
  agent::ToolEnv env;
  env.catalog = &cat;
  env.files = agent::FileAccess::confined(".", write_root);
  const char* key = o.api_key_env.empty() ? nullptr : std::getenv(o.api_key_env.c_str());
  agent::ask::HttpChatClient client(o.base_url, key ? key : "", std::chrono::seconds(o.timeout_s));
  const bool json_out = parse_format(o.format) == Format::kJson;
  std::vector<std::string> events;
  auto report = agent::ask::run_llm(o.request, o.llm, client, agent::builtin_tools(), env, price,
                                    limits, [&](const std::string& line) {
                                      events.push_back(line);
                                      if (!json_out) {
                                        fmt::print("  -> {}\n", line);
                                        std::fflush(stdout);
                                      }
                                    });
  if (json_out) {
    json::value v = agent::ask::to_json(report);
    json::array ev;
    for (const auto& e : events) ev.emplace_back(e);
    v.as_object()["events"] = std::move(ev);
    v.as_object()["price"] = json::object{{"input_usd_per_mtok", price.input_usd_per_mtok},
                                          {"output_usd_per_mtok", price.output_usd_per_mtok},
                                          {"source", price.source}};
    std::cout << to_pretty_json(v);
  } else {
    if (!report.answer.empty()) fmt::print("\n{}\n", report.answer);
    fmt::print(
        "\nstopped: {}{} after {} turn{}, {} tool call{}; {} tokens; ${:.4f} (price {}; "
        "bounds: {} turns, {} tokens, ${:g}){}\n",
        report.stopped, report.error.empty() ? "" : " (" + report.error + ")", report.iterations,
        report.iterations == 1 ? "" : "s", report.calls.size(), report.calls.size() == 1 ? "" : "s",
        group_thousands(report.prompt_tokens + report.completion_tokens), report.usd, price.source,
        limits.max_iterations, group_thousands(limits.max_tokens), limits.max_usd,
        write_root ? "" : "; read-only");
  }
  return report.stopped == "answered" ? kExitOk : kExitCheckFailed;
}

bool interactive() { return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1; }

// Asks for each missing slot on the terminal until the script can run. False on end of input.
bool ask_missing(const std::string& script, agent::ask::Slots& slots, const catalog::Catalog& cat,
                 const agent::Knowledge& knowledge,
                 std::map<std::string, std::vector<std::string>> ambiguous) {
  for (int round = 0; round < 8; ++round) {
    auto missing = agent::ask::missing_slots(script, slots, knowledge, ambiguous);
    if (missing.empty()) return true;
    const auto& m = missing.front();
    const agent::ask::SlotSpec* spec = agent::ask::find_slot(m.slot);
    fmt::print("{}\n  ({})\n", bold(spec ? spec->question : m.slot), m.why);
    if (!m.suggestions.empty()) fmt::print("  candidates: {}\n", join(m.suggestions, ", "));
    fmt::print("  e.g. {}\n> ", spec ? spec->example : "");
    std::fflush(stdout);
    std::string line;
    if (!std::getline(std::cin, line)) return false;
    std::vector<std::string> candidates;
    auto value = agent::ask::parse_slot(m.slot, line, cat, knowledge, &candidates);
    if (!value) {
      fmt::print("  {}\n", value.error().message);
      if (!candidates.empty()) ambiguous[m.slot] = candidates;
      continue;
    }
    slots[m.slot] = *value;
    ambiguous.erase(m.slot);
  }
  return agent::ask::missing_slots(script, slots, knowledge, ambiguous).empty();
}

std::string to_upper_name(const std::string& slot) {
  std::string out = slot;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"";
}

int print(const agent::ask::Answer& a, const std::string& format, int code) {
  if (parse_format(format) == Format::kJson)
    std::cout << to_pretty_json(agent::ask::to_json(a));
  else
    std::cout << agent::ask::to_text(a);
  return code;
}

int run_ask(const Context& ctx, const AskOpts& o) {
  auto cat = load_catalog(ctx.global);
  if (!cat) return input_error(cat.error());
  const auto& knowledge = agent::builtin_knowledge();
  if (!knowledge) return input_error(knowledge.error());
  if (trim(o.request).empty()) return input_error(Error{"request: say what you need in words"});
  if (!o.llm.empty()) return run_llm(*cat, o);

  agent::ask::Recognition r = agent::ask::recognize(o.request, *cat, *knowledge);
  for (const auto& [slot, raw] : o.flags) {
    std::vector<std::string> candidates;
    auto value = agent::ask::parse_slot(slot, raw, *cat, *knowledge, &candidates);
    if (!value) {
      const agent::ask::SlotSpec* spec = agent::ask::find_slot(slot);
      std::string msg = value.error().message;
      if (spec && starts_with(msg, slot + ": ")) msg = spec->flag + msg.substr(slot.size());
      return input_error(Error{msg});
    }
    r.slots[slot] = *value;
    r.ambiguous.erase(slot);
  }
  if (!o.script.empty()) {
    r.script = o.script;
    r.handoff = agent::ask::Handoff::kNone;
  }

  agent::ToolEnv env;
  env.catalog = &*cat;
  const agent::Registry& tools = agent::builtin_tools();
  if (r.handoff != agent::ask::Handoff::kNone)
    return print(agent::ask::handoff_answer(o.request, r, tools, env, *knowledge), o.format,
                 kExitOk);
  if (r.script.empty()) {
    agent::ask::Answer a = agent::ask::unrecognised_answer(o.request, r);
    if (parse_format(o.format) != Format::kJson)
      a.notes.push_back(
          "name the script with --script deploy|optimize-costs|monitor|scale, or "
          "rephrase");
    return print(a, o.format, kExitUsage);
  }

  auto missing = agent::ask::missing_slots(r.script, r.slots, *knowledge, r.ambiguous);
  if (!missing.empty() && interactive() && parse_format(o.format) == Format::kText) {
    fmt::print("script: {} — {}\n", r.script, agent::ask::find_script(r.script)->title);
    if (!ask_missing(r.script, r.slots, *cat, *knowledge, r.ambiguous)) return kExitUsage;
    missing.clear();
  }
  if (!missing.empty()) {
    agent::ask::Answer a;
    a.request = o.request;
    a.script = r.script;
    a.slots = r.slots;
    a.missing = missing;
    std::string again = "llmctl ask " + shell_quote(o.request);
    for (const auto& [slot, value] : o.flags) {
      const agent::ask::SlotSpec* spec = agent::ask::find_slot(slot);
      again += fmt::format(" {} {}", spec->flag, shell_quote(value));
    }
    std::vector<std::string> lines;
    for (const auto& m : missing) {
      const agent::ask::SlotSpec* spec = agent::ask::find_slot(m.slot);
      again += fmt::format(" {} {}", spec->flag,
                           m.suggestions.empty() ? spec->example : m.suggestions.front());
      lines.push_back(fmt::format(
          "{:<28} {}: {}{}", spec->flag + " " + to_upper_name(m.slot), spec->question, m.why,
          m.suggestions.empty() ? "" : " (candidates: " + join(m.suggestions, ", ") + ")"));
    }
    a.headline =
        fmt::format("The {} script needs {} more value{}; pass {}:", r.script, missing.size(),
                    missing.size() == 1 ? "" : "s", missing.size() == 1 ? "it" : "them");
    a.apply = lines;
    a.notes.push_back("for example: " + again);
    if (parse_format(o.format) == Format::kJson) return print(a, o.format, kExitUsage);
    std::string recognised;
    for (const auto& [k, v] : r.slots) recognised += fmt::format(" {}={}", k, v);
    fmt::print(stderr, "llmctl: ask: script {} recognised{}\n", r.script,
               recognised.empty() ? "; nothing else stated" : " with" + recognised);
    fmt::print(stderr, "llmctl: {}\n", a.headline);
    for (const auto& l : lines) fmt::print(stderr, "  {}\n", l);
    fmt::print(stderr, "  {}\n", a.notes.back());
    return kExitUsage;
  }

  agent::ask::Answer a = agent::ask::run_script(r.script, r.slots, tools, env, *knowledge);
  a.request = o.request;
  return print(a, o.format, a.failed ? kExitCheckFailed : kExitOk);
}

}  // namespace

void register_ask(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<AskOpts>();
  auto* cmd = app.add_subcommand(
      "ask",
      "Run a request in plain words: deploy our LLM app, optimize our AI costs, monitor our AI "
      "system, scale our GPU infrastructure (no LLM needed)");
  cmd->add_option("request", o->request, "What you need, in words (quote it)")->required();
  cmd->add_option("--script", o->script, "Run this script whatever the words say")
      ->check(CLI::IsMember({"deploy", "optimize-costs", "monitor", "scale"}));
  for (const auto& spec : agent::ask::slot_specs()) {
    const std::string slot = spec.name;
    cmd->add_option_function<std::string>(
           spec.flag, [o, slot](const std::string& v) { o->flags[slot] = v; },
           spec.question + " (e.g. " + spec.example + ")")
        ->group("Values the request may leave out");
  }
  auto* g = "With an LLM (--llm): a bounded tool-calling loop over the same tools";
  cmd->add_option("--llm", o->llm,
                  "Model to run the loop with, through an OpenAI-compatible endpoint")
      ->group(g);
  cmd->add_option("--base-url", o->base_url,
                  "Endpoint before /chat/completions (default: the llmctl gateway, "
                  "http://127.0.0.1:8080/v1)")
      ->group(g);
  cmd->add_option("--api-key-env", o->api_key_env,
                  "Environment variable with the API key (default OPENAI_API_KEY; unset: none)")
      ->group(g);
  cmd->add_option("--max-iterations", o->max_iterations, "Most model turns (default 8)")
      ->check(CLI::Range(1, 100))
      ->group(g);
  cmd->add_option("--max-tokens", o->max_tokens,
                  "Most tokens in and out over the loop (default 50000)")
      ->check(CLI::Range(1LL, 100000000LL))
      ->group(g);
  cmd->add_option("--max-usd", o->max_usd, "Most dollars over the loop (default 0.50)")
      ->check(CLI::NonNegativeNumber)
      ->group(g);
  cmd->add_option("--usd-per-mtok", o->usd_per_mtok,
                  "IN,OUT price per million tokens when the catalog has none for the model")
      ->group(g);
  cmd->add_option("--allow-write", o->allow_write,
                  "Let the deploy tool write under DIR (default: read-only)")
      ->group(g);
  cmd->add_option("--timeout", o->timeout_s, "Seconds per model request (default 120)")
      ->check(CLI::Range(1, 3600))
      ->group(g);
  add_format_option(cmd, o->format);
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return run_ask(ctx, *o); }; });
}

namespace {
const CommandRegistrar kRegister(60, register_ask);
}  // namespace

}  // namespace llmctl::cli
