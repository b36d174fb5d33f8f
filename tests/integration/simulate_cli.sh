#!/usr/bin/env bash
# `llmctl simulate` end to end: the JSON keys scripts depend on, byte-identical output per seed,
# every router of src/route by name, the time series and the HTML report, a scenario file with
# a heterogeneous autoscaled fleet, a Mooncake trace replay, and bad input as exit 2 naming the
# field.
set -euo pipefail
: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset LLMCTL_CATALOG_PATH
fail() { echo "FAIL: $*" >&2; exit 1; }
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
sim() { "$LLMCTL" simulate "$@"; }

base=(--model llama-3.1-8b --gpu h100-sxm --engine vllm --replicas 2 --input-tokens 600
      --output-tokens 150 --requests 400)

# JSON keys (issue 12's list) with the right shapes; every request completed or dropped.
sim "${base[@]}" --qps 8 --seed 3 --format json > "$tmp/a.json" || fail "qps run exit $?"
py "$tmp/a.json" '
keys = ["requests", "completed", "dropped", "duration_s", "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms",
        "queue_ms", "requests_per_s", "output_tokens_per_s", "prefix_cache_hit_rate", "preemptions",
        "kv_usage_mean", "slo_attainment", "gpu_hours", "cost_usd", "replicas"]
missing = [k for k in keys if k not in d]
assert not missing, missing
for k in ["ttft_ms", "tpot_ms", "itl_ms", "e2e_ms", "queue_ms"]:
    assert all(isinstance(d[k][s], (int, float)) for s in ("mean", "p50", "p90", "p99")), k
    assert d[k]["p50"] <= d[k]["p90"] <= d[k]["p99"], (k, d[k])
assert d["requests"] == 400 and d["completed"] + d["dropped"] == 400, d
assert d["ttft_ms"]["p50"] > 0 and d["tpot_ms"]["p50"] > 0
assert d["replicas"]["max"] == 2
' || fail "JSON contract"

# Same seed, byte-identical output; another seed, different.
sim "${base[@]}" --qps 8 --seed 3 --format json > "$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "same seed gave different output"
sim "${base[@]}" --qps 8 --seed 4 --format json > "$tmp/c.json"
! cmp -s "$tmp/a.json" "$tmp/c.json" || fail "another seed gave the same output"

# Every routing policy of src/route runs the fleet (and '-' spells '_').
for r in weighted least_outstanding latency prefix round_robin round-robin random least_kv_usage \
         cache_aware kv_scorer session; do
  sim "${base[@]}" --qps 8 --shared-prefix-tokens 300 --prefix-groups 4 --router "$r" \
    --format json > "$tmp/r.json" || fail "router $r exit $?"
  py "$tmp/r.json" 'assert d["completed"] == 400, d["completed"]' || fail "router $r"
done
# Cache-aware routing keeps a group's prefix on one replica: a higher hit rate than random.
hit() { sim "${base[@]}" --qps 8 --shared-prefix-tokens 2000 --prefix-groups 16 --router "$1" \
          --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefix_cache_hit_rate"])'; }
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert a >= b, (a, b)" \
  "$(hit cache_aware)" "$(hit random)" || fail "cache_aware hit rate below random's"

# A benchmark client's habits: prompts drawn from a pool of 20 and 64 warm-up requests left out
# of the metrics (requests counts the measured ones); the pool makes repeated prompts cache hits.
sim "${base[@]}" --concurrency 16 --prompt-pool 20 --warmup-requests 64 --format json \
  > "$tmp/pool.json" || fail "prompt pool exit $?"
py "$tmp/pool.json" '
assert d["requests"] == 400 and d["completed"] == 400, d["requests"]
assert d["prefix_cache_hit_rate"] > 0.9, d["prefix_cache_hit_rate"]
assert any("64 warm-up requests" in n for n in d["notes"]), d["notes"]
' || fail "prompt pool and warm-up"
sim "${base[@]}" --concurrency 16 --prompt-pool 20 --shared-prefix-tokens 100 > /dev/null 2> "$tmp/err.txt" \
  && fail "a prompt pool with shared prefixes was accepted"
grep -q "prompt_pool" "$tmp/err.txt" || fail "pool conflict message: $(cat "$tmp/err.txt")"

# Closed loop, time series and the HTML report.
sim "${base[@]}" --concurrency 16 --timeseries "$tmp/ts.csv" --html "$tmp/r.html" > "$tmp/out.txt" \
  || fail "closed loop exit $?"
head -1 "$tmp/ts.csv" | grep -q '^t_s,replicas_ready,replicas_starting,running,waiting,kv_usage' \
  || fail "timeseries header: $(head -1 "$tmp/ts.csv")"
[[ $(wc -l < "$tmp/ts.csv") -gt 5 ]] || fail "timeseries has too few rows"
grep -q '<svg' "$tmp/r.html" || fail "HTML report without charts"
! grep -qi '<script\|https\?://' "$tmp/r.html" || fail "HTML report is not self-contained"
grep -q 'TTFT' "$tmp/out.txt" || fail "text output: $(cat "$tmp/out.txt")"

# A scenario file: two pools, an autoscaler, a failure, SLOs.
sim --scenario "$LLMCTL_SOURCE_DIR/examples/simulate/hetero-autoscale.yaml" --format json \
  > "$tmp/s.json" || fail "scenario exit $?"
py "$tmp/s.json" '
assert d["completed"] + d["dropped"] == d["requests"] > 1000, d["requests"]
assert d["replicas"]["max"] >= 3 and d["slo_attainment"] is not None
assert d["cost_usd"] > 0 and d["gpu_hours"] > 0
pools = {r["pool"] for r in d["per_replica"]}
assert pools == {"h100", "l40s"}, pools
' || fail "scenario result"

# A Mooncake trace replay: its first ten minutes, with cache-aware routing.
trace="${LLMCTL_SHARED_DIR:-$LLMCTL_SOURCE_DIR/../shared}/data/traces/mooncake-fast25/conversation_trace.jsonl"
if [[ -f $trace ]]; then
  sim --model llama-3.1-8b --gpu h100-sxm --engine vllm --replicas 4 --router cache_aware \
    --trace "$trace" --window 0:600 --format json > "$tmp/t.json" \
    || fail "trace replay exit $?"
  py "$tmp/t.json" '
assert d["requests"] > 1000 and d["completed"] + d["dropped"] == d["requests"], d["requests"]
assert d["prefix_cache_hit_rate"] > 0.03, d["prefix_cache_hit_rate"]  # 7% in its first 10 min
' \
    || fail "trace replay"
else
  echo "SKIP: trace $trace not present" >&2
fi

# `llmctl perf` under load takes TTFT and TPOT from the same simulation: perf --qps and
# simulate with the same deployment, load and size agree exactly.
"$LLMCTL" perf --model llama-3.1-8b --gpu h100-sxm --gpus 2 --engine vllm --dtype bf16 \
  --input-tokens 600 --output-tokens 150 --qps 8 --format json > "$tmp/p.json" || fail "perf exit $?"
sim --model llama-3.1-8b --gpu h100-sxm --engine vllm --replicas 2 --input-tokens 600 \
  --output-tokens 150 --qps 8 --requests 500 --seed 1 --router least_outstanding --step-jitter 0.05 \
  --format json \
  > "$tmp/q.json" || fail "simulate exit $?"
python3 - "$tmp/p.json" "$tmp/q.json" <<'PY' || fail "perf and simulate disagree"
import json, sys
p, q = (json.load(open(f)) for f in sys.argv[1:3])
assert p["simulated"]["requests"] == 500, p["simulated"]
assert abs(p["ttft_ms"] - q["ttft_ms"]["mean"]) < 1e-3 * q["ttft_ms"]["mean"], (p["ttft_ms"], q["ttft_ms"])
assert abs(p["tpot_ms"] - q["tpot_ms"]["mean"]) < 1e-3 * q["tpot_ms"]["mean"], (p["tpot_ms"], q["tpot_ms"])
assert p["analytic"]["ttft_ms"] > 0 and any("simulation of 500 requests" in s for s in p["explain"])
PY

# Bad input: exit 2, naming the field.
set +e
sim "${base[@]}" --qps 8 --router fastest > /dev/null 2> "$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "unknown router: exit $rc"
grep -q 'router: unknown "fastest"; expected one of weighted, .*cache_aware' "$tmp/err" \
  || fail "unknown router message: $(cat "$tmp/err")"
printf 'pools:\n  - model: llama-3.1-8b\n    gpu: h100-sxm\n    engine: vllm\n    replicas: 1\n    tpp: 2\nworkload:\n  qps: 1\n  requests: 10\n' > "$tmp/bad.yaml"
set +e
sim --scenario "$tmp/bad.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "bad scenario: exit $rc"
grep -q 'bad.yaml:6:5: pools\[0\].tpp: .*did you mean.*tp' "$tmp/err" \
  || fail "bad scenario message: $(cat "$tmp/err")"
# SGLang's receive and stream intervals: another engine refuses them, SGLang takes them.
set +e
sim "${base[@]}" --qps 8 --scheduler-recv-interval 10 > /dev/null 2> "$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "recv interval on vllm: exit $rc"
grep -q 'pools\[0\].scheduler_recv_interval: --scheduler-recv-interval is an SGLang server flag; engine vllm' \
  "$tmp/err" || fail "recv interval message: $(cat "$tmp/err")"
printf 'pools:\n  - model: llama-3.1-8b\n    gpu: h100-sxm\n    engine: trtllm\n    stream_interval: 30\nworkload:\n  qps: 1\n  requests: 10\n' > "$tmp/bad.yaml"
set +e
sim --scenario "$tmp/bad.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "stream interval on trtllm: exit $rc"
grep -q 'bad.yaml:5:[0-9]*: pools\[0\].stream_interval: is an SGLang server flag; engine trtllm' \
  "$tmp/err" || fail "stream interval message: $(cat "$tmp/err")"
sim --model llama-3.1-8b --gpu h100-sxm --engine sglang --concurrency 8 --requests 80 \
  --scheduler-recv-interval 10 --stream-interval 10 --format json > "$tmp/sgl.json" \
  || fail "sglang intervals exit $?"
py "$tmp/sgl.json" 'assert d["completed"] == 80, d' || fail "sglang intervals run"
echo "simulate_cli: ok"
