// Generates a mixed repository (default 20,000 files) in a temporary directory, runs the real
// `llmctl audit` binary over it, and prints files, seconds, files/s and peak RSS next to the
// floor of reading every file once, plus the audit core alone (text already in memory).
//
// The repository: every file of tests/data/audit as a template (manifests, Helm values, compose,
// SkyPilot, rules, dashboards, workflows, gateway configs, Python/TS/Go LLM clients), copied with
// a per-copy suffix, mixed with ordinary source files that never touch an LLM and with docs and
// assets the audit skips by extension, in roughly the proportions of an application repository.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "catalog/loader.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTargetFilesPerSecond = 5000;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string plain_python(int i) {
  std::string s =
      fmt::format("\"\"\"Order service module {}.\"\"\"\nimport dataclasses\nimport json\n\n", i);
  for (int f = 0; f < 12; ++f)
    s += fmt::format(
        "@dataclasses.dataclass\nclass Item{0}_{1}:\n    sku: str\n    qty: int = {1}\n\n"
        "def total_{1}(items, rate=0.{1}):\n    out = 0\n    for it in items:\n"
        "        out += it.qty * rate  # accumulate\n    return json.dumps({{'total': out}})\n\n",
        i, f);
  return s;
}

std::string plain_ts(int i) {
  std::string s = fmt::format("// UI component {}\nimport {{ useState }} from \"react\";\n\n", i);
  for (int f = 0; f < 10; ++f)
    s += fmt::format(
        "export function Widget{0}_{1}(props: {{ label: string }}) {{\n  const [n, setN] = "
        "useState({1});\n  const re = /[\"']+/g;\n  return `${{props.label.replace(re, \"\")}}: "
        "${{n}}`;\n}}\n\n",
        i, f);
  return s;
}

std::string plain_go(int i) {
  std::string s = fmt::format("package store{}\n\nimport \"strings\"\n\n", i % 50);
  for (int f = 0; f < 10; ++f)
    s += fmt::format(
        "func Key{0}_{1}(a, b string) string {{\n\treturn strings.Join([]string{{a, "
        "b, \"{1}\"}}, \"/\")\n}}\n\n",
        i, f);
  return s;
}

struct Generated {
  int files = 0;
  long long bytes = 0;
};

Generated generate(const fs::path& root, int n) {
  std::vector<std::pair<std::string, std::string>> templates;  // (relative path, text)
  fs::path corpus = fs::path(LLMCTL_SOURCE_DIR) / "tests/data/audit";
  for (auto it = fs::recursive_directory_iterator(corpus); it != fs::recursive_directory_iterator();
       ++it)
    if (it->is_regular_file() && llmctl::audit::is_candidate_file(it->path().string()))
      templates.emplace_back(fs::relative(it->path(), corpus).generic_string(), read(it->path()));
  Generated g;
  auto put = [&](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    ++g.files;
    g.bytes += static_cast<long long>(text.size());
  };
  for (int i = 0; g.files < n; ++i) {
    fs::path dir = root / fmt::format("svc{:03}", i % 200);
    switch (i % 20) {
      case 0:
      case 1:
      case 2:
      case 3: {  // 20%: a corpus file (LLM code, manifests, configs)
        const auto& [rel, text] =
            templates[static_cast<size_t>(i / 20 * 4 + i % 20) % templates.size()];
        fs::path p = dir / fmt::format("c{}", i) / rel;
        std::string body = text;
        if (p.extension() != ".json")
          body += p.extension() == ".go" || p.extension() == ".ts" || p.extension() == ".js"
                      ? fmt::format("\n// copy {}\n", i)
                      : fmt::format("\n# copy {}\n", i);
        put(p, body);
        break;
      }
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
      case 9:  // 30%: application Python
        put(dir / fmt::format("app/orders_{}.py", i), plain_python(i));
        break;
      case 10:
      case 11:
      case 12:
      case 13:  // 20%: front-end TypeScript
        put(dir / fmt::format("web/widget_{}.tsx", i), plain_ts(i));
        break;
      case 14:
      case 15:  // 10%: Go
        put(dir / fmt::format("pkg/store_{}.go", i), plain_go(i));
        break;
      case 16:  // 5%: package metadata JSON (parsed only if it looks like a dashboard)
        put(dir / fmt::format("pkg_{}/package.json", i),
            fmt::format("{{\"name\": \"pkg-{}\", \"version\": \"1.0.{}\", \"dependencies\": "
                        "{{\"react\": \"18.3.1\"}}}}\n",
                        i, i));
        break;
      default:  // 15%: docs and assets, skipped by extension
        put(dir / fmt::format("docs/page_{}.md", i),
            fmt::format("# Page {}\n\nSee the runbook. `kubectl get pods`\n", i));
    }
  }
  return g;
}

struct RunResult {
  double seconds = 0;
  long peak_rss_kib = 0;
  int status = 0;
};

RunResult run_llmctl(const fs::path& root, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {LLMCTL_BINARY, "audit", root.string(), "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* devnull = std::fopen("/dev/null", "w");
    dup2(fileno(devnull), STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  RunResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.peak_rss_kib = ru.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  fs::path root = fs::temp_directory_path() / fmt::format("llmctl-audit-speed-{}", getpid());
  fs::remove_all(root);
  auto t0 = Clock::now();
  Generated g = generate(root, n);
  double gen_s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print("generated {} files ({:.1f} MiB) in {} in {:.1f} s\n", g.files, g.bytes / 1048576.0,
             root.string(), gen_s);

  // Floor: read every candidate file once (what any audit must at least do), single thread.
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    if (it->is_regular_file() && llmctl::audit::is_candidate_file(it->path().string()))
      files.push_back(it->path());
  run_llmctl(root, {});  // warm the page cache the same way for every row
  t0 = Clock::now();
  long long read_bytes = 0;
  for (const auto& f : files) read_bytes += static_cast<long long>(read(f).size());
  double floor_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The audit core alone: texts in memory, one thread.
  auto cat = llmctl::catalog::load_from_sources(llmctl::catalog::embedded_sources());
  if (!cat) {
    fmt::print(stderr, "{}\n", cat.error().message);
    return 2;
  }
  llmctl::audit::Auditor auditor(*cat, {});
  std::vector<std::string> texts;
  texts.reserve(files.size());
  for (const auto& f : files) texts.push_back(read(f));
  t0 = Clock::now();
  size_t findings = 0;
  for (size_t i = 0; i < files.size(); ++i)
    findings += auditor.audit_file(files[i].string(), files[i].filename().string(), texts[i])
                    .findings.size();
  double core_s = std::chrono::duration<double>(Clock::now() - t0).count();
  texts.clear();
  texts.shrink_to_fit();

  RunResult all = run_llmctl(root, {});
  RunResult one = run_llmctl(root, {"--jobs", "1"});
  fmt::print("\n{:<44} {:>7} {:>9} {:>10} {:>10}\n", "", "files", "seconds", "files/s", "peak RSS");
  auto row = [&](std::string_view name, int count, double s, long rss_kib) {
    fmt::print("{:<44} {:>7} {:>9.3f} {:>10.0f} {:>10}\n", name, count, s, count / s,
               rss_kib ? fmt::format("{:.1f} MiB", rss_kib / 1024.0) : "-");
  };
  row("llmctl audit (all files walked)", g.files, all.seconds, all.peak_rss_kib);
  row("llmctl audit --jobs 1", g.files, one.seconds, one.peak_rss_kib);
  row("audit core only, 1 thread (candidates)", static_cast<int>(files.size()), core_s, 0);
  row("floor: read each candidate once, 1 thread", static_cast<int>(files.size()), floor_s, 0);
  fmt::print("\n{} candidate files ({:.1f} MiB read), {} findings in-process; exit status {}\n",
             files.size(), read_bytes / 1048576.0, findings, all.status);
  double rate = g.files / all.seconds;
  fmt::print(
      "target >= {:.0f} files/s: {} ({:.0f} files/s, {:.1f}x the single-thread read floor's "
      "time)\n",
      kTargetFilesPerSecond, rate >= kTargetFilesPerSecond ? "met" : "NOT met", rate,
      all.seconds / floor_s);
  fs::remove_all(root);
  return rate >= kTargetFilesPerSecond ? 0 : 1;
}
