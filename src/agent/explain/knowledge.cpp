#include "agent/explain/knowledge.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <set>

#include "agent/embedded.h"
#include "common/strings.h"
#include "yaml/fields.h"

namespace llmctl::agent {
namespace {

namespace json = boost::json;

bool valid_id(std::string_view id) {
  if (id.empty() || !std::islower(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return true;
}

// The fields every entry has; the kind-specific ones are read by the caller.
void read_common(yaml::Fields& f, KnowledgeEntry& e) {
  YAML::Node id = f.get("id", true);
  e.id = f.str("id", "", true);
  if (!valid_id(e.id))
    f.fail(id, "id",
           fmt::format("expected lower-case letters, digits and dashes, found \"{}\"", e.id));
  e.line = f.line();
  e.tags = f.str_list("tags");
  e.command = f.str("command");
  if (!e.command.empty() && !starts_with(e.command, "llmctl "))
    f.fail(
        f.get("command"), "command",
        fmt::format("expected an llmctl command line (\"llmctl ...\"), found \"{}\"", e.command));
  e.related = f.str_list("related");
  e.source = f.str("source", "", true);
  YAML::Node as_of = f.get("as_of", true);
  e.as_of = f.str("as_of", "", true);
  if (!is_iso_date(e.as_of))
    f.fail(as_of, "as_of", fmt::format("expected a date YYYY-MM-DD, found \"{}\"", e.as_of));
}

void read_entry(yaml::Fields& f, EntryKind kind, KnowledgeEntry& e) {
  e.kind = kind;
  read_common(f, e);
  switch (kind) {
    case EntryKind::kFramework:
      e.title = f.str("title", "", true);
      e.when = f.str("when", "", true);
      e.use = f.str("use", "", true);
      e.because = f.str("because", "", true);
      break;
    case EntryKind::kAntipattern:
      e.title = f.str("title", "", true);
      e.symptom = f.str("symptom", "", true);
      e.why = f.str("why", "", true);
      e.fix = f.str("fix", "", true);
      e.audit_rules = f.str_list("audit_rules");
      break;
    case EntryKind::kTool:
      e.title = f.str("name", "", true);
      e.category = f.one_of("category", tool_categories(), "", true);
      e.what = f.str("what", "", true);
      e.choose_when = f.str("choose_when", "", true);
      e.avoid_when = f.str("avoid_when", "", true);
      e.llmctl = f.str("llmctl", "", true);
      e.url = f.str("url");
      break;
    case EntryKind::kWorkload: {
      e.title = f.str("title", "", true);
      for (const char* key : {"input_tokens", "output_tokens"}) {
        auto m = f.map(key, true);
        m->get("mean", true);
        m->get("p95", true);
        double mean = m->num("mean", 0, 1, 1e7);
        double p95 = m->num("p95", 0, mean, 1e7);
        m->finish();
        (std::string(key) == "input_tokens" ? e.input_mean : e.output_mean) = mean;
        (std::string(key) == "input_tokens" ? e.input_p95 : e.output_p95) = p95;
      }
      break;
    }
  }
  f.finish();
}

// Lower-case words of letters and digits: "KV-cache" -> {"kv", "cache"}.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

bool has_word(const std::vector<std::string>& text, const std::string& word) {
  for (const auto& w : text)
    // A query word matches a word that starts with it ("cach" finds "caching"), and plurals.
    if (starts_with(w, word) ||
        (word.size() > 3 && word.back() == 's' && w == word.substr(0, word.size() - 1)))
      return true;
  return false;
}

std::string body_text(const KnowledgeEntry& e) {
  return join({e.when, e.use, e.because, e.symptom, e.why, e.fix, e.category, e.what, e.choose_when,
               e.avoid_when, e.llmctl, e.command, join(e.audit_rules, " ")},
              " ");
}

}  // namespace

std::string_view kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFramework:
      return "framework";
    case EntryKind::kAntipattern:
      return "antipattern";
    case EntryKind::kTool:
      return "tool";
    case EntryKind::kWorkload:
      return "workload";
  }
  return "";
}

const std::vector<std::string>& tool_categories() {
  static const std::vector<std::string> categories = {
      "serving-engine", "gateway", "gpu-orchestration", "serverless-gpu", "planning",
      "observability",  "cost",    "linting",           "ops-agent"};
  return categories;
}

const KnowledgeEntry* Knowledge::find(std::string_view id) const {
  for (const auto& e : entries)
    if (iequals(e.id, id)) return &e;
  return nullptr;
}

Result<Knowledge> load_knowledge(const std::vector<std::pair<std::string, std::string>>& files) {
  Knowledge k;
  try {
    for (const auto& [name, text] : files) {
      YAML::Node root = yaml::parse(name, text);
      yaml::Fields top(name, root, "");
      const std::pair<const char*, EntryKind> lists[] = {{"frameworks", EntryKind::kFramework},
                                                         {"antipatterns", EntryKind::kAntipattern},
                                                         {"tools", EntryKind::kTool},
                                                         {"workloads", EntryKind::kWorkload}};
      for (const auto& [key, kind] : lists) {
        for (auto& f : top.map_list(key)) {
          KnowledgeEntry e;
          e.file = name;
          read_entry(f, kind, e);
          if (const KnowledgeEntry* other = k.find(e.id))
            f.fail(f.get("id"), "id",
                   fmt::format("'{}' is already defined at {}:{}", e.id, other->file, other->line));
          k.entries.push_back(std::move(e));
        }
      }
      top.finish();
    }
  } catch (const yaml::FieldError& e) {
    return Error{e.message};
  }
  for (const auto& e : k.entries)
    for (const auto& r : e.related)
      if (!k.find(r))
        return Error{fmt::format("{}:{}: {}.related: no entry '{}'", e.file, e.line, e.id, r)};
  return k;
}

const Result<Knowledge>& builtin_knowledge() {
  static const Result<Knowledge> knowledge = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [name, text] : embedded_files())
      if (starts_with(name, "data/knowledge/"))
        files.emplace_back(std::string(name), std::string(text));
    return load_knowledge(files);
  }();
  return knowledge;
}

std::vector<std::string> check_audit_rules(const Knowledge& knowledge,
                                           const std::function<bool(std::string_view)>& exists) {
  std::vector<std::string> problems;
  for (const auto& e : knowledge.entries)
    for (const auto& r : e.audit_rules)
      if (!exists(r))
        problems.push_back(
            fmt::format("{}:{}: {}.audit_rules: no audit rule '{}' (see `llmctl audit "
                        "--list-rules`)",
                        e.file, e.line, e.id, r));
  return problems;
}

const KnowledgeEntry* find_workload(const Knowledge& knowledge, std::string_view app) {
  for (const auto& e : knowledge.entries) {
    if (e.kind != EntryKind::kWorkload) continue;
    if (iequals(e.id, app)) return &e;
    for (const auto& t : e.tags)
      if (iequals(t, app)) return &e;
  }
  return nullptr;
}

std::vector<SearchHit> search(const Knowledge& knowledge, std::string_view query) {
  std::vector<std::string> q = words(query);
  std::vector<SearchHit> hits;
  if (q.empty()) return hits;
  for (const auto& e : knowledge.entries) {
    const auto head = words(e.id + " " + e.title);
    const auto tags = words(join(e.tags, " "));
    const auto body = words(body_text(e));
    double score = 0;
    bool all = true;
    for (const auto& w : q) {
      double s =
          (has_word(head, w) ? 3 : 0) + (has_word(tags, w) ? 2 : 0) + (has_word(body, w) ? 1 : 0);
      if (s == 0) all = false;
      score += s;
    }
    if (all) hits.push_back({&e, score});
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  return hits;
}

json::value to_json(const KnowledgeEntry& e) {
  json::array tags, related, rules;
  for (const auto& t : e.tags) tags.emplace_back(t);
  for (const auto& r : e.related) related.emplace_back(r);
  for (const auto& r : e.audit_rules) rules.emplace_back(r);
  json::object o{{"id", e.id}, {"kind", kind_name(e.kind)}, {"title", e.title}};
  switch (e.kind) {
    case EntryKind::kFramework:
      o["when"] = e.when;
      o["use"] = e.use;
      o["because"] = e.because;
      break;
    case EntryKind::kAntipattern:
      o["symptom"] = e.symptom;
      o["why"] = e.why;
      o["fix"] = e.fix;
      o["audit_rules"] = std::move(rules);
      break;
    case EntryKind::kTool:
      o["category"] = e.category;
      o["what"] = e.what;
      o["choose_when"] = e.choose_when;
      o["avoid_when"] = e.avoid_when;
      o["llmctl"] = e.llmctl;
      o["url"] = e.url.empty() ? json::value(nullptr) : json::value(e.url);
      break;
    case EntryKind::kWorkload:
      o["input_tokens"] = json::object{{"mean", e.input_mean}, {"p95", e.input_p95}};
      o["output_tokens"] = json::object{{"mean", e.output_mean}, {"p95", e.output_p95}};
      break;
  }
  o["command"] = e.command.empty() ? json::value(nullptr) : json::value(e.command);
  o["tags"] = std::move(tags);
  o["related"] = std::move(related);
  o["source"] = e.source;
  o["as_of"] = e.as_of;
  return o;
}

std::string to_markdown(const KnowledgeEntry& e) {
  std::string out = fmt::format("# {}\n\n", e.title);
  auto section = [&](const char* name, const std::string& text) {
    if (!text.empty()) out += fmt::format("**{}** {}\n\n", name, text);
  };
  switch (e.kind) {
    case EntryKind::kFramework:
      section("When:", e.when);
      section("Use:", e.use);
      section("Because:", e.because);
      break;
    case EntryKind::kAntipattern:
      section("Looks like:", e.symptom);
      section("Why it hurts:", e.why);
      section("Fix:", e.fix);
      if (!e.audit_rules.empty())
        section("Detected by:", "`llmctl audit` rules " + join(e.audit_rules, ", "));
      break;
    case EntryKind::kTool:
      section("Category:", e.category);
      section("What:", e.what);
      section("Choose it when:", e.choose_when);
      section("Avoid it when:", e.avoid_when);
      section("llmctl:", e.llmctl);
      section("Site:", e.url);
      break;
    case EntryKind::kWorkload:
      section("Input tokens:", fmt::format("mean {:g}, p95 {:g}", e.input_mean, e.input_p95));
      section("Output tokens:", fmt::format("mean {:g}, p95 {:g}", e.output_mean, e.output_p95));
      break;
  }
  if (!e.command.empty()) section("Compute it:", "`" + e.command + "`");
  if (!e.related.empty()) section("Related:", join(e.related, ", "));
  out += fmt::format("Source: {} (read {})\n", e.source, e.as_of);
  return out;
}

}  // namespace llmctl::agent
