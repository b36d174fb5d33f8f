// Focused tests of the audit core: detection by content, suppression, fingerprints, baselines,
// rule filters, renderers and the corner cases of the lexers (PromQL, code).
#include "audit/audit.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "audit/report.h"
#include "audit/rules.h"
#include "audit_test_util.h"

namespace llmctl::audit {
namespace {

using test::cat;
using test::ids;
using test::run;

namespace json = boost::json;

constexpr std::string_view kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 120
  containers:
    - name: vllm
      image: vllm/vllm-openai:latest
      args: [--model, Qwen/Qwen2.5-7B-Instruct, --max-model-len, "8192"]
      resources: {limits: {nvidia.com/gpu: 1}}
      volumeMounts: [{name: c, mountPath: /data}]
      startupProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 10, failureThreshold: 30}
      lifecycle: {preStop: {sleep: {seconds: 10}}}
  volumes: [{name: c, persistentVolumeClaim: {claimName: m}}]
)";

TEST(Audit, RuleTableIsComplete) {
  EXPECT_EQ(all_rules().size(), 46u);
  for (const auto& r : all_rules()) {
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_FALSE(r.detects.empty()) << r.id;
    EXPECT_FALSE(r.why.empty()) << r.id;
    EXPECT_FALSE(r.fix.empty()) << r.id;
    EXPECT_EQ(find_rule(r.id), &r);
  }
  EXPECT_NE(find_rule("k8s005"), nullptr);
  EXPECT_EQ(find_rule("K8S999"), nullptr);
}

TEST(Audit, FindsTheLatestImageInAPod) {
  auto fs = run("pod.yaml", kPod);
  ASSERT_EQ(ids(fs), std::vector<std::string>{"K8S005@8"});
  EXPECT_EQ(fs[0].severity, Severity::kWarning);
  EXPECT_NE(fs[0].message.find("vllm/vllm-openai:latest"), std::string::npos);
  EXPECT_FALSE(fs[0].fix.empty());
  EXPECT_EQ(fs[0].column, 14);
}

TEST(Audit, InlineSuppressionOnTheLineOrTheLineBefore) {
  std::string same(kPod);
  same.replace(same.find("vllm/vllm-openai:latest"), 23,
               "vllm/vllm-openai:latest # llmctl-ignore: K8S005 mirrored by digest");
  Auditor a(cat(), {});
  auto r = a.audit_file("pod.yaml", "pod.yaml", same);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.suppressed, 1);

  std::string before(kPod);
  before.replace(before.find("      image:"), 0,
                 "      # llmctl-ignore: K8S008, K8S005 pinned by the mirror\n");
  EXPECT_TRUE(run("pod.yaml", before).empty());

  // Another rule id, or the text outside a comment, does not suppress.
  std::string other(kPod);
  other.replace(other.find("      image:"), 0, "      # llmctl-ignore: K8S008 unrelated\n");
  EXPECT_EQ(run("pod.yaml", other).size(), 1u);
  std::string value(kPod);
  value.replace(value.find("metadata: {name: p}"), 19,
                "metadata: {name: p, annotations: {a: 'llmctl-ignore: K8S005'}}");
  EXPECT_EQ(run("pod.yaml", value).size(), 1u);
}

TEST(Audit, FingerprintsSurviveMovedLines) {
  auto a = run("pod.yaml", kPod);
  auto b = run("pod.yaml", "# a comment added on top\n\n" + std::string(kPod));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].line + 2, b[0].line);
  EXPECT_EQ(a[0].fingerprint, b[0].fingerprint);
  EXPECT_EQ(a[0].fingerprint.size(), 16u);
  // A different file or a changed line is a different finding.
  EXPECT_NE(run("other.yaml", kPod)[0].fingerprint, a[0].fingerprint);
  std::string changed(kPod);
  changed.replace(changed.find(":latest"), 7, ":nightly");
  EXPECT_NE(run("pod.yaml", changed)[0].fingerprint, a[0].fingerprint);
}

TEST(Audit, BaselineRoundTrip) {
  auto fs = run("pod.yaml", kPod);
  std::string text = write_baseline(fs);
  auto parsed = parse_baseline(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->size(), 1u);
  EXPECT_EQ(apply_baseline(fs, *parsed), 1);
  EXPECT_TRUE(fs.empty());
  EXPECT_FALSE(parse_baseline("not json").ok());
  EXPECT_FALSE(parse_baseline("{\"findings\": [{\"rule\": \"X\"}]}").ok());
  auto legacy = parse_baseline(R"({"fingerprints": ["abc"]})");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->count("abc"), 1u);
}

// CAP002 is an error only when one sequence misses the KV cache even if the engine needed none
// of the perf model's runtime reserve. When only the reserved estimate falls short, the engine's
// own start-up profile decides (vLLM starts Llama-3.1-8B at 32k on an L4: ~4 GiB of KV after
// weights and activations), so it is a note giving the runtime memory one sequence tolerates.
TEST(Audit, Cap002IsAnErrorOnlyWhenCertain) {
  auto cap002 = [](std::string_view len) {
    std::string text(kPod);
    text.replace(text.find("Qwen/Qwen2.5-7B-Instruct"), 24, "meta-llama/Llama-3.1-8B-Instruct");
    text.replace(text.find("\"8192\""), 6, "\"" + std::string(len) + "\"");
    text += "  nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}\n";
    for (const auto& f : run("pod.yaml", text))
      if (f.rule == "CAP002") return std::string(severity_name(f.severity)) + ": " + f.message;
    return std::string("none");
  };
  EXPECT_EQ(cap002("8192"), "none");  // ~13k tokens estimated: fits
  // Short only with the 3.5 GiB reserve: 32k tokens x 128 KiB = 4.0 GiB of KV against the 5.1 GiB
  // left after weights and activations, so the runtime may take up to 1.1 GiB.
  const std::string tight = cap002("32768");
  EXPECT_EQ(tight.rfind("note: ", 0), 0u) << tight;
  EXPECT_NE(tight.find("needs 4.0 GiB of KV per GPU and 5.1 GiB is left"), std::string::npos)
      << tight;
  EXPECT_NE(tight.find("takes under 1.1 GiB (llmctl plans with 3.5)"), std::string::npos) << tight;
  EXPECT_EQ(cap002("131072").rfind("error: ", 0), 0u);  // short even without it
}

TEST(Audit, RuleFilterKeepsOnlyTheNamedRules) {
  // Llama 3.1 8B's full 131k context does not fit a 24 GB GPU, and the pod names no GPU type.
  std::string text(kPod);
  text.replace(text.find(", --max-model-len, \"8192\""), 25, "");
  text.replace(text.find("Qwen/Qwen2.5-7B-Instruct"), 24, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(ids(run("pod.yaml", text)), (std::vector<std::string>{"K8S005@8", "K8S008@9"}));
  Options only;
  only.rules = {"K8S008"};
  EXPECT_EQ(ids(run("pod.yaml", text, only)), std::vector<std::string>{"K8S008@9"});
}

TEST(Audit, DetectsInputsByContentNotName) {
  Auditor a(cat(), {});
  EXPECT_EQ(a.audit_file("config.yaml", "config.yaml",
                         "model_list:\n  - model_name: x\n    litellm_params: {model: openai/x}\n")
                .kind,
            InputKind::kLiteLLM);
  EXPECT_EQ(a.audit_file("v.yaml", "v.yaml", "servingEngineSpec:\n  modelSpec: []\n").kind,
            InputKind::kHelmValues);
  EXPECT_EQ(
      a.audit_file(".github/workflows/ci.yml", ".github/workflows/ci.yml", "on: push\njobs: {}\n")
          .kind,
      InputKind::kGithubWorkflow);
  EXPECT_EQ(a.audit_file("r.yaml", "r.yaml", "groups:\n  - name: g\n    rules: []\n").kind,
            InputKind::kPrometheusRules);
  EXPECT_EQ(a.audit_file("gw.yaml", "gw.yaml", "models:\n  - name: m\n    deployments: []\n").kind,
            InputKind::kGatewayConfig);
  EXPECT_EQ(a.audit_file("sky.yaml", "sky.yaml", "resources: {accelerators: L4}\nrun: echo\n").kind,
            InputKind::kSkyPilot);
  EXPECT_EQ(a.audit_file("d.json", "d.json", R"({"panels": [], "title": "t"})").kind,
            InputKind::kGrafana);
  EXPECT_EQ(a.audit_file("other.json", "other.json", R"({"name": "pkg"})").kind,
            InputKind::kUnknown);
  // Helm templates are not YAML: skipped with a reason, not an error.
  auto t = a.audit_file("t.yaml", "t.yaml", "a: {{ .Values.x }\n  - b: [\n");
  EXPECT_FALSE(t.skipped.empty());
  EXPECT_TRUE(t.findings.empty());
  EXPECT_TRUE(is_candidate_file("x/y.tsx"));
  EXPECT_FALSE(is_candidate_file("x/y.d.ts"));
  EXPECT_FALSE(is_candidate_file("README.md"));
}

TEST(Audit, PromqlGroupingForms) {
  auto alert = [](std::string expr) {
    return "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: " + expr +
           "\n        for: 5m\n";
  };
  EXPECT_TRUE(
      run("r.yaml", alert("histogram_quantile(0.9, sum(rate(x_bucket[5m])) by (le))")).empty());
  EXPECT_TRUE(run("r.yaml", alert("histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))"))
                  .empty());
  EXPECT_TRUE(run("r.yaml", alert("histogram_quantile(0.9, rate(x_bucket[5m]))")).empty());
  EXPECT_EQ(
      ids(run("r.yaml", alert("histogram_quantile(0.9, sum without (le) (rate(x_bucket[5m])))"))),
      std::vector<std::string>{"OBS003@5"});
  EXPECT_EQ(ids(run("r.yaml", alert("histogram_quantile(0.9, max(rate(x_bucket[5m])) by (job))"))),
            std::vector<std::string>{"OBS003@5"});
  // Label names and label values are not metric names.
  EXPECT_TRUE(
      run("r.yaml",
          alert("sum by (vllm:gpu_cache_usage_perc) (up{job=\"vllm:gpu_cache_usage_perc\"})"))
          .empty());
  // A subquery inside rate() is not a metric selector.
  EXPECT_TRUE(run("r.yaml", alert("max_over_time(rate(foo_total[5m])[1h:5m])")).empty());
  EXPECT_EQ(ids(run("r.yaml", alert("rate(vllm:num_preemptions[5m]) > 0"))),
            std::vector<std::string>{"OBS002@5"});
}

TEST(Audit, CodeLexerCornerCases) {
  // A regex literal full of quotes must not swallow the rest of the file.
  std::string js = R"(import OpenAI from "openai";
const re = /["'`]+/g;
const openai = new OpenAI();
export const f = (t) => openai.chat.completions.create({ model: "gpt-4o-2024-08-06", max_tokens: 9, messages: [] });
)";
  EXPECT_EQ(ids(run("src/a.js", js)), (std::vector<std::string>{"LLM001@4", "LLM005@4"}));
  // Python f-strings with nested braces and dict literals.
  std::string py = R"(from openai import OpenAI
client = OpenAI(timeout=5)
x = f"{ {'a': 1}['a'] } and {'}'}"
r = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[])
)";
  EXPECT_EQ(ids(run("app/a.py", py)), (std::vector<std::string>{"LLM003@4", "LLM005@4"}));
  // Go raw strings with quotes.
  std::string go = "package x\nimport \"github.com/openai/openai-go\"\nvar s = `\"quoted\" sk-`\n";
  EXPECT_TRUE(run("x.go", go).empty());
  // Test files are not production code for LLM004, but keys count everywhere.
  std::string keyed =
      "from openai import OpenAI\nk = \"sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5\"\n";
  EXPECT_EQ(ids(run("tests/test_x.py", keyed)), std::vector<std::string>{"LLM006@2"});
}

// What counts as a test or an example is read from the path relative to the audit root, not
// the path findings name: `llmctl audit repo/tests` names repo/tests/chat.py but audits chat.py
// at its root, and a checkout under /home/me/tests/ is no test folder.
TEST(Audit, TheRelativePathDecidesWhatIsProductionCode) {
  const std::string py =
      "from openai import OpenAI\nclient = OpenAI(timeout=5)\n"
      "r = client.chat.completions.create(model=\"gpt-4-turbo-preview\", max_tokens=9, "
      "messages=[])\n";
  EXPECT_EQ(ids(run("tests/chat.py", py, "app/chat.py"), "LLM004"),
            std::vector<std::string>{"LLM004@3"});
  EXPECT_EQ(ids(run("app/chat.py", py, "tests/chat.py"), "LLM004"), std::vector<std::string>{});
}

TEST(Audit, ProjectRulesJoinFiles) {
  Auditor a(cat(), {});
  std::string svc = "apiVersion: v1\nkind: Service\nmetadata: {name: vllm, namespace: s}\n";
  std::string dep(kPod);
  dep.replace(dep.find("metadata: {name: p}"), 19, "metadata: {name: p, namespace: s}");
  ProjectFacts facts;
  auto r1 = a.audit_file("dep.yaml", "dep.yaml", dep);
  auto r2 = a.audit_file("svc.yaml", "svc.yaml", svc);
  facts.merge(std::move(r1.facts));
  ProjectFacts without = facts;
  EXPECT_TRUE(a.finish(without).empty());
  facts.merge(std::move(r2.facts));
  auto fs = a.finish(facts);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule, "K8S013");
  EXPECT_EQ(fs[0].file, "dep.yaml");
}

// Truncated and mangled versions of every corpus file: the audit must neither crash nor hang
// (run under ASan/UBSan in the sanitizer preset). Findings are not checked.
TEST(Audit, SurvivesTruncatedAndMangledInput) {
  namespace fs = std::filesystem;
  Auditor a(cat(), {});
  std::mt19937 rng(7);
  const std::string junk = "{}[]()\"'`:#-|>&*!\n\t $%{{}}\\";
  int runs = 0;
  for (auto it = fs::recursive_directory_iterator(fs::path(LLMCTL_SOURCE_DIR) / "tests/data/audit");
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file() || !is_candidate_file(it->path().string())) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    for (int k = 0; k < 12; ++k) {
      std::string m = text;
      if (k < 4) {
        m.resize(text.size() * static_cast<size_t>(k + 1) / 5);  // truncated
      } else {
        for (int j = 0; j < 8 && !m.empty(); ++j)  // bytes replaced by syntax characters
          m[rng() % m.size()] = junk[rng() % junk.size()];
      }
      FileResult r = a.audit_file(it->path().filename().string(), "x", m);
      ProjectFacts facts;
      facts.merge(std::move(r.facts));
      (void)a.finish(facts);
      ++runs;
    }
  }
  EXPECT_GT(runs, 500);
}

TEST(Render, JsonAndSarifShapes) {
  Report rep;
  rep.findings = run("dir with space/pod.yaml", kPod);
  rep.summary.files_scanned = 1;
  rep.summary.files_by_kind["kubernetes"] = 1;
  auto j = json::parse(render_json(rep)).as_object();
  ASSERT_EQ(j["findings"].as_array().size(), 1u);
  auto f = j["findings"].as_array()[0].as_object();
  for (const char* k :
       {"rule", "severity", "file", "line", "column", "message", "fix", "fingerprint"})
    EXPECT_TRUE(f.contains(k)) << k;
  EXPECT_EQ(j["summary"].as_object()["by_severity"].as_object()["warning"].as_int64(), 1);

  auto s = json::parse(render_sarif(rep, "1.2.3", "file:///repo/")).as_object();
  EXPECT_EQ(s["version"].as_string(), "2.1.0");
  auto run0 = s["runs"].as_array()[0].as_object();
  auto rules = run0["tool"].as_object()["driver"].as_object()["rules"].as_array();
  EXPECT_EQ(rules.size(), all_rules().size());
  auto r0 = rules[0].as_object();
  for (const char* k :
       {"id", "shortDescription", "fullDescription", "help", "defaultConfiguration"})
    EXPECT_TRUE(r0.contains(k)) << k;
  auto res = run0["results"].as_array()[0].as_object();
  EXPECT_EQ(res["ruleId"].as_string(), "K8S005");
  EXPECT_EQ(res["level"].as_string(), "warning");
  auto idx = res["ruleIndex"].as_int64();
  EXPECT_EQ(rules[idx].as_object()["id"].as_string(), "K8S005");
  auto loc = res["locations"].as_array()[0].as_object()["physicalLocation"].as_object();
  EXPECT_EQ(loc["artifactLocation"].as_object()["uri"].as_string(), "dir%20with%20space/pod.yaml");
  EXPECT_EQ(loc["region"].as_object()["startLine"].as_int64(), 8);
  EXPECT_TRUE(res["partialFingerprints"].as_object().contains("llmctlFingerprint/v1"));
  std::string text = render_text(rep, false);
  EXPECT_NE(text.find("dir with space/pod.yaml:8:14: warning K8S005"), std::string::npos);
  EXPECT_NE(text.find("1 finding (0 error, 1 warning, 0 note) in 1 file scanned"),
            std::string::npos);
}

}  // namespace
}  // namespace llmctl::audit
