#!/usr/bin/env bash
# Wall time of one llmctl invocation, per command, against the floor of starting any process
# (`/bin/true`) and of starting llmctl itself (`--version`). Best and median of N runs.
# Usage: bench/cli_latency/run.sh [path/to/llmctl] [runs]
set -euo pipefail
llmctl=${1:-build/release/src/cli/llmctl}
runs=${2:-30}
python3 - "$llmctl" "$runs" <<'PY'
import statistics, subprocess, sys, time
llmctl, runs = sys.argv[1], int(sys.argv[2])
cases = [
    ("/bin/true (process floor)", ["/bin/true"]),
    ("llmctl --version (start-up floor)", [llmctl, "--version"]),
    ("llmctl catalog list models", [llmctl, "catalog", "list", "models"]),
    ("llmctl perf 70B fp8 2xH100 qps", [llmctl, "perf", "--model", "llama-3.1-70b", "--gpu", "h100",
        "--gpus", "2", "--tp", "2", "--engine", "vllm", "--dtype", "fp8", "--input-tokens", "2000",
        "--output-tokens", "300", "--qps", "4", "--format", "json"]),
    ("llmctl plan examples/rag-70b-h100-h200.yaml", [llmctl, "plan", "examples/rag-70b-h100-h200.yaml", "--format", "json"]),
]
print(f"{'command':45} {'best ms':>8} {'median ms':>10}")
for name, cmd in cases:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
    print(f"{name:45} {min(times):8.1f} {statistics.median(times):10.1f}")
PY
