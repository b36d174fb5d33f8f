// What a request in plain words asks for, recognised without an LLM: one of the four
// interaction scripts (deploy, optimize-costs, monitor, scale) or a hand-off (an architecture
// decision, reliability policy, general CI/CD), and the values it already states (model, GPU,
// traffic, token lengths, SLO, budget, ...). Recognition is keyword and pattern based and says
// when it is not sure: an unrecognised or ambiguous request gets the closest scripts suggested,
// never a guess.
//
// Pure: text and the catalog in, a Recognition out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/explain/knowledge.h"
#include "catalog/catalog.h"

namespace llmctl::agent::ask {

enum class Handoff { kNone, kArchitect, kSre, kDevops };
std::string_view handoff_name(Handoff h);  // ai-solution-architect | sre-specialist | ...

struct ScriptScore {
  std::string script;  // deploy | optimize-costs | monitor | scale
  double score = 0;
};

// Values a request states, by slot name (ask/scripts.h lists the slots): "model", "gpu", "qps",
// "target_qps", "app", "input_tokens", "output_tokens", "ttft_ms", "tpot_ms" (p95s),
// "ttft_p99_ms", "tpot_p99_ms", "budget",
// "target", "current_model", "spend", "prometheus", "path".
using Slots = std::map<std::string, std::string>;

struct Recognition {
  std::string script;                // empty: not recognised (or ambiguous)
  std::vector<ScriptScore> ranking;  // every script, best first (closest when not recognised)
  Handoff handoff = Handoff::kNone;  // set when the request is not llmctl's to answer alone
  std::string handoff_topic;         // what matched ("RAG vs fine-tuning", "on-call", ...)
  Slots slots;
  // Values that matched more than one catalog entry ("70B" -> several models), by slot.
  std::map<std::string, std::vector<std::string>> ambiguous;
};

Recognition recognize(std::string_view request, const catalog::Catalog& catalog,
                      const Knowledge& knowledge);

// Parses one slot's value as a person would type it ("20 req/s", "1.2k rps", "$20k/month",
// "500 ms", "h100s", "70B"): the normalised value, or an error saying what was expected. Used for
// flags and interactive answers too, so every path accepts the same forms.
Result<std::string> parse_slot(const std::string& slot, std::string_view text,
                               const catalog::Catalog& catalog, const Knowledge& knowledge,
                               std::vector<std::string>* candidates = nullptr);

}  // namespace llmctl::agent::ask
