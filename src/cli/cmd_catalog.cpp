// `llmctl catalog ...`: list, show, validate, import-prices, cost.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/explain/knowledge.h"
#include "agent/tools/catalog_tool.h"
#include "audit/rules.h"
#include "catalog/catalog_json.h"
#include "catalog/cost.h"
#include "catalog/litellm_import.h"
#include "catalog/loader.h"
#include "cli/app.h"
#include "cli/table.h"
#include "common/files.h"
#include "common/json_writer.h"
#include "common/strings.h"

namespace llmctl::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using catalog::Catalog;

std::string num(double v, int digits = 3) { return format_sig(v, digits); }

std::string list_text(const Catalog& cat, const std::string& kind) {
  if (kind == "gpus") {
    Table t({"ID", "NAME", "MEMORY GiB", "HBM GB/s", "BF16 TFLOPS", "FP8 TFLOPS", "LINK GB/s",
             "FROM $/h", "AS OF"},
            {false, false, true, true, true, true, true, true, false});
    for (const auto& g : cat.gpus) {
      auto p = g.cheapest_price();
      auto fp8 = g.tflops.find("fp8");
      t.add_row({g.id, g.name, num(g.memory_gib), num(g.memory_bandwidth_gbps, 4),
                 num(g.tflops_for("bf16")), fp8 == g.tflops.end() ? "-" : num(fp8->second),
                 fmt::format("{} {}", num(g.interconnect_gbps), g.interconnect_kind),
                 p ? fmt::format("{:.2f} {}", p->usd_per_hour, p->provider) : "-",
                 g.provenance.as_of});
    }
    return t.render();
  }
  if (kind == "models") {
    Table t({"ID", "PARAMS B", "ACTIVE B", "LAYERS", "HIDDEN", "HEADS", "KV HEADS", "ATTENTION",
             "MAX CONTEXT", "AS OF"},
            {false, true, true, true, true, true, true, false, true, false});
    for (const auto& m : cat.models) {
      std::string att = m.attention_kind;
      if (m.sliding_window) att += fmt::format("+sw{}", m.sliding_window->window);
      if (m.moe) att += fmt::format(" moe {}x top{}", m.moe->experts, m.moe->top_k);
      t.add_row({m.id, num(m.params_total_b), num(m.params_active_b), std::to_string(m.layers),
                 std::to_string(m.hidden_size), std::to_string(m.attention_heads),
                 std::to_string(m.kv_heads), att, group_thousands(m.max_context),
                 m.provenance.as_of});
    }
    return t.render();
  }
  if (kind == "engines") {
    Table t({"ID", "NAME", "IMAGE", "DTYPES", "MEM FRACTION", "METRICS", "AS OF"},
            {false, false, false, false, true, true, false});
    for (const auto& e : cat.engines)
      t.add_row({e.id, e.name, e.image, join(e.dtypes, ","),
                 fmt::format("{} of {}", num(e.gpu_memory_fraction), e.memory_fraction_of),
                 std::to_string(e.metrics.size()), e.provenance.as_of});
    return t.render();
  }
  if (kind == "prices") {
    Table t({"ID", "IN $/M", "OUT $/M", "CACHE READ $/M", "CACHE WRITE $/M", "BATCH", "CONTEXT",
             "TIER", "AS OF"},
            {false, true, true, true, true, true, true, false, false});
    auto opt = [](const std::optional<double>& v) { return v ? format_sig(*v, 3) : "-"; };
    for (const auto& p : cat.prices)
      t.add_row({p.id, num(p.input_usd_per_mtok), num(p.output_usd_per_mtok),
                 opt(p.cache_read_usd_per_mtok), opt(p.cache_write_usd_per_mtok),
                 p.batch_discount ? fmt::format("-{:.0f}%", *p.batch_discount * 100) : "-",
                 group_thousands(p.context_window), p.quality_tier.empty() ? "-" : p.quality_tier,
                 p.provenance.as_of});
    return t.render();
  }
  if (kind == "provisioned_units") {
    Table t({"ID", "UNIT", "DEPLOYMENT", "TERMS ($ per unit)", "AS OF"});
    for (const auto& u : cat.provisioned_units) {
      std::vector<std::string> terms;
      for (const auto& x : u.terms)
        terms.push_back(x.usd_per_unit_hour
                            ? fmt::format("{} {}/h", x.term, num(*x.usd_per_unit_hour))
                            : fmt::format("{} {}/month", x.term, num(*x.usd_per_unit_month)));
      t.add_row({u.id, u.unit, u.deployment, terms.empty() ? "not published" : join(terms, ", "),
                 u.provenance.as_of});
    }
    return t.render();
  }
  if (kind == "provisioned_models") {
    Table t({"ID", "MODEL", "MIN UNITS", "STEP", "INPUT TPM/UNIT", "OUTPUT WEIGHT", "AS OF"},
            {false, false, true, true, true, true, false});
    for (const auto& m : cat.provisioned_models)
      t.add_row({m.id, m.model, std::to_string(m.min_units), std::to_string(m.unit_increment),
                 group_thousands(std::llround(m.input_tpm_per_unit)), num(m.output_token_weight),
                 m.provenance.as_of});
    return t.render();
  }
  if (kind == "serverless") {
    Table t({"ID", "GPU", "OFFER", "$/GPU-s", "$/GPU-h", "WARM $/GPU-h", "IDLE TIMEOUT",
             "COLD START", "AS OF"},
            {false, false, false, true, true, true, true, true, false});
    auto secs = [](const std::optional<double>& v) { return v ? num(*v) + " s" : "-"; };
    for (const auto& g : cat.serverless)
      t.add_row({g.id, g.gpu, g.offer_name, num(g.usd_per_gpu_second, 4),
                 num(g.usd_per_gpu_second * 3600),
                 g.warm_usd_per_gpu_second ? num(*g.warm_usd_per_gpu_second * 3600) : "-",
                 secs(g.idle_timeout_s), secs(g.cold_start_s), g.provenance.as_of});
    return t.render();
  }
  if (kind == "exporters") {
    Table t({"ID", "NAME", "PORT", "PATH", "METRICS", "AS OF"},
            {false, false, true, false, true, false});
    for (const auto& e : cat.exporters)
      t.add_row({e.id, e.name, std::to_string(e.port), e.metrics_path,
                 std::to_string(e.metrics.size()), e.provenance.as_of});
    return t.render();
  }
  Table t({"ID", "ENGINE", "ARCH", "PARAMETERS", "FITTED ON", "AS OF"});
  for (const auto& e : cat.efficiency) {
    std::vector<std::string> ps;
    for (const auto& [k, v] : e.params) ps.push_back(fmt::format("{}={}", k, num(v)));
    t.add_row({e.id, e.engine, e.arch, join(ps, " "), std::to_string(e.fitted_on.size()) + " rows",
               e.provenance.as_of});
  }
  return t.render();
}

// Text view of any entry: its JSON, flattened to "key: value" lines.
void flatten(const json::value& v, const std::string& prefix, std::string& out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object())
      flatten(kv.value(),
              prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key()), out);
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    bool scalars =
        std::all_of(a.begin(), a.end(), [](const json::value& x) { return !x.is_structured(); });
    if (scalars) {
      std::vector<std::string> parts;
      for (const auto& x : a)
        parts.push_back(x.is_string() ? std::string(x.as_string()) : json::serialize(x));
      out += fmt::format("{}: {}\n", prefix, join(parts, ", "));
    } else {
      for (size_t i = 0; i < a.size(); ++i) flatten(a[i], fmt::format("{}[{}]", prefix, i), out);
    }
  } else if (v.is_string()) {
    out += fmt::format("{}: {}\n", prefix, std::string(v.as_string()));
  } else if (!v.is_null()) {
    out += fmt::format("{}: {}\n", prefix, json::serialize(v));
  }
}

std::string today() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// The knowledge base `catalog validate` checks: DIR/knowledge/*.yaml when DIR has that folder,
// else the embedded one.
Result<agent::Knowledge> load_knowledge_for(const std::string& dir) {
  fs::path folder = fs::path(dir) / "knowledge";
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(folder, ec)) return agent::builtin_knowledge();
  auto files = catalog::read_sources(folder.string());
  if (!files) return files.error();
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : *files) texts.emplace_back(f.name, f.text);
  return agent::load_knowledge(texts);
}

}  // namespace

void register_catalog(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "catalog", "Browse and check the knowledge catalog (GPUs, models, engines, prices)");
  cmd->require_subcommand(1);

  // list
  struct ListOpts {
    std::string kind, format;
  };
  auto lo = std::make_shared<ListOpts>();
  auto* list = cmd->add_subcommand("list", "List catalog entries of one kind");
  list->add_option("kind", lo->kind,
                   "gpus, models, engines, prices, efficiency, exporters, provisioned_units, "
                   "provisioned_models or serverless")
      ->required()
      ->check(CLI::IsMember({"gpus", "models", "engines", "prices", "efficiency", "exporters",
                             "provisioned_units", "provisioned_models", "serverless"}));
  add_format_option(list, lo->format);
  list->callback([&ctx, lo] {
    ctx.action = [&ctx, lo] {
      auto cat = load_catalog(ctx.global);
      if (!cat) return input_error(cat.error());
      if (parse_format(lo->format) == Format::kJson)
        std::cout << to_pretty_json(
            *agent::catalog_list_json(*cat, json::object{{"kind", lo->kind}}));
      else
        std::cout << list_text(*cat, lo->kind);
      return kExitOk;
    };
  });

  // show
  struct ShowOpts {
    std::string id, format;
  };
  auto so = std::make_shared<ShowOpts>();
  auto* show =
      cmd->add_subcommand("show", "Show one entry (GPU, model, engine, price) by id or alias");
  show->add_option("id", so->id, "Entry id or alias")->required();
  add_format_option(show, so->format);
  show->callback([&ctx, so] {
    ctx.action = [&ctx, so] {
      auto cat = load_catalog(ctx.global);
      if (!cat) return input_error(cat.error());
      auto v = agent::catalog_show_json(*cat, json::object{{"id", so->id}});
      if (!v) return input_error(v.error());
      if (parse_format(so->format) == Format::kJson) {
        std::cout << to_pretty_json(*v);
      } else {
        std::string out;
        flatten(*v, "", out);
        std::cout << out;
      }
      return kExitOk;
    };
  });

  // validate
  struct ValidateOpts {
    std::string dir, format;
  };
  auto vo = std::make_shared<ValidateOpts>();
  auto* validate = cmd->add_subcommand(
      "validate", "Check a catalog folder (default: the embedded catalog plus overlays)");
  validate->add_option("dir", vo->dir, "Folder (or file) of catalog YAML");
  add_format_option(validate, vo->format);
  validate->callback([&ctx, vo] {
    ctx.action = [&ctx, vo] {
      Result<Catalog> cat = Error{""};
      if (vo->dir.empty()) {
        cat = load_catalog(ctx.global);
      } else {
        // A folder with gpus/models/... is a full catalog; anything else is checked as an
        // overlay on top of the current catalog.
        auto files = catalog::read_sources(vo->dir);
        if (!files) return input_error(files.error());
        catalog::LoadOptions opts;
        opts.dir = ctx.global.catalog_dir;
        opts.overlays = {vo->dir};
        opts.default_overlays = false;
        cat = catalog::load_catalog(opts);
      }
      bool json_out = parse_format(vo->format) == Format::kJson;
      if (!cat) {
        if (json_out)
          std::cout << to_pretty_json(
              json::object{{"valid", false}, {"error", cat.error().message}});
        return input_error(cat.error());
      }
      // The knowledge base (data/knowledge/): the embedded one, or DIR/knowledge when DIR has
      // one. Its sources and dates are checked by the loader, its audit rule ids here.
      auto knowledge = load_knowledge_for(vo->dir);
      if (knowledge) {
        auto problems = agent::check_audit_rules(
            *knowledge, [](std::string_view id) { return audit::find_rule(id) != nullptr; });
        if (!problems.empty()) knowledge = Error{join(problems, "\n")};
      }
      if (!knowledge) {
        if (json_out)
          std::cout << to_pretty_json(
              json::object{{"valid", false}, {"error", knowledge.error().message}});
        return input_error(knowledge.error());
      }
      std::map<std::string, int> by_kind;
      for (const auto& e : knowledge->entries) ++by_kind[std::string(agent::kind_name(e.kind))];
      json::object counts{{"gpus", cat->gpus.size()},
                          {"models", cat->models.size()},
                          {"engines", cat->engines.size()},
                          {"prices", cat->prices.size()},
                          {"efficiency", cat->efficiency.size()},
                          {"exporters", cat->exporters.size()},
                          {"provisioned_units", cat->provisioned_units.size()},
                          {"provisioned_models", cat->provisioned_models.size()},
                          {"serverless", cat->serverless.size()},
                          {"retired", cat->retired.size()},
                          {"knowledge", knowledge->entries.size()}};
      if (json_out)
        std::cout << to_pretty_json(json::object{{"valid", true}, {"counts", counts}});
      else
        fmt::print(
            "catalog OK: {} GPUs, {} models, {} engines, {} prices, {} efficiency entries, {} "
            "exporters, {} provisioned-throughput units ({} models), {} serverless GPU offers, "
            "{} retired hosted models; "
            "knowledge OK: {} frameworks, {} anti-patterns, {} tools, {} workload profiles\n",
            cat->gpus.size(), cat->models.size(), cat->engines.size(), cat->prices.size(),
            cat->efficiency.size(), cat->exporters.size(), cat->provisioned_units.size(),
            cat->provisioned_models.size(), cat->serverless.size(), cat->retired.size(),
            by_kind["framework"], by_kind["antipattern"], by_kind["tool"], by_kind["workload"]);
      return kExitOk;
    };
  });

  // import-prices
  struct ImportOpts {
    std::string file, out, format;
  };
  auto io = std::make_shared<ImportOpts>();
  auto* imp = cmd->add_subcommand(
      "import-prices",
      "Import LiteLLM's model_prices_and_context_window.json into an overlay file");
  imp->add_option("file", io->file, "LiteLLM price JSON")->required()->check(CLI::ExistingFile);
  imp->add_option("--out", io->out,
                  "Overlay file to write (default ~/.config/llmctl/catalog/prices-litellm.yaml)");
  add_format_option(imp, io->format);
  imp->callback([&ctx, io] {
    ctx.action = [&ctx, io] {
      std::ifstream in(io->file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      auto result =
          catalog::import_litellm_prices(ss.str(), fs::path(io->file).filename().string(), today());
      if (!result) return input_error(result.error());
      fs::path out = io->out;
      if (out.empty()) {
        const char* home = std::getenv("HOME");
        if (!home) return input_error(Error{"--out is required when HOME is unset"});
        out = fs::path(home) / ".config/llmctl/catalog/prices-litellm.yaml";
      }
      // The overlay must load on top of the current catalog before it replaces anything.
      catalog::LoadOptions opts;
      opts.dir = ctx.global.catalog_dir;
      opts.default_overlays = false;
      auto base = opts.dir ? catalog::read_sources(*opts.dir)
                           : Result<std::vector<catalog::SourceFile>>(catalog::embedded_sources());
      if (!base) return input_error(base.error());
      auto check = catalog::load_from_sources(*base, {{out.string(), result->yaml}});
      if (!check) return input_error(check.error().wrap("imported prices do not validate"));
      if (auto st = write_atomically(out, result->yaml); !st) return input_error(st.error());
      int skipped = 0;
      json::object reasons;
      for (const auto& [why, n] : result->skipped) {
        skipped += n;
        reasons[why] = n;
      }
      if (parse_format(io->format) == Format::kJson) {
        std::cout << to_pretty_json(json::object{{"out", out.string()},
                                                 {"imported", result->imported},
                                                 {"skipped", skipped},
                                                 {"skipped_by_reason", reasons}});
      } else {
        fmt::print("wrote {} prices to {} ({} entries skipped)\n", result->imported, out.string(),
                   skipped);
        for (const auto& [why, n] : result->skipped) fmt::print("  skipped {:>5}: {}\n", n, why);
      }
      return kExitOk;
    };
  });

  // cost
  struct CostOpts {
    std::string model, provider, format;
    long long input = 0, output = 0, cache_read = 0, cache_write = 0, reasoning = 0;
    bool batch = false, provider_semantics = false;
  };
  auto co = std::make_shared<CostOpts>();
  auto* cost = cmd->add_subcommand(
      "cost", "Price one request's token usage with the catalog's cost function");
  cost->add_option("--model", co->model, "Model name, alias, or provider/model")->required();
  cost->add_option("--provider", co->provider, "Provider (openai, anthropic, google, ...)");
  cost->add_option("--input-tokens", co->input, "Input tokens, cache reads and writes included")
      ->check(CLI::NonNegativeNumber);
  cost->add_option("--output-tokens", co->output, "Output tokens, reasoning included")
      ->check(CLI::NonNegativeNumber);
  cost->add_option("--cache-read-tokens", co->cache_read, "Input tokens read from the prompt cache")
      ->check(CLI::NonNegativeNumber);
  cost->add_option("--cache-write-tokens", co->cache_write,
                   "Input tokens written to the prompt cache")
      ->check(CLI::NonNegativeNumber);
  cost->add_option("--reasoning-tokens", co->reasoning, "Reasoning tokens (part of output)")
      ->check(CLI::NonNegativeNumber);
  cost->add_flag(
      "--provider-usage", co->provider_semantics,
      "--input-tokens is as the provider reports it (Anthropic's excludes cached tokens)");
  cost->add_flag("--batch", co->batch, "Priced through the provider's batch API");
  add_format_option(cost, co->format);
  cost->callback([&ctx, co] {
    ctx.action = [&ctx, co] {
      auto cat = load_catalog(ctx.global);
      if (!cat) return input_error(cat.error());
      json::object args{{"model", co->model},
                        {"input_tokens", co->input},
                        {"output_tokens", co->output},
                        {"cache_read_tokens", co->cache_read},
                        {"cache_write_tokens", co->cache_write},
                        {"reasoning_tokens", co->reasoning},
                        {"provider_usage", co->provider_semantics},
                        {"batch", co->batch}};
      if (!co->provider.empty()) args["provider"] = co->provider;
      const auto& params = agent::catalog_cost_params();
      auto checked = agent::check_args(params, args);
      if (!checked) return input_error(flag_error(checked.error(), params));
      auto run = agent::run_catalog_cost(*cat, *checked);
      if (!run) return input_error(run.error());
      const catalog::Price* price = run->price;
      const catalog::Cost* c = &run->cost;
      if (parse_format(co->format) == Format::kJson) {
        std::cout << to_pretty_json(catalog::to_json(*c));
      } else {
        fmt::print("${:.6f}  ({})\n", c->total_usd, price->id);
        fmt::print("  input ${:.6f}  cache read ${:.6f}  cache write ${:.6f}  output ${:.6f}{}\n",
                   c->input_usd, c->cache_read_usd, c->cache_write_usd, c->output_usd,
                   c->batch ? "  (batch)" : "");
        fmt::print("  price: {} (as of {})\n", price->provenance.source, price->provenance.as_of);
      }
      return kExitOk;
    };
  });
}

namespace {
const CommandRegistrar kRegister(10, register_catalog);
}  // namespace

}  // namespace llmctl::cli
