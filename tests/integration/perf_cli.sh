#!/usr/bin/env bash
# `llmctl perf` end to end: the JSON contract, aliases, data-parallel replicas, the KV cliff,
# "does not fit" as an answer (exit 0), bad input as exit 2 naming the flag, and the time of 20
# runs (printed, not asserted).
set -euo pipefail
: "${LLMCTL:?set LLMCTL to the llmctl binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"  # no user overlays leak in
unset LLMCTL_CATALOG_PATH
fail() { echo "FAIL: $*" >&2; exit 1; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
perf() { "$LLMCTL" perf "$@"; }

base=(--model llama-3.1-70b --gpu h100-sxm --engine trtllm --dtype fp8 --input-tokens 1000 --output-tokens 1000)

# JSON keys and types, in every load mode.
for mode in "--offline" "--concurrency 32" "--qps 2" "--batch 8"; do
  # shellcheck disable=SC2086
  perf "${base[@]}" --gpus 4 --tp 4 $mode --format json > "$tmp/out.json" || fail "$mode exit $?"
  jq_py '
keys = ["fits", "weights_gib_per_gpu", "kv_cache_tokens", "max_concurrency", "ttft_ms", "tpot_ms",
        "output_tokens_per_s", "requests_per_s", "prefill_ms", "decode_ms_per_token", "bottleneck",
        "explain"]
missing = [k for k in keys if k not in d]
assert not missing, missing
assert d["fits"] is True and "reason" not in d
for k in keys[1:10]:
    assert isinstance(d[k], (int, float)) and d[k] > 0, (k, d[k])
assert d["bottleneck"] in ("memory-bandwidth", "compute", "kv-capacity", "queueing"), d["bottleneck"]
assert isinstance(d["explain"], list) and len(d["explain"]) >= 4
assert all(isinstance(s, str) and s.endswith(".") for s in d["explain"])
assert any("KV cache holds" in s for s in d["explain"])
' < "$tmp/out.json" || fail "JSON contract ($mode)"
done

# Under load the simulation answers (docs/SIM.md section 6): TTFT and TPOT are its means, the
# analytic model's own values are kept beside them, and a closed loop's throughput is its
# steady state (N in flight over the simulated end-to-end time).
for mode in "--concurrency 32" "--qps 2"; do
  # shellcheck disable=SC2086
  perf "${base[@]}" --gpus 4 --tp 4 $mode --format json > "$tmp/out.json"
  jq_py '
s, a = d["simulated"], d["analytic"]
assert d["ttft_ms"] == s["ttft_ms"]["mean"] and d["tpot_ms"] == s["tpot_ms"]["mean"], (d, s)
assert a["ttft_ms"] > 0 and a["tpot_ms"] > 0 and a["ttft_ms"] != d["ttft_ms"], a
assert any("simulation of" in x and "analytic model alone says" in x for x in d["explain"])
if "'"$mode"'".startswith("--concurrency"):
    assert abs(d["output_tokens_per_s"] - 1000 * d["requests_per_s"]) < 0.01 * d["output_tokens_per_s"]
    assert any("output tokens/s (analytic" in x for x in d["explain"]), d["explain"]
' < "$tmp/out.json" || fail "simulation answers ($mode)"
done

# Aliases for model and GPU give the same answer as ids.
a=$(perf --model meta-llama/Llama-3.1-8B-Instruct --gpu "NVIDIA H100 80GB HBM3" --gpus 1 --engine vllm \
      --dtype bf16 --input-tokens 500 --output-tokens 200 --qps 3 --format json)
b=$(perf --model llama-3.1-8b --gpu h100-sxm --gpus 1 --engine vllm \
      --dtype bf16 --input-tokens 500 --output-tokens 200 --qps 3 --format json)
[ "$a" = "$b" ] || fail "aliases differ from ids"

# --gpus beyond tp x pp: data-parallel replicas multiply offline throughput.
one=$(perf "${base[@]}" --gpus 4 --tp 4 --offline --format json | jq_py 'print(d["output_tokens_per_s"])')
two=$(perf "${base[@]}" --gpus 8 --tp 4 --offline --format json | jq_py 'print(d["output_tokens_per_s"])')
python3 -c "import sys; assert abs($two - 2 * $one) < 1e-3 * $two, ($one, $two)" || fail "replicas"

# The KV cliff (calibration c10 vs c11): one H200 serves at least 2.5x one H100.
h100=$(perf "${base[@]}" --gpus 1 --offline --format json)
h200=$(perf --model llama-3.1-70b --gpu h200 --engine trtllm --dtype fp8 --input-tokens 1000 \
         --output-tokens 1000 --gpus 1 --offline --format json)
python3 - "$h100" "$h200" <<'EOF' || fail "KV cliff"
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert a["bottleneck"] == "kv-capacity", a["bottleneck"]
assert b["output_tokens_per_s"] >= 2.5 * a["output_tokens_per_s"], (a["output_tokens_per_s"], b["output_tokens_per_s"])
EOF
perf "${base[@]}" --gpus 1 --concurrency 256 | grep -q "so requests queue" || fail "cliff explain"

# Does not fit: exit 0, fits false with a reason; text output says so.
out=$(perf --model llama-3.1-405b --gpu h100 --gpus 1 --engine vllm --dtype bf16 \
        --input-tokens 1000 --output-tokens 100 --offline --format json) || fail "no-fit exit $?"
jq_py 'assert d["fits"] is False and "does not fit" in d["reason"], d; assert d["ttft_ms"] is None' <<<"$out" \
  || fail "no-fit JSON"
perf --model llama-3.1-405b --gpu h100 --gpus 1 --engine vllm --dtype bf16 --input-tokens 1000 \
  --output-tokens 100 --offline | grep -q "fits         NO: does not fit" || fail "no-fit text"

# Bad input: exit 2 and a message naming the flag.
expect_usage() {
  local want=$1; shift
  set +e; err=$("$LLMCTL" perf "$@" 2>&1 >/dev/null); rc=$?; set -e
  [ "$rc" = 2 ] || fail "exit $rc, want 2: $*"
  grep -q -- "$want" <<<"$err" || fail "message lacks '$want': $err"
}
ok=(--gpus 1 --engine vllm --dtype bf16 --input-tokens 100 --output-tokens 100)
expect_usage "--model" --model no-such-model --gpu h100 "${ok[@]}" --offline
expect_usage "--gpu" --model llama-3.1-8b --gpu no-such-gpu "${ok[@]}" --offline
expect_usage "--engine" --model llama-3.1-8b --gpu h100 --gpus 1 --engine llamacpp --dtype bf16 \
  --input-tokens 100 --output-tokens 100 --offline
expect_usage "--tp" --model llama-3.1-70b --gpu h100 --gpus 3 --tp 3 --engine vllm --dtype bf16 \
  --input-tokens 100 --output-tokens 100 --offline
expect_usage "--gpus" --model llama-3.1-70b --gpu h100 --gpus 6 --tp 4 --engine vllm --dtype bf16 \
  --input-tokens 100 --output-tokens 100 --offline
expect_usage "--dtype" --model llama-3.1-8b --gpu a100-80gb --gpus 1 --engine trtllm --dtype fp8 \
  --input-tokens 100 --output-tokens 100 --offline
expect_usage "--dtype" --model llama-3.1-8b --gpu h100 --gpus 1 --engine vllm --dtype fp4 \
  --input-tokens 100 --output-tokens 100 --offline
expect_usage "--dtype" --model llama-3.1-8b --gpu h100 "${ok[@]/bf16/fp3}" --offline
expect_usage "--input-tokens" --model llama-3.1-8b --gpu h100 --gpus 1 --engine vllm --dtype bf16 \
  --input-tokens 0 --output-tokens 100 --offline
expect_usage "--qps" --model llama-3.1-8b --gpu h100 "${ok[@]}" --qps 0
expect_usage "load mode is required" --model llama-3.1-8b --gpu h100 "${ok[@]}"
expect_usage "choose one load mode" --model llama-3.1-8b --gpu h100 "${ok[@]}" --offline --qps 3
expect_usage "--model" --gpu h100 "${ok[@]}" --offline
# Every missing flag in one message; --gpus (tp x pp) and --dtype (bf16) have defaults.
expect_usage "--model: is required: Model id or alias (see the catalog_list tool, kind models); also missing: --gpu, --engine, --input-tokens, --output-tokens" --offline
expect_usage "--engine: is required: Serving engine; and a load mode: --offline, --concurrency N" \
  --model llama-3.1-8b --gpu h100 --input-tokens 100 --output-tokens 100
expect_usage "--model: unknown model 'qwen3-235b'; did you mean 'qwen3-235b-a22b'?" \
  --model qwen3-235b --gpu h100 --engine vllm --input-tokens 100 --output-tokens 100 --offline
first=$(perf --model llama-3.1-8b --gpu h100 --tp 2 --engine vllm --input-tokens 100 \
  --output-tokens 100 --offline | head -1)
grep -q "on 2 x h100-sxm (TP 2, PP 1, 1 replica), vllm bf16" <<<"$first" ||
  fail "defaults: want 2 GPUs (tp x pp) in bf16: $first"

# Time: 20 runs of the whole binary (catalog load + estimate). Informative only.
start=$(date +%s%N)
for _ in $(seq 20); do perf "${base[@]}" --gpus 4 --tp 4 --qps 5 --format json >/dev/null; done
end=$(date +%s%N)
echo "llmctl perf: $(( (end - start) / 20000000 )) ms per run (mean of 20, informative)"
echo "perf_cli: OK"
