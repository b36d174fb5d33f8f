#include "audit/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "audit/facts/code.h"
#include "audit/facts/manifests.h"
#include "audit/facts/promql.h"
#include "audit/internal.h"
#include "audit/rules.h"
#include "audit/rules/rules.h"
#include "common/strings.h"

namespace llmctl::audit {

using detail::FileCtx;
using detail::Node;
using detail::Pos;

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kNote:
      return "note";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "warning";
}

std::optional<Severity> parse_severity(std::string_view s) {
  std::string l = to_lower(s);
  if (l == "note") return Severity::kNote;
  if (l == "warning") return Severity::kWarning;
  if (l == "error") return Severity::kError;
  return std::nullopt;
}

std::string_view input_kind_name(InputKind k) {
  switch (k) {
    case InputKind::kUnknown:
      return "unknown";
    case InputKind::kKubernetes:
      return "kubernetes";
    case InputKind::kHelmValues:
      return "helm-values";
    case InputKind::kCompose:
      return "compose";
    case InputKind::kSkyPilot:
      return "skypilot";
    case InputKind::kDstack:
      return "dstack";
    case InputKind::kPrometheusRules:
      return "prometheus-rules";
    case InputKind::kGrafana:
      return "grafana-dashboard";
    case InputKind::kGithubWorkflow:
      return "github-workflow";
    case InputKind::kLiteLLM:
      return "litellm-config";
    case InputKind::kGatewayConfig:
      return "llmctl-gateway-config";
    case InputKind::kPython:
      return "python";
    case InputKind::kJavaScript:
      return "javascript";
    case InputKind::kGo:
      return "go";
  }
  return "unknown";
}

void ProjectFacts::merge(ProjectFacts&& o) {
  auto move_all = [](auto& dst, auto& src) {
    dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  };
  move_all(services, o.services);
  move_all(workloads, o.workloads);
  move_all(pdbs, o.pdbs);
  move_all(scalers, o.scalers);
  move_all(markers, o.markers);
  move_all(service_links, o.service_links);
  move_all(hpa_resource, o.hpa_resource);
  move_all(single_replica, o.single_replica);
  move_all(idle_gpus, o.idle_gpus);
  move_all(gpu_sharing, o.gpu_sharing);
  gpu_sharing_cluster = gpu_sharing_cluster || o.gpu_sharing_cluster;
  move_all(llm_calls, o.llm_calls);
  move_all(old_metrics, o.old_metrics);
  move_all(engine_pins, o.engine_pins);
  gateway_or_override = gateway_or_override || o.gateway_or_override;
}

namespace {

std::string_view extension(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string_view::npos ? std::string_view{} : base.substr(dot);
}

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool is_rule_id(std::string_view t) {
  // LLM001, K8S013, CICD004, GW001: letters and digits ending in three digits.
  if (t.size() < 4 || t.size() > 8) return false;
  for (char c : t)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  for (size_t i = t.size() - 3; i < t.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  return std::isalpha(static_cast<unsigned char>(t[0]));
}

// Files that mark a project root for the cross-file joins (ProjectFacts).
bool project_marker(std::string_view rel) {
  size_t slash = rel.find_last_of('/');
  std::string base = to_lower(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  for (std::string_view m : {"kustomization.yaml", "kustomization.yml", "chart.yaml",
                             "helmfile.yaml", "helmfile.yml", "skaffold.yaml", "skaffold.yml"})
    if (base == m) return true;
  return false;
}

// Whether a file sits directly in a .github/workflows/ folder: the only files GitHub Actions
// runs (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax: "in
// the .github/workflows directory"; subfolders are not read).
bool in_github_workflows_dir(std::string_view p) {
  size_t slash = p.find_last_of('/');
  if (slash == std::string_view::npos) return false;
  std::string_view dir = p.substr(0, slash);
  return dir == ".github/workflows" || detail::ends_with(dir, "/.github/workflows");
}

// A workflow template shipped to be installed: a comment line of the file names
// .github/workflows/ as where it goes ("Copy to .github/workflows/deploy-x.yaml", what llmctl
// deploy writes under ci/). It runs once installed as its file says, so it is judged like one.
bool says_it_goes_to_workflows(std::string_view text) {
  size_t i = 0;
  for (int line = 0; line < 60 && i < text.size(); ++line) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(i, eol - i);
    size_t b = l.find_first_not_of(" \t");
    if (b != std::string_view::npos && l[b] == '#' && detail::contains(l, ".github/workflows/")) {
      // An instruction to put it there, not a mention ("kept outside .github/workflows/").
      const std::string low = to_lower(l);
      for (std::string_view verb :
           {"copy to", "copy it to", "copy into", "copy this", "move to", "move it to", "place in",
            "place it in", "put in", "save as", "install"})
        if (low.find(verb) != std::string::npos) return true;
    }
    i = eol + 1;
  }
  return false;
}

// A document shaped like a GitHub Actions workflow (jobs: plus on:, which YAML 1.1 may read as
// true:).
bool workflow_shape(const Node& d) { return d.get("jobs") && (d.get("on") || d.get("true")); }

InputKind classify_yaml(const std::vector<Node>& docs, bool workflow_dir) {
  for (const auto& d : docs)
    if (d.is_map() && d.get("apiVersion") && d.get("kind")) return InputKind::kKubernetes;
  const Node* first = nullptr;
  for (const auto& d : docs)
    if (d.is_map()) {
      first = &d;
      break;
    }
  if (!first) return InputKind::kUnknown;
  const Node& d = *first;
  if (d.get("servingEngineSpec")) return InputKind::kHelmValues;
  if (d.get("model_list")) return InputKind::kLiteLLM;
  if (d.get("model_groups")) return InputKind::kGatewayConfig;
  if (const Node* models = d.get("models"); models && models->is_seq())
    for (const auto& m : models->seq)
      if (m.get("deployments")) return InputKind::kGatewayConfig;
  // A workflow is judged only where GitHub runs it; one elsewhere (an archived copy under
  // deploy/workflows/_deprecated/) runs nowhere and is left alone by the caller.
  if (workflow_dir && d.get("jobs")) return InputKind::kGithubWorkflow;
  if (workflow_shape(d)) return InputKind::kUnknown;
  if (const Node* groups = d.get("groups"); groups && groups->is_seq())
    for (const auto& g : groups->seq)
      if (g.get("rules")) return InputKind::kPrometheusRules;
  if (const Node* services = d.get("services"); services && services->is_map())
    for (const auto& [k, v] : services->map)
      if (v.get("image") || v.get("build")) return InputKind::kCompose;
  // dstack: `type: service | task` with `commands` (https://dstack.ai/docs/reference/dstack.yml).
  if (const Node* type = d.get("type");
      type && (type->str() == "service" || type->str() == "task") && d.get("commands"))
    return InputKind::kDstack;
  const Node* resources = d.get("resources");
  if ((d.get("run") || d.get("setup")) && (resources || d.get("envs") || d.get("service")))
    return InputKind::kSkyPilot;
  if (resources && (resources->get("accelerators") || resources->get("image_id")))
    return InputKind::kSkyPilot;
  if (const Node* svc = d.get("service"); svc && svc->get("readiness_probe"))
    return InputKind::kSkyPilot;
  return InputKind::kUnknown;
}

}  // namespace

namespace detail {

FileCtx::FileCtx(const Auditor& a, std::string_view p, std::string_view r, std::string_view t)
    : auditor(a), cat(a.catalog()), path(p), rel(r), text(t) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] == '\n') line_starts_.push_back(i + 1);
  // Inline suppressions: `# llmctl-ignore: ID[,ID] reason` or `// llmctl-ignore: ...`.
  size_t at = 0;
  while ((at = t.find("llmctl-ignore", at)) != std::string_view::npos) {
    Pos p0 = pos_of(at);
    std::string_view line = line_text(p0.line);
    size_t c = static_cast<size_t>(p0.col - 1);
    std::string_view before = line.substr(0, c);
    if (contains(before, "#") || contains(before, "//") || contains(before, "/*"))
      ignores_.emplace_back(p0.line, upper(line.substr(c)));
    at += 13;
  }
}

std::string_view FileCtx::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts_.size()) return {};
  size_t b = line_starts_[line - 1];
  size_t e = static_cast<size_t>(line) < line_starts_.size() ? line_starts_[line] - 1 : text.size();
  if (e > b && text[e - 1] == '\r') --e;
  return text.substr(b, e - b);
}

Pos FileCtx::pos_of(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  int line = static_cast<int>(it - line_starts_.begin());
  return Pos{line, static_cast<int>(offset - line_starts_[line - 1]) + 1};
}

Pos FileCtx::find_from(int from, std::string_view needle, Pos fallback, int max_lines) const {
  if (from < 1 || needle.empty()) return fallback;
  for (int l = from; l < from + max_lines && static_cast<size_t>(l) <= line_starts_.size(); ++l) {
    std::string_view lt = line_text(l);
    size_t c = lt.find(needle);
    if (c != std::string_view::npos) return Pos{l, static_cast<int>(c) + 1};
  }
  return fallback;
}

Pos FileCtx::find_after(Pos start, std::string_view needle, Pos fallback) const {
  if (start.line < 1 || static_cast<size_t>(start.line) > line_starts_.size() || needle.empty())
    return fallback;
  size_t from = line_starts_[start.line - 1] + static_cast<size_t>(std::max(start.col, 1) - 1);
  size_t at = text.find(needle, std::min(from, text.size()));
  if (at == std::string_view::npos || at - from > 65536) return fallback;
  return pos_of(at);
}

bool FileCtx::non_production() const {
  std::string r(1, '/');
  r += to_lower(rel);
  for (std::string_view seg :
       {"/test/", "/tests/", "/__tests__/", "/spec/", "/testdata/", "/example/", "/examples/",
        "/docs/", "/notebooks/", "/fixtures/", "/mocks/", "/e2e/", "/benchmarks/"})
    if (contains(r, seg)) return true;
  size_t slash = r.find_last_of('/');
  std::string_view base = std::string_view(r).substr(slash + 1);
  return starts_with(base, "test_") || ends_with(base, "_test.py") || ends_with(base, "_test.go") ||
         contains(base, ".test.") || contains(base, ".spec.") || base == "conftest.py";
}

bool FileCtx::test_fixture() const {
  std::string r(1, '/');
  r += to_lower(rel);
  for (std::string_view seg : {"/test/", "/tests/", "/__tests__/", "/testdata/", "/fixtures/",
                               "/mocks/", "/e2e/", "/test-infra/"})
    if (contains(r, seg)) return true;
  return false;
}

bool FileCtx::benchmark_or_demo() const {
  // `demos/`, `vllm-benchmark/` and `bench_configs/` count; `benchmark_results.py` alone does not.
  return in_folder_named({"demo", "demos", "bench", "benchmark", "benchmarks", "benchmarking",
                          "loadtest", "loadtests"});
}

bool FileCtx::in_folder_named(std::initializer_list<std::string_view> words) const {
  std::string r = to_lower(rel);
  size_t slash = r.find_last_of('/');
  if (slash == std::string::npos) return false;
  for (const auto& dir : split(r.substr(0, slash), '/')) {
    std::string d = dir;
    for (char& c : d)
      if (c == '-' || c == '_' || c == '+' || c == '.') c = ' ';
    for (const auto& word : split(d, ' '))
      for (std::string_view w : words)
        if (word == w) return true;
  }
  return false;
}

bool FileCtx::suppressed_at(std::string_view rule, int line) const {
  for (const auto& [l, comment] : ignores_) {
    if (l != line && l != line - 1) continue;
    // Tokens after "LLMCTL-IGNORE:" up to the first that is not a rule id are the ids.
    size_t colon = comment.find(':');
    if (colon == std::string::npos) continue;
    std::string ids = comment.substr(colon + 1);
    for (char& c : ids)
      if (c == ',') c = ' ';
    for (const auto& tok : split(ids, ' ')) {
      if (tok.empty()) continue;
      if (tok == "ALL" || tok == rule) return true;
      if (!is_rule_id(tok)) break;
    }
  }
  return false;
}

std::string FileCtx::fingerprint(std::string_view rule, int line) {
  std::string key = fmt::format("{}\x1f{}\x1f{}", rule, path, trim(line_text(line)));
  int occurrence = seen_keys_[key]++;
  return fmt::format("{:016x}", fnv1a(fmt::format("{}\x1f{}", key, occurrence)));
}

std::optional<Finding> FileCtx::make(std::string_view rule, Pos pos, std::string message,
                                     std::string fix, std::optional<Severity> severity) {
  if (!on(rule)) return std::nullopt;
  if (pos.line < 1) pos = Pos{1, 1};
  if (pos.col < 1) pos.col = 1;
  if (suppressed_at(rule, pos.line)) {
    ++suppressed;
    return std::nullopt;
  }
  const RuleInfo* info = find_rule(rule);
  Finding f;
  f.rule = std::string(rule);
  f.severity = severity.value_or(info ? info->severity : Severity::kWarning);
  f.file = std::string(path);
  f.line = pos.line;
  f.column = pos.col;
  f.message = std::move(message);
  f.fix = fix.empty() && info ? std::string(info->fix) : std::move(fix);
  f.fingerprint = fingerprint(rule, pos.line);
  return f;
}

void FileCtx::emit(std::string_view rule, Pos pos, std::string message, std::string fix,
                   std::optional<Severity> severity) {
  // The same rule at the same place once only (two paths can reach one flag).
  for (const auto& f : findings)
    if (f.rule == rule && f.line == std::max(pos.line, 1) && f.column == std::max(pos.col, 1))
      return;
  if (auto f = make(rule, pos, std::move(message), std::move(fix), severity))
    findings.push_back(std::move(*f));
}

bool contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

bool icontains(std::string_view s, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > s.size()) return false;
  for (size_t i = 0; i + needle.size() <= s.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(s[i + j])) ==
                                    std::tolower(static_cast<unsigned char>(needle[j])))
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace {

// Every value that is no leaked secret, in one place (round 18). Placeholder words (no source)
// match anywhere in the value, case-insensitively: a value holding one is a blank to fill in and
// is never reported. Published sample keys (with the documentation that prints them) match the
// whole value: they are no leak, but whoever read the same page can use them, so the secret
// rules report them at a lower severity and say what they are (K8S006's contract, docs/AUDIT.md).
struct NotASecret {
  std::string_view text;    // lower case
  std::string_view source;  // empty: a placeholder word; else who publishes the sample key
};
constexpr NotASecret kNotASecret[] = {
    {"changeme", ""},
    {"change-me", ""},
    {"change_me", ""},
    {"your", ""},
    {"placeholder", ""},
    {"xxxx", ""},
    {"example", ""},
    {"dummy", ""},
    {"replace", ""},
    {"redacted", ""},
    {"secret-name", ""},
    {"todo", ""},
    {"insert", ""},
    {"fake", ""},
    {"not-a-real", ""},
    {"notreal", ""},
    {"empty", ""},
    {"none", ""},
    {"null", ""},
    // Values that say the key is not needed or not used (round 21): what a client passes to a
    // local OpenAI-compatible server started without --api-key (LiteLLM's openai/ provider and
    // the SDKs require some value). LM Studio's and llama.cpp's docs print lm-studio and
    // sk-no-key-required.
    {"not-used", ""},
    {"not_used", ""},
    {"notused", ""},
    {"unused", ""},
    {"not-needed", ""},
    {"not_needed", ""},
    {"notneeded", ""},
    {"not-required", ""},
    {"not_required", ""},
    {"notrequired", ""},
    {"no-key", ""},
    {"no_key", ""},
    {"nokey", ""},
    {"no-auth", ""},
    {"noauth", ""},
    {"ignored", ""},
    {"lm-studio", ""},
    // vLLM's OpenAI-compatible server docs (`vllm serve ... --api-key token-abc123`).
    {"token-abc123", "vLLM's documentation"},
    // LiteLLM's proxy docs (master_key: sk-1234, "sk-my_special_key" in the config reference).
    {"sk-1234", "LiteLLM's documentation"},
    {"sk-my_special_key", "LiteLLM's documentation"},
};

}  // namespace

const SampleKey* published_sample_key(std::string_view raw) {
  static const auto keys = [] {
    std::vector<SampleKey> out;
    for (const auto& n : kNotASecret)
      if (!n.source.empty()) out.push_back({n.text, n.source});
    return out;
  }();
  std::string v = trim(raw);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  std::string l = to_lower(v);
  for (const auto& k : keys)
    if (l == k.value) return &k;
  return nullptr;
}

bool looks_like_secret(std::string_view raw) {
  std::string v = trim(raw);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  if (v.size() < 8) return false;
  std::string l = to_lower(v);
  if (l.front() == '<' || l.front() == '$' || l.front() == '{' || l.front() == '%') return false;
  if (contains(l, "${") || contains(l, "{{") || contains(l, "$(") || starts_with(l, "os.environ"))
    return false;
  for (const auto& n : kNotASecret)
    if (n.source.empty() ? contains(l, n.text) : l == n.text) return false;
  if (l == "true" || l == "false") return false;
  // Mostly one character (e.g. "sk-aaaaaaaaaaaa") or no letters at all: a placeholder.
  int counts[256] = {};
  int letters = 0;
  for (unsigned char c : v) {
    ++counts[c];
    if (std::isalpha(c)) ++letters;
  }
  int most = *std::max_element(std::begin(counts), std::end(counts));
  if (most * 2 > static_cast<int>(v.size())) return false;
  if (letters == 0) return false;
  // A path, URL or a sentence is not a token.
  if (contains(v, " ") || contains(v, "/") || contains(v, "://")) return false;
  return true;
}

namespace {

// Every credential shape the audit knows, in one place. Order matters where prefixes overlap
// (sk-ant- before sk-). Sources: each provider's key documentation (Hugging Face "User access
// tokens": hf_ + 34; OpenAI sk-/sk-proj-; Anthropic sk-ant-api03-; Google AIza + 35; Groq gsk_;
// xAI xai-; AWS access key ids AKIA + 16; GitHub ghp_ + 36 and github_pat_ fine-grained tokens).
constexpr CredentialShape kCredentialShapes[] = {
    {"Anthropic", "sk-ant-", 20, 0, true},   {"OpenAI", "sk-", 20, 0, true},
    {"Google AI", "AIza", 35, 39, true},     {"Hugging Face", "hf_", 30, 0, true},
    {"Groq", "gsk_", 40, 0, true},           {"xAI", "xai-", 40, 0, true},
    {"AWS", "AKIA", 16, 20, false},          {"GitHub", "ghp_", 36, 40, false},
    {"GitHub", "github_pat_", 60, 0, false},
};

// Variable-name fragments (upper case, - and . read as _) that name a shape's provider.
struct NamedProvider {
  std::string_view fragment;
  std::string_view provider;
};
constexpr NamedProvider kCredentialNames[] = {
    {"HF_", "Hugging Face"},
    {"HUGGING", "Hugging Face"},
    {"ANTHROPIC", "Anthropic"},
    {"CLAUDE", "Anthropic"},
    {"OPENAI", "OpenAI"},
    {"GEMINI", "Google AI"},
    {"GOOGLE_API", "Google AI"},
    {"GROQ", "Groq"},
    {"XAI_", "xAI"},
    {"AWS_ACCESS_KEY", "AWS"},
    {"GITHUB", "GitHub"},
    {"GH_TOKEN", "GitHub"},
};

bool shape_matches(const CredentialShape& s, std::string_view v) {
  if (!starts_with(v, s.prefix)) return false;
  if (s.exact_length && v.size() != s.exact_length) return false;
  if (v.size() < s.prefix.size() + s.min_tail) return false;
  for (size_t i = s.prefix.size(); i < v.size(); ++i) {
    char c = v[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return looks_like_secret(v);
}

}  // namespace

const CredentialShape* credential_shape(std::string_view value, bool any_provider) {
  std::string v = trim(value);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  for (const auto& s : kCredentialShapes) {
    if (!s.llm && !any_provider) continue;
    if (starts_with(v, s.prefix)) {
      if (shape_matches(s, v)) return &s;
      if (s.prefix == "sk-ant-") return nullptr;  // a short sk-ant- is no OpenAI key either
    }
  }
  return nullptr;
}

const CredentialShape* provider_of_credential_name(std::string_view name) {
  std::string u = upper(name);
  for (char& c : u)
    if (c == '-' || c == '.') c = '_';
  if (contains(u, "AZURE")) return nullptr;  // Azure OpenAI keys are 32 hex digits, no prefix
  for (const auto& n : kCredentialNames)
    if (starts_with(u, n.fragment) || contains(u, "_" + std::string(n.fragment)))
      for (const auto& s : kCredentialShapes)
        if (s.provider == n.provider) return &s;
  return nullptr;
}

bool looks_like_generic_token(std::string_view raw) {
  if (!looks_like_secret(raw)) return false;
  std::string v = trim(raw);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  if (v.size() < 16) return false;
  bool digit = false, lower_case = false, upper_case = false, words_only = true;
  bool seen[256] = {};
  int distinct = 0;
  for (unsigned char c : v) {
    if (!seen[c]) seen[c] = true, ++distinct;
    if (std::isdigit(c)) digit = true;
    if (std::islower(c)) lower_case = true;
    if (std::isupper(c)) upper_case = true;
    if (!(std::isalpha(c) || c == '-' || c == '_' || c == '.')) words_only = false;
  }
  if (distinct < 10) return false;
  if (!digit && !(lower_case && upper_case)) return false;
  // Letters between separators only (a phrase such as "my-nsma-is-what"): no token.
  if (words_only && (contains(v, "-") || contains(v, "_") || contains(v, "."))) return false;
  return true;
}

bool looks_like_provider_key(std::string_view v) { return credential_shape(v, false) != nullptr; }

}  // namespace detail

Auditor::Auditor(const catalog::Catalog& catalog, Options options)
    : catalog_(&catalog),
      options_(std::move(options)),
      metrics_(std::make_shared<const detail::MetricFacts>(detail::build_metric_facts(catalog))) {}

bool Auditor::enabled(std::string_view rule) const {
  return options_.rules.empty() || options_.rules.count(std::string(rule)) > 0;
}

bool is_candidate_file(std::string_view path) {
  std::string ext = to_lower(extension(path));
  for (std::string_view e :
       {".yaml", ".yml", ".json", ".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go"})
    if (ext == e) return !detail::ends_with(path, ".d.ts");
  return false;
}

FileResult Auditor::audit_file(std::string_view path, std::string_view rel_path,
                               std::string_view text) const {
  FileResult result;
  FileCtx f(*this, path, rel_path, text);
  std::string ext = to_lower(extension(path));
  if (ext == ".py" || ext == ".js" || ext == ".mjs" || ext == ".cjs" || ext == ".jsx" ||
      ext == ".ts" || ext == ".tsx" || ext == ".go") {
    detail::Lang lang = ext == ".py"   ? detail::Lang::kPython
                        : ext == ".go" ? detail::Lang::kGo
                                       : detail::Lang::kJavaScript;
    result.kind = lang == detail::Lang::kPython ? InputKind::kPython
                  : lang == detail::Lang::kGo   ? InputKind::kGo
                                                : InputKind::kJavaScript;
    if (detail::code_worth_scanning(text)) {
      detail::CodeFacts code = detail::scan_code(f, lang);
      detail::check_llm_calls(f, code, lang);
      detail::check_llm_code(f, code);
    }
  } else if (ext == ".json") {
    // Only dashboards are JSON inputs; skip other JSON without parsing it.
    if (detail::contains(text, "\"panels\"")) {
      auto doc = detail::parse_json(text);
      if (!doc) {
        result.skipped = doc.error().message;
      } else {
        const Node* d = &*doc;
        if (const Node* inner = d->get("dashboard"); inner && inner->is_map()) d = inner;
        if (d->get("panels")) {
          result.kind = InputKind::kGrafana;
          detail::check_grafana(f, *d);
        }
      }
    }
  } else if (ext == ".yaml" || ext == ".yml") {
    detail::collect_engine_pins(f);
    detail::collect_gpu_sharing(f);
    auto docs = detail::parse_yaml(text);
    if (!docs) {
      // Helm templates ({{ ... }}) and other non-YAML are skipped, not reported.
      result.skipped = docs.error().message;
    } else {
      // The CI rules judge a workflow only where its CI system runs it (rel_path is relative to
      // the audit root, which may itself be .github/workflows/: the path given counts too), or
      // a template whose own comment says it is installed there.
      const bool workflow_dir = in_github_workflows_dir(rel_path) ||
                                in_github_workflows_dir(path) || says_it_goes_to_workflows(text);
      result.kind = classify_yaml(*docs, workflow_dir);
      if (result.kind == InputKind::kUnknown && !docs->empty() && docs->front().is_map() &&
          workflow_shape(docs->front())) {
        // A workflow file outside .github/workflows/: GitHub never runs it, so no rule judges
        // it (docs/AUDIT.md, "Where workflows are judged").
        if (project_marker(rel_path)) f.facts.markers.emplace_back(rel_path);
        result.findings = std::move(f.findings);
        result.suppressed = f.suppressed;
        result.facts = std::move(f.facts);
        return result;
      }
      switch (result.kind) {
        case InputKind::kKubernetes: {
          std::vector<const Node*> objs;
          for (const auto& d : *docs) {
            if (!d.is_map()) continue;
            // A `kind: List` wraps objects in items[].
            if (d.get("kind") && d.get("kind")->str() == "List" && d.get("items") &&
                d.get("items")->is_seq()) {
              for (const auto& item : d.get("items")->seq) objs.push_back(&item);
            } else {
              objs.push_back(&d);
            }
          }
          detail::ManifestFacts m;
          for (const Node* obj : objs) detail::read_kubernetes_object(f, *obj, m);
          detail::check_manifests(f, m);
          break;
        }
        case InputKind::kHelmValues:
        case InputKind::kCompose:
        case InputKind::kSkyPilot:
        case InputKind::kDstack: {
          detail::ManifestFacts m;
          if (result.kind == InputKind::kHelmValues) detail::read_helm_values(f, docs->front(), m);
          if (result.kind == InputKind::kCompose) detail::read_compose(f, docs->front(), m);
          if (result.kind == InputKind::kSkyPilot) detail::read_skypilot(f, docs->front(), m);
          if (result.kind == InputKind::kDstack) detail::read_dstack(f, docs->front(), m);
          detail::check_manifests(f, m);
          break;
        }
        case InputKind::kPrometheusRules:
          detail::check_prometheus_groups(f, detail::deref(docs->front().get("groups")));
          break;
        case InputKind::kGithubWorkflow:
          detail::check_workflow(f, docs->front());
          break;
        case InputKind::kLiteLLM:
          detail::check_litellm(f, docs->front());
          break;
        case InputKind::kGatewayConfig:
          detail::check_gateway_config(f, docs->front());
          break;
        default: {
          detail::ManifestFacts m;
          for (const auto& d : *docs)
            if (d.is_map() && m.not_understood.empty()) detail::read_unknown_values(f, d, m);
          detail::check_manifests(f, m);
          break;
        }
      }
    }
  }
  if (project_marker(rel_path)) f.facts.markers.emplace_back(rel_path);
  result.findings = std::move(f.findings);
  result.suppressed = f.suppressed;
  result.facts = std::move(f.facts);
  return result;
}

std::vector<Finding> Auditor::finish(const ProjectFacts& facts) const {
  std::vector<Finding> out;
  detail::join_project(facts, out);
  detail::join_old_metrics(facts, out);
  // LLM005: every call site reaches one provider and nothing routes or falls back.
  if (!facts.gateway_or_override && !facts.llm_calls.empty()) {
    std::set<std::string> providers;
    int files = 0;
    for (const auto& [f, p] : facts.llm_calls) {
      providers.insert(p.begin(), p.end());
      ++files;
    }
    if (providers.size() == 1) {
      const auto* first = &facts.llm_calls.front();
      for (const auto& c : facts.llm_calls)
        if (std::tie(c.first.file, c.first.line) < std::tie(first->first.file, first->first.line))
          first = &c;
      Finding f = first->first;
      f.message = fmt::format(
          "every LLM call site ({} file{}) goes straight to {} with no fallback provider, gateway "
          "or base_url override",
          files, files == 1 ? "" : "s", *providers.begin());
      out.push_back(std::move(f));
    }
  }
  return out;
}

void sort_findings(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.column, a.rule) < std::tie(b.file, b.line, b.column, b.rule);
  });
}

}  // namespace llmctl::audit
