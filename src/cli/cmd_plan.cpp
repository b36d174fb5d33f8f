// `llmctl plan SPEC.yaml`: capacity planning. The `plan` tool (src/agent/tools/plan_tool.h) reads
// the spec and its trace and plans; this file renders the plan as a table with reasons, or as the
// tool's JSON.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/tools/plan_tool.h"
#include "cli/app.h"
#include "cli/table.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "plan/format.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "plan/spec.h"

namespace llmctl::cli {
namespace {

namespace fs = std::filesystem;
using plan::money;
using plan::num;
using plan::Option;
using plan::OptionKind;

std::string lengths_text(const plan::LengthDistribution& d) {
  return fmt::format("mean {} / p95 {}{}", num(d.mean), num(d.p95_or_default()),
                     d.p95 ? "" : " (assumed)");
}

std::string render_text(const plan::Plan& p, int top) {
  const plan::Spec& s = p.spec;
  const plan::Traffic& t = s.traffic;
  std::string out;
  std::vector<std::string> what;
  for (const auto& m : s.models) what.push_back(m.value);
  if (s.tier) what.push_back(fmt::format("tier {} or better", s.tier->value));
  out += fmt::format("plan {}: {}\n", bold(s.name), join(what, ", "));
  out += fmt::format("traffic: peak {} req/s, average {} req/s; input tokens {}, output {}\n",
                     num(t.peak_qps), num(t.average_qps), lengths_text(t.input_tokens),
                     lengths_text(t.output_tokens));
  std::vector<std::string> slo;
  if (s.slo.ttft_p95_ms) slo.push_back(fmt::format("p95 TTFT {} ms", num(*s.slo.ttft_p95_ms)));
  if (s.slo.tpot_p95_ms) slo.push_back(fmt::format("p95 TPOT {} ms", num(*s.slo.tpot_p95_ms)));
  if (s.slo.ttft_p99_ms) slo.push_back(fmt::format("p99 TTFT {} ms", num(*s.slo.ttft_p99_ms)));
  if (s.slo.tpot_p99_ms) slo.push_back(fmt::format("p99 TPOT {} ms", num(*s.slo.tpot_p99_ms)));
  slo.push_back(fmt::format("availability {}%", num(s.slo.availability * 100, 4)));
  out += fmt::format("SLO: {}; budget {}\n", join(slo, ", "),
                     s.budget_monthly_usd ? money(*s.budget_monthly_usd) + "/month" : "none");

  std::map<std::string, int> by_category;
  for (const auto& r : p.rejected) ++by_category[r.category];
  std::vector<std::string> cats;
  for (const auto& [c, n] : by_category) cats.push_back(fmt::format("{} {}", n, c));
  int excluded = 0;
  for (const auto& e : p.excluded) excluded += e.options;
  out += fmt::format(
      "evaluated {} options: {} ranked, {} dominated, {} rejected{}; {} excluded by "
      "constraints\n\n",
      p.options_evaluated, p.ranked.size(), p.dominated.size(), p.rejected.size(),
      cats.empty() ? "" : " (" + join(cats, ", ") + ")", excluded);

  const int shown = std::min<int>(top, static_cast<int>(p.ranked.size()));
  if (shown == 0) {
    out +=
        "no option meets the SLO, budget and constraints; see the rejections below or "
        "--format json\n";
  } else {
    Table table({"#", "OPTION", "GPUS", "$/MONTH", "$/M TOK", "REQ/S/REPLICA", "TTFT P95",
                 "TPOT P95", "HEADROOM", "BOTTLENECK"},
                {true, false, true, true, true, true, true, true, true, false});
    for (int i = 0; i < shown; ++i) {
      const Option& o = p.ranked[i];
      bool self = o.kind == OptionKind::kSelfHosted || o.kind == OptionKind::kServerless;
      table.add_row({std::to_string(i + 1), o.id, self ? std::to_string(o.gpus_billed) : "-",
                     money(o.monthly_usd), num(o.usd_per_mtok), self ? num(o.capacity.qps) : "-",
                     self ? num(o.p95_at_peak.ttft_ms) + " ms" : "-",
                     self ? num(o.p95_at_peak.tpot_ms) + " ms" : "-",
                     o.headroom ? fmt::format("{:.0f}%", *o.headroom * 100) : "n/a", o.bottleneck});
    }
    out += table.render();
    out += "\n";
    for (int i = 0; i < shown; ++i) {
      const Option& o = p.ranked[i];
      out += fmt::format("{}. {}{}\n", i + 1, o.id, o.tier.empty() ? "" : " [" + o.tier + "]");
      for (const auto& b : o.because) out += fmt::format("   because {}\n", b);
    }
  }
  if (p.break_even) out += fmt::format("\nbreak-even: {}\n", p.break_even->summary);
  if (!p.best_by_kind.empty()) {
    out += "\ncheapest of each kind (within the SLO, budget aside):\n";
    for (const auto& k : p.best_by_kind)
      out += fmt::format("  {:<12} {:>10}/month  {}{}\n", plan::to_string(k.kind),
                         money(k.monthly_usd), k.id,
                         k.ranked ? "" : " (not ranked: dominated or over budget)");
  }
  if (!p.notes.empty()) {
    out += "\nwhy not:\n";
    for (const auto& n : p.notes) out += fmt::format("  - {}\n", n);
  }
  out += "\nassumptions:\n";
  for (const auto& a : p.assumptions) out += fmt::format("  - {}\n", a);
  if (!p.rejected.empty() || !p.dominated.empty())
    out += fmt::format("\n{} rejected and {} dominated options are listed by --format json\n",
                       p.rejected.size(), p.dominated.size());
  return out;
}

}  // namespace

void register_plan(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string spec, format;
    int top = 5;
    int simulate = plan::PlanOptions{}.simulate_top;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "plan", "Plan capacity: hosted APIs vs self-hosted GPUs for a traffic spec, ranked by cost");
  cmd->add_option("spec", o->spec, "Plan spec (YAML; see docs/PLAN.md and examples/)")->required();
  cmd->add_option("--top", o->top, "How many ranked options to show")->check(CLI::PositiveNumber);
  cmd->add_option("--simulate", o->simulate,
                  "Check the N cheapest ranked self-hosted options by simulating their fleet at "
                  "the peak (default 3; 0: the analytic model alone)")
      ->check(CLI::Range(0, 20));
  add_format_option(cmd, o->format);
  cmd->callback([&ctx, o] {
    ctx.action = [&ctx, o] {
      const auto& params = agent::plan_params();
      auto args = agent::check_args(
          params,
          boost::json::object{{"spec_path", o->spec}, {"top", o->top}, {"simulate", o->simulate}});
      if (!args) return input_error(flag_error(args.error(), params));
      auto cat = load_catalog(ctx.global);
      if (!cat) return input_error(cat.error());
      agent::ToolEnv env;
      env.catalog = &*cat;
      auto result = agent::run_plan(*args, env);
      if (!result) return input_error(result.error());
      if (parse_format(o->format) == Format::kJson)
        std::cout << to_pretty_json(plan::to_json(*result, o->top));
      else
        std::cout << render_text(*result, o->top);
      return result->ranked.empty() ? kExitCheckFailed : kExitOk;
    };
  });
}

namespace {
const CommandRegistrar kRegister(40, register_plan);
}  // namespace

}  // namespace llmctl::cli
