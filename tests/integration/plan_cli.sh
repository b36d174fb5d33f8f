#!/usr/bin/env bash
# `llmctl plan` end to end: the examples against their golden JSON, the text view, --top, and
# spec errors (file:line, field, exit 2).
#
# Environment (set by ctest): LLMCTL (the binary), LLMCTL_SOURCE_DIR, LLMCTL_SHARED_DIR (the
# example with a trace reads ../shared beside the repo, relative to the spec file).
# UPDATE_GOLDEN=1 rewrites tests/data/plan/*.json from the current binary instead of comparing:
#   UPDATE_GOLDEN=1 LLMCTL=build/plan/src/cli/llmctl LLMCTL_SOURCE_DIR=$PWD \
#     bash tests/integration/plan_cli.sh
# Goldens move when the catalog or the performance model's fitted efficiencies change; review the
# diff, then regenerate.
set -euo pipefail

: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?set LLMCTL_SOURCE_DIR to the repository root}"
LLMCTL_SHARED_DIR="${LLMCTL_SHARED_DIR:-$LLMCTL_SOURCE_DIR/../shared}"
GOLDEN_DIR="$LLMCTL_SOURCE_DIR/tests/data/plan"
EXAMPLES="$LLMCTL_SOURCE_DIR/examples"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Hermetic: no user catalog overlays.
export HOME="$work/home"
unset LLMCTL_CATALOG_PATH
export NO_COLOR=1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

if [[ ! -f "$LLMCTL_SHARED_DIR/data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv" ]]; then
  echo "FAIL: $LLMCTL_SHARED_DIR/data/traces/azure-llm-2023 is missing (../shared beside the repo)" >&2
  exit 1
fi

# 1. Goldens: every example's JSON plan.
shopt -s nullglob
specs=("$EXAMPLES"/*.yaml)
((${#specs[@]} >= 3)) || fail "expected at least 3 examples in $EXAMPLES, found ${#specs[@]}"
for spec in "${specs[@]}"; do
  name="$(basename "$spec" .yaml)"
  out="$work/$name.json"
  rc=0
  "$LLMCTL" plan "$spec" --format json >"$out" 2>"$work/$name.err" || rc=$?
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    fail "$name: exit $rc: $(cat "$work/$name.err")"
    continue
  fi
  if [[ "${UPDATE_GOLDEN:-0}" == 1 ]]; then
    cp "$out" "$GOLDEN_DIR/$name.json"
    echo "updated $GOLDEN_DIR/$name.json"
  elif [[ ! -f "$GOLDEN_DIR/$name.json" ]]; then
    fail "$name: no golden $GOLDEN_DIR/$name.json (run with UPDATE_GOLDEN=1)"
  elif ! diff -u "$GOLDEN_DIR/$name.json" "$out" >"$work/$name.diff"; then
    head -80 "$work/$name.diff" >&2
    fail "$name: JSON differs from the golden (UPDATE_GOLDEN=1 regenerates after review)"
  fi
done
for golden in "$GOLDEN_DIR"/*.json; do
  [[ -f "$EXAMPLES/$(basename "$golden" .json).yaml" ]] || fail "stale golden $golden"
done

# 2. The JSON contract: fixed top-level key order; every ranked option has reasons.
chat="$work/chat-8b-l4-l40s.json"
if [[ -f "$chat" ]]; then
  keys="$(grep -E '^  "[a-z_]+":' "$chat" | sed -E 's/^  "([a-z_]+)".*/\1/' | tr '\n' ' ')"
  [[ "$keys" == "spec assumptions summary options break_even notes dominated rejected excluded " ]] ||
    fail "top-level keys out of order: $keys"
  grep -q '"because": \[' "$chat" || fail "options carry no because lines"
fi

# 3. Text view: the table, reasons with numbers, the break-even line.
text="$("$LLMCTL" plan "$EXAMPLES/rag-70b-h100-h200.yaml" --top 2 || true)"
grep -q '^#  OPTION' <<<"$text" || fail "text: no table header"
grep -q '^1\. ' <<<"$text" || fail "text: no rank 1"
grep -q '^3\. ' <<<"$text" && fail "text: --top 2 shows a third option"
grep -qE 'because .*[0-9]' <<<"$text" || fail "text: no because line with numbers"
grep -q '^break-even: ' <<<"$text" || fail "text: no break-even line"

# 4. --top limits the JSON options.
n="$("$LLMCTL" plan "$EXAMPLES/chat-8b-l4-l40s.yaml" --format json --top 1 | grep -c '"rank": ' || true)"
[[ "$n" == 1 ]] || fail "--top 1 gave $n options"

# 5. A p99 target: in the SLO line, said in the assumptions, and held by the simulation: the
#    cheapest L40S option meets the p95s but not a 500 ms p99 with its analytic fleet, so it is
#    sized up, and every option shown as checked meets the p99.
sed -e 's/^  ttft_p95_ms: 800/  ttft_p95_ms: 400/' \
  -e 's/^  availability: 0.999/  ttft_p99_ms: 500\n  availability: 0.999/' \
  "$EXAMPLES/chat-8b-l4-l40s.yaml" >"$work/p99.yaml"
grep -q '^  ttft_p99_ms: 500' "$work/p99.yaml" || fail "p99: the example's slo lines changed"
text="$("$LLMCTL" plan "$work/p99.yaml" || true)"
grep -q '^SLO: p95 TTFT 400 ms, p95 TPOT 60 ms, p99 TTFT 500 ms' <<<"$text" ||
  fail "p99: SLO line: $(grep '^SLO' <<<"$text")"
grep -q 'p99 SLOs: the analytic sizing works on p95s' <<<"$text" || fail "p99: no assumption line"
"$LLMCTL" plan "$work/p99.yaml" --format json >"$work/p99.json" || true
python3 - "$work/p99.json" <<'PY' || fail "p99: JSON"
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["spec"]["slo"]["ttft_p99_ms"] == 500, d["spec"]["slo"]
checked = [o for o in d["options"] if o["kind"] == "self-hosted" and o.get("simulated")]
assert checked, "no option checked by simulation"
for o in checked:
    assert o["simulated"]["ttft_p99_ms"] <= 500, (o["id"], o["simulated"])
grown = [o for o in checked if o["self_hosted"]["sized_up"]]
assert grown, "no option sized up on the p99"
for o in grown:
    assert all(re.search(r"TTFT p99 [0-9.]+ ms > 500 ms", m) for m in o["self_hosted"]["sized_up"]), o["self_hosted"]["sized_up"]
    assert o["self_hosted"]["replica_capacity_qps"] < o["self_hosted"]["analytic_capacity_qps"], o["self_hosted"]
PY

# 6. Spec errors: exit 2, file:line:column, the field, what was expected.
expect_error() {  # name, spec text, expected stderr fragment...
  local name="$1" body="$2"
  shift 2
  printf '%s' "$body" >"$work/$name.yaml"
  local rc=0
  "$LLMCTL" plan "$work/$name.yaml" >"$work/$name.out" 2>"$work/$name.stderr" || rc=$?
  [[ $rc -eq 2 ]] || fail "$name: exit $rc, expected 2"
  for fragment in "$@"; do
    grep -qF -- "$fragment" "$work/$name.stderr" ||
      fail "$name: stderr lacks '$fragment': $(cat "$work/$name.stderr")"
  done
}
expect_error unknown_field $'model: llama-3.1-8b\ntraffic:\n  peak_qps: 3\n  input_tokens: 100\n  output_tokens: 10\n  burst: 9\n' \
  "unknown_field.yaml:6:3: traffic.burst: unknown field"
expect_error bad_number $'model: llama-3.1-8b\ntraffic:\n  peak_qps: many\n  input_tokens: 100\n  output_tokens: 10\n' \
  "bad_number.yaml:3:13: traffic.peak_qps: expected a number, found \"many\""
expect_error unknown_gpu $'model: llama-3.1-8b\ntraffic: {peak_qps: 3, input_tokens: 100, output_tokens: 10}\nconstraints:\n  gpus: [h100-sxm, h999]\n' \
  "unknown_gpu.yaml:4:20: constraints.gpus[1]: unknown GPU 'h999'; expected one of a10g"
expect_error unknown_model $'model: llama-9\ntraffic: {peak_qps: 3, input_tokens: 100, output_tokens: 10}\n' \
  "unknown_model.yaml:1:8: model: unknown model 'llama-9'"
expect_error p99_below_p95 $'model: llama-3.1-8b\ntraffic: {peak_qps: 3, input_tokens: 100, output_tokens: 10}\nslo:\n  ttft_p95_ms: 900\n  ttft_p99_ms: 400\n' \
  "p99_below_p95.yaml:5:16: slo.ttft_p99_ms: expected at least ttft_p95_ms (900 ms)"
expect_error missing_trace $'tier: strong\ntraffic:\n  trace: {file: no/such.csv}\n' \
  "missing_trace.yaml:3:17: traffic.trace.file: cannot read"
rc=0
"$LLMCTL" plan "$work/does-not-exist.yaml" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "missing spec file: exit $rc, expected 2"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "plan_cli: all checks passed"
