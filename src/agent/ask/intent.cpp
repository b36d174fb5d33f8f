#include "agent/ask/intent.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

#include "common/strings.h"

namespace llmctl::agent::ask {
namespace {

// Words that point at each script. A stem matches a word that starts with it ("monitor" matches
// "monitoring"); multi-word phrases match as substrings of the lower-cased request.
struct ScriptWords {
  const char* script;
  std::vector<std::string> stems;
  std::vector<std::string> phrases;
};

const std::vector<ScriptWords>& script_words() {
  // A word ending in '*' matches as a prefix ("monitor*": monitoring, monitored); others match
  // whole words only ("deploy" is a request, "deployment" is just a noun).
  static const std::vector<ScriptWords> words = {
      {"deploy",
       {"deploy", "deploying", "serve", "host", "hosting", "rollout", "ship", "productionize",
        "productionise"},
       {"roll out", "put it in production", "in production", "stand up", "go live", "run our"}},
      {"optimize-costs",
       {"cost*", "spend*", "bill", "bills", "invoice*", "cheap*", "expensive", "finops", "saving*",
        "pricing", "budget*"},
       {"save money", "too much", "reduce our", "cut our", "lower our"}},
      {"monitor",
       {"monitor*", "observab*", "alert*", "dashboard*", "health*", "diagnos*", "latency", "slow*",
        "error*", "watch", "incident*"},
       {"what's wrong", "what is wrong", "is it healthy", "keep an eye"}},
      {"scale",
       {"scale", "scaling", "grow*", "capacity", "autoscal*", "burst*", "spike*"},
       {"more traffic", "how many gpus", "handle more", "double", "10x", "peak season"}},
  };
  return words;
}

bool word_matches(const std::string& token, const std::string& pattern) {
  if (!pattern.empty() && pattern.back() == '*')
    return starts_with(token, std::string_view(pattern).substr(0, pattern.size() - 1));
  return token == pattern;
}

// Hand-offs: requests that are not llmctl's to decide alone. Checked before the scripts.
struct HandoffWords {
  Handoff to;
  std::vector<std::string> phrases;  // any one suffices
};

const std::vector<HandoffWords>& handoff_words() {
  static const std::vector<HandoffWords> words = {
      {Handoff::kArchitect, {"rag or fine",          "rag vs",
                             "fine-tuning vs",       "fine tuning vs",
                             "fine-tune or",         "fine tune or",
                             "or fine-tun",          "or fine tun",
                             "which model family",   "what model family",
                             "which model should",   "what model should",
                             "which llm should",     "agent design",
                             "design our agent",     "design an agent",
                             "agent architecture",   "multi-agent",
                             "should we use rag",    "vector database should",
                             "which embedding model"}},
      {Handoff::kSre,
       {"slo target", "what slo", "which slo", "set our slo", "slos should", "on-call", "on call",
        "oncall", "pager", "incident process", "incident response", "postmortem", "post-mortem",
        "error budget policy", "reliability policy"}},
      {Handoff::kDevops,
       {"ci/cd", "cicd", "jenkins", "gitlab ci", "terraform", "ansible", "vpc", "load balancer",
        "dns record", "docker image for our web", "build pipeline", "kubernetes cluster upgrade",
        "github actions for our"}},
  };
  return words;
}

// Words that make a request about LLMs (a CI/CD request with them is llmctl's: the eval gate).
const std::vector<std::string>& llm_words() {
  static const std::vector<std::string> words = {
      "llm",       "model", "gpu",    "inference", "vllm",   "token",  "prompt",  "openai",
      "anthropic", "gpt",   "claude", "llama",     "sglang", "ai app", "chatbot", "rag"};
  return words;
}

std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '.' || c == '-' || c == '/' || c == '_' || c == ':') {
      w += static_cast<char>(std::tolower(u));
    } else if (!w.empty()) {
      out.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(w);
  // Trailing punctuation of a sentence is not part of a token.
  for (auto& t : out)
    while (!t.empty() && (t.back() == '.' || t.back() == ':' || t.back() == '-')) t.pop_back();
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

double number_with_suffix(const std::string& digits, const std::string& suffix) {
  double v = std::stod(digits);
  std::string s = to_lower(suffix);
  if (s == "k") v *= 1e3;
  if (s == "m") v *= 1e6;
  if (s == "b") v *= 1e9;
  return v;
}

std::string number_text(double v) { return fmt::format("{:.6g}", v); }

// "20 req/s", "1.2k rps", "300 requests per minute", "2M requests/day", "50 qps".
std::optional<double> find_rate(const std::string& text, std::string* matched = nullptr) {
  static const std::regex re(
      R"((\d+(?:\.\d+)?)\s*([km])?\s*(?:req(?:uest)?s?|queries|calls|qps|rps)\s*(?:/|per|a|an|each)?\s*(s\b|sec\w*|second|min\w*|minute|h\b|hr|hour|day|d\b)?)",
      std::regex::icase);
  std::smatch m;
  std::string::const_iterator begin = text.begin();
  while (std::regex_search(begin, text.end(), m, re)) {
    std::string whole = to_lower(m[0].str());
    double v = number_with_suffix(m[1].str(), m[2].matched ? m[2].str() : "");
    std::string per = to_lower(m[3].matched ? m[3].str() : "");
    bool explicit_rate = contains(whole, "qps") || contains(whole, "rps") || !per.empty();
    if (explicit_rate) {
      if (starts_with(per, "min")) v /= 60;
      if (per == "h" || per == "hr" || starts_with(per, "hour")) v /= 3600;
      if (per == "d" || per == "day") v /= 86400;
      if (matched) *matched = m[0].str();
      return v;
    }
    begin = m[0].second;
  }
  return std::nullopt;
}

std::optional<double> find_money(const std::string& text, bool* monthly = nullptr) {
  static const std::regex re(
      R"(\$\s*(\d+(?:[.,]\d+)?)\s*([kmb])?\b(\s*(?:/|a|per)\s*(?:mo|month))?)", std::regex::icase);
  // Without a dollar sign, an amount counts only as a monthly figure or with its currency named
  // ("40k a month", "40,000 USD per month", "5000 dollars").
  static const std::regex bare(
      R"(\b(\d+(?:[.,]\d+)?)\s*([kmb])?\s*(?:(?:usd|dollars)\b\s*)?((?:/|a\s|per\s)\s*(?:mo|month)\b)?)",
      std::regex::icase);
  std::smatch m;
  if (!std::regex_search(text, m, re)) {
    bool found = false;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), bare);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& b = *it;
      const std::string all = to_lower(b.str());
      if (b[3].matched || all.find("usd") != std::string::npos ||
          all.find("dollar") != std::string::npos) {
        m = b;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
  }
  std::string digits = m[1].str();
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  if (monthly) *monthly = m[3].matched;
  return number_with_suffix(digits, m[2].matched ? m[2].str() : "");
}

// The first `label` followed, within a few words, by a duration ("ttft under 500 ms", "p95 ttft
// of 1.5 s", "ttft <= 800ms"): the match, its number (group 1) and unit (group 2).
std::optional<std::smatch> find_duration(const std::string& text, const std::string& label) {
  const std::regex re(
      label + R"([^0-9]{0,24}?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec(?:onds?)?)\b)",
      std::regex::icase);
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return m;
}
double milliseconds_of(const std::smatch& m) {
  const double v = std::stod(m[1].str());
  return starts_with(to_lower(m[2].str()), "m") ? v : v * 1000;
}

std::optional<double> find_ms(const std::string& text, const std::string& label) {
  auto m = find_duration(text, label);
  if (!m) return std::nullopt;
  return milliseconds_of(*m);
}

// A tail target ("p99 ttft under 2 s", "ttft p99 of 2 s"), cut out of `text` so that the plain
// label then finds only the p95 one ("p95 ttft under 1 s", or unqualified): a p99 read as a p95
// would size the fleet for a target the user did not set.
std::optional<double> take_p99_ms(std::string& text, const std::string& label) {
  auto m = find_duration(text, "(?:p99[\\s-]*" + label + "|" + label + R"([\s-]*\(?p99\)?))");
  if (!m) return std::nullopt;
  const double v = milliseconds_of(*m);
  text.erase(static_cast<std::size_t>(m->position(0)), static_cast<std::size_t>(m->length(0)));
  return v;
}

std::optional<double> find_tokens(const std::string& text, const std::string& which) {
  // "2000 input tokens", "prompts of 3k tokens" (input), "300 output tokens", "answers of 200
  // tokens"
  const std::regex re(R"((\d+(?:\.\d+)?)\s*([k])?\s*)" + which + R"(\s*tokens?)",
                      std::regex::icase);
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return number_with_suffix(m[1].str(), m[2].matched ? m[2].str() : "");
}

// Catalog models a size names ("70b" -> llama-3.1-70b, llama-2-70b, qwen2.5-72b...): total
// parameters within 10%.
std::vector<std::string> models_of_size(const catalog::Catalog& cat, double billions) {
  std::vector<std::string> out;
  for (const auto& m : cat.models)
    if (std::fabs(m.params_total_b - billions) <= 0.1 * billions) out.push_back(m.id);
  return out;
}

// The longest catalog id or alias that appears as a token run in the request.
template <typename Find>
// The longest run of words that names an entry, as written ("gpt-4o") or with its words joined
// by dashes the way catalog ids are ("llama 3.1 8b" -> llama-3.1-8b, "h100 sxm" -> h100-sxm), or
// without a plural s.
std::string find_entry(const std::vector<std::string>& toks, Find find) {
  for (std::size_t n = 4; n >= 1; --n) {
    for (std::size_t i = 0; i + n <= toks.size(); ++i) {
      std::string spaced, dashed;
      for (std::size_t j = i; j < i + n; ++j) {
        spaced += (j > i ? " " : "") + toks[j];
        dashed += (j > i ? "-" : "") + toks[j];
      }
      std::vector<std::string> candidates{spaced};
      if (n > 1) candidates.push_back(dashed);  // one word: the same text
      for (const std::string& words : candidates) {
        for (const std::string& c :
             {words, words.size() > 1 && words.back() == 's' ? words.substr(0, words.size() - 1)
                                                             : std::string()}) {
          if (c.empty()) continue;
          std::string id = find(c);
          if (!id.empty()) return id;
        }
      }
    }
  }
  return "";
}

}  // namespace

std::string_view handoff_name(Handoff h) {
  switch (h) {
    case Handoff::kArchitect:
      return "ai-solution-architect";
    case Handoff::kSre:
      return "sre-specialist";
    case Handoff::kDevops:
      return "devops-specialist";
    case Handoff::kNone:
      break;
  }
  return "";
}

Result<std::string> parse_slot(const std::string& slot, std::string_view raw,
                               const catalog::Catalog& cat, const Knowledge& knowledge,
                               std::vector<std::string>* candidates) {
  const std::string text = trim(raw);
  const std::string lower = to_lower(text);
  if (text.empty()) return Error{fmt::format("{}: expected a value", slot)};
  auto plain_number = [&](double min) -> Result<double> {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(text, &used);
    } catch (...) {
      used = 0;
    }
    std::string rest = to_lower(trim(text.substr(used)));
    if (used == 0 || !std::isfinite(v) || v < min) return Error{"not a number"};
    if (rest == "k")
      v *= 1e3;
    else if (rest == "m")
      v *= 1e6;
    else if (!rest.empty() && rest != "ms" && rest != "tokens")
      return Error{"not a number"};
    return v;
  };
  if (slot == "qps" || slot == "target_qps") {
    if (auto v = find_rate(text)) return number_text(*v);
    if (auto v = plain_number(0); v && *v > 0) return number_text(*v);
    return Error{
        fmt::format("{}: expected requests per second, such as 20, \"20 req/s\" or \"1200 "
                    "requests per minute\", found \"{}\"",
                    slot, text)};
  }
  if (slot == "model") {
    if (const auto* m = cat.find_model(text)) return m->id;
    static const std::regex size(R"(^(\d+(?:\.\d+)?)\s*b$)", std::regex::icase);
    std::smatch sm;
    if (std::regex_match(text, sm, size)) {
      auto found = models_of_size(cat, std::stod(sm[1].str()));
      if (found.size() == 1) return found[0];
      if (candidates) *candidates = found;
      if (!found.empty())
        return Error{fmt::format("model: \"{}\" matches several catalog models: {}; name one", text,
                                 join(found, ", "))};
    }
    return Error{fmt::format("model: expected a catalog model id or alias, found \"{}\"; known: {}",
                             text, cat.model_ids())};
  }
  if (slot == "current_model") {
    if (const auto* p = cat.find_price(text)) return p->id;
    if (const auto* m = cat.find_model(text)) return m->id;
    return Error{fmt::format(
        "current_model: expected a hosted model (gpt-4o, claude-sonnet-4, provider/model) or a "
        "catalog model, found \"{}\" (see `llmctl catalog list prices`)",
        text)};
  }
  if (slot == "gpu") {
    std::string t = text;
    if (const auto* g = cat.find_gpu(t)) return g->id;
    if (t.size() > 1 && (t.back() == 's' || t.back() == 'S'))
      if (const auto* g = cat.find_gpu(t.substr(0, t.size() - 1))) return g->id;
    return Error{fmt::format("gpu: expected a catalog GPU id or alias, found \"{}\"; known: {}",
                             text, cat.gpu_ids())};
  }
  if (slot == "app") {
    if (const auto* w = find_workload(knowledge, lower)) return w->id;
    for (const char* known : {"rag", "agent", "summarization", "summarisation", "batch",
                              "classification", "extraction"})
      if (lower == known) return std::string(known);
    return Error{fmt::format(
        "app: expected chat, code-completion, rag, agent, summarization, batch or extraction, "
        "found \"{}\"",
        text)};
  }
  if (slot == "input_tokens" || slot == "output_tokens") {
    if (auto v = plain_number(1); v && *v >= 1) return number_text(*v);
    return Error{fmt::format("{}: expected a number of tokens (mean per request), found \"{}\"",
                             slot, text)};
  }
  if (slot == "ttft_ms" || slot == "tpot_ms" || slot == "ttft_p99_ms" || slot == "tpot_p99_ms") {
    static const std::regex ms(R"(^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|secs|seconds?)?$)",
                               std::regex::icase);
    std::smatch m;
    if (std::regex_match(text, m, ms) && std::stod(m[1].str()) > 0) {
      double v = std::stod(m[1].str());
      if (m[2].matched && to_lower(m[2].str())[0] == 's') v *= 1000;
      return number_text(v);
    }
    return Error{fmt::format("{}: expected milliseconds such as 500 or \"1.5 s\", found \"{}\"",
                             slot, text)};
  }
  if (slot == "budget" || slot == "spend") {
    if (auto v = find_money(text.front() == '$' ? text : "$" + text)) return number_text(*v);
    return Error{fmt::format(
        "{}: expected US dollars per month such as 20000 or \"$20k\", found \"{}\"", slot, text)};
  }
  if (slot == "target") {
    for (const char* t : {"k8s", "kserve", "helm-production-stack", "skypilot", "compose"})
      if (lower == t) return std::string(t);
    if (lower == "kubernetes") return std::string("k8s");
    if (lower == "helm") return std::string("helm-production-stack");
    return Error{fmt::format(
        "target: expected k8s, kserve, helm-production-stack, skypilot or compose, found \"{}\"",
        text)};
  }
  if (slot == "prometheus") {
    if (starts_with(lower, "http://") || starts_with(lower, "https://")) return text;
    return Error{fmt::format(
        "prometheus: expected a URL such as http://prometheus:9090, found \"{}\"", text)};
  }
  if (slot == "path" || slot == "db" || slot == "input" || slot == "rules") return text;
  if (slot == "input_format") return lower;
  return Error{fmt::format("{}: unknown slot", slot)};
}

Recognition recognize(std::string_view request, const catalog::Catalog& cat,
                      const Knowledge& knowledge) {
  Recognition r;
  const std::string text(request);
  const std::string lower = to_lower(text);
  const std::vector<std::string> toks = tokens(text);

  // Hand-offs first: an architecture question that mentions deploying is still an architecture
  // question. General CI/CD is only declined when nothing in it is about LLMs.
  bool about_llms = false;
  for (const auto& w : llm_words()) about_llms = about_llms || contains(lower, w);
  for (const auto& h : handoff_words()) {
    for (const auto& p : h.phrases) {
      if (!contains(lower, p)) continue;
      if (h.to == Handoff::kDevops && about_llms) continue;
      r.handoff = h.to;
      r.handoff_topic = p;
      break;
    }
    if (r.handoff != Handoff::kNone) break;
  }

  for (const auto& sw : script_words()) {
    double score = 0;
    for (const auto& stem : sw.stems)
      for (const auto& t : toks)
        if (word_matches(t, stem)) {
          score += 1;
          break;
        }
    for (const auto& p : sw.phrases)
      if (contains(lower, p)) score += 1.5;
    r.ranking.push_back({sw.script, score});
  }

  // Slots stated in the request.
  bool lone_rate_is_target = false;
  if (auto rate = find_rate(text)) {
    // "from 20 to 100 req/s", "scale to 100 req/s": the last rate is the target.
    std::vector<double> rates;
    std::string rest = text;
    std::string matched;
    while (auto v = find_rate(rest, &matched)) {
      rates.push_back(*v);
      rest = rest.substr(rest.find(matched) + matched.size());
    }
    static const std::regex from_to(R"(from\s+(\d+(?:\.\d+)?)\s*([km])?\s+to\s+(\d+(?:\.\d+)?))",
                                    std::regex::icase);
    std::smatch m;
    if (std::regex_search(text, m, from_to)) {
      r.slots["qps"] = number_text(number_with_suffix(m[1].str(), m[2].matched ? m[2].str() : ""));
      r.slots["target_qps"] = number_text(rates.back());
    } else if (rates.size() >= 2) {
      r.slots["qps"] = number_text(rates.front());
      r.slots["target_qps"] = number_text(rates.back());
    } else {
      r.slots["qps"] = number_text(*rate);
      // One rate and no word that makes it today's ("we are at 20 req/s now"): for a scaling
      // request it is the rate to reach (set below, once the script is known).
      lone_rate_is_target = true;
      for (const char* w : {"today", "currently", "current", "right now", " now", "at the moment",
                            "we are at", "we're at", "we serve", "we handle", "we get", "we see"})
        lone_rate_is_target = lone_rate_is_target && !contains(lower, w);
    }
  }
  static const std::regex times(R"(\b(\d+(?:\.\d+)?)\s*x\b)", std::regex::icase);
  std::smatch tm;
  if (std::regex_search(text, tm, times)) r.slots["growth"] = tm[1].str();

  std::string model = find_entry(toks, [&](const std::string& c) -> std::string {
    const auto* m = cat.find_model(c);
    return m ? m->id : "";
  });
  if (!model.empty()) {
    r.slots["model"] = model;
  } else {
    static const std::regex size(R"(\b(\d+(?:\.\d+)?)\s*b\b)", std::regex::icase);
    std::smatch m;
    if (std::regex_search(text, m, size)) {
      auto found = models_of_size(cat, std::stod(m[1].str()));
      if (found.size() == 1)
        r.slots["model"] = found[0];
      else if (!found.empty())
        r.ambiguous["model"] = found;
    }
  }
  std::string price = find_entry(toks, [&](const std::string& c) -> std::string {
    const auto* p = cat.find_price(c);
    return p ? p->id : "";
  });
  if (!price.empty()) r.slots["current_model"] = price;
  std::string gpu = find_entry(toks, [&](const std::string& c) -> std::string {
    const auto* g = cat.find_gpu(c);
    return g ? g->id : "";
  });
  if (!gpu.empty()) r.slots["gpu"] = gpu;

  for (const auto& t : toks) {
    if (r.slots.count("app")) break;
    if (const auto* w = find_workload(knowledge, t)) r.slots["app"] = w->id;
    for (const char* known : {"rag", "agent", "summarization", "summarisation", "batch"})
      if (t == known || t == std::string(known) + "s") r.slots["app"] = known;
  }
  if (auto v = find_tokens(text, "input")) r.slots["input_tokens"] = number_text(*v);
  if (auto v = find_tokens(text, "prompt")) r.slots["input_tokens"] = number_text(*v);
  if (auto v = find_tokens(text, "output")) r.slots["output_tokens"] = number_text(*v);
  std::string p95_text = text;
  if (auto v = take_p99_ms(p95_text, "ttft")) r.slots["ttft_p99_ms"] = number_text(*v);
  if (auto v = take_p99_ms(p95_text, "tpot")) r.slots["tpot_p99_ms"] = number_text(*v);
  if (auto v = find_ms(p95_text, "ttft")) r.slots["ttft_ms"] = number_text(*v);
  if (auto v = find_ms(p95_text, "tpot")) r.slots["tpot_ms"] = number_text(*v);
  bool monthly = false;
  if (auto v = find_money(text, &monthly)) {
    // "we spend $40k a month" is spend; "a budget of $20k" or "under $20k" is a budget.
    if (contains(lower, "spend") || contains(lower, "paying") || contains(lower, "we pay") ||
        contains(lower, "bill"))
      r.slots["spend"] = number_text(*v);
    else
      r.slots["budget"] = number_text(*v);
  }
  for (const char* t : {"kserve", "skypilot", "compose", "helm"})
    if (contains(lower, t))
      r.slots["target"] = t == std::string("helm") ? "helm-production-stack" : t;
  // A folder named in the words: "/srv/deploy", "./k8s", "deploy/" (not "req/s" or "openai/x").
  static const std::regex folder(
      R"((?:^|\s)((?:/|\./|\.\./|~/)[^\s,;?]*|[^\s,;?/]+/)(?=[\s,;?]|\.?$))");
  std::smatch fm;
  if (std::regex_search(text, fm, folder) && !starts_with(fm[1].str(), "http"))
    r.slots["path"] = fm[1].str();
  static const std::regex url(R"((https?://[^\s,;]+))", std::regex::icase);
  std::smatch um;
  if (std::regex_search(text, um, url)) r.slots["prometheus"] = um[1].str();

  std::stable_sort(r.ranking.begin(), r.ranking.end(),
                   [](const ScriptScore& a, const ScriptScore& b) { return a.score > b.score; });
  // A clear winner only: a tie is ambiguous, and ambiguity is never resolved by guessing.
  if (r.handoff == Handoff::kNone && r.ranking[0].score > 0 &&
      r.ranking[0].score > r.ranking[1].score)
    r.script = r.ranking[0].script;
  if (r.script == "scale" && lone_rate_is_target && !r.slots.count("target_qps"))
    r.slots["target_qps"] = r.slots["qps"];
  return r;
}

}  // namespace llmctl::agent::ask
