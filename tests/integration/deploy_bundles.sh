#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2016  # `test && ok || fail`: ok() cannot fail; JS in single quotes
# Every example, every target: the generated bundle must pass `llmctl audit` with ZERO findings
# (no error, warning or note; nothing suppressed or baselined; every YAML/JSON file scanned and
# recognised), the k8s rule file `promtool check rules`, and every gateway config in it must pass
# `llmctl gateway --check`, including the copy inside the k8s ConfigMap (which must be
# byte-identical to gateway/gateway.yaml's body).
#
# The examples are deployed from the source tree (plan, then deploy, with no --option: the default
# choice), and the RAG example once more scaling to zero with a cold-start budget. tier-strong-azure-trace replays a trace from ../shared; it is skipped with a message
# when that file is missing.
#
# Environment (set by ctest): LLMCTL (the binary), LLMCTL_SOURCE_DIR, NODE_PATH (js-yaml).
set -euo pipefail

: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?set LLMCTL_SOURCE_DIR to the repository root}"
export NODE_PATH="${NODE_PATH:-$LLMCTL_SOURCE_DIR/node_modules}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home"
unset LLMCTL_CATALOG_PATH
export NO_COLOR=1

failures=0
passed=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { passed=$((passed + 1)); }

# What `llmctl audit` must recognise in each target's bundle (files_by_kind in its JSON summary).
declare -A kinds=(
  [k8s]="kubernetes prometheus-rules grafana-dashboard github-workflow llmctl-gateway-config"
  [kserve]="kubernetes llmctl-gateway-config"
  [helm-production-stack]="helm-values llmctl-gateway-config"
  [skypilot]="skypilot"
  [compose]="compose llmctl-gateway-config"
)

# gateway_check LABEL CONFIG: `llmctl gateway --check` with every key variable the config names set.
gateway_check() {
  local label=$1 config=$2 envs=()
  while read -r var; do envs+=("$var=test-key"); done < <(
    sed -n 's/^ *api_key_env: *\([A-Z0-9_]*\).*/\1/p' "$config" | sort -u)
  # The shared governance store's URL (k8s with several gateway replicas): the Service's address.
  while read -r var; do envs+=("$var=redis://127.0.0.1:6379"); done < <(
    sed -n 's/^ *redis_url_env: *\([A-Z0-9_]*\).*/\1/p' "$config" | sort -u)
  if env "${envs[@]}" "$LLMCTL" gateway --config "$config" --check >"$work/gw.out" 2>&1; then
    ok
  else
    fail "$label: llmctl gateway --check $config: $(head -c 600 "$work/gw.out")"
  fi
}

# Each case: an example, then extra deploy flags (scale to zero with its cold-start budget).
cases=(
  "chat-8b-l4-l40s"
  "rag-70b-h100-h200"
  "tier-strong-azure-trace"
  "rag-70b-h100-h200 --scale-to-zero --cold-start-budget 1800"
)
trace="$LLMCTL_SOURCE_DIR/../shared/data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
n=0
for case in "${cases[@]}"; do
  read -r example extra <<<"$case"
  read -r -a extra_flags <<<"${extra:-}"
  n=$((n + 1))
  if [[ $example == tier-strong-azure-trace && ! -f "$trace" ]]; then
    echo "SKIP: $example: trace $trace not present" >&2
    continue
  fi
  for target in k8s kserve helm-production-stack skypilot compose; do
    label="$example${extra:+ $extra}/$target"
    out="$work/$n-$example-$target"
    if ! "$LLMCTL" deploy "$LLMCTL_SOURCE_DIR/examples/$example.yaml" --out "$out" --target "$target" \
      --eval-command "python eval/run.py" --eval-threshold 0.8 "${extra_flags[@]}" \
      >"$work/deploy.out" 2>&1; then
      fail "$label: llmctl deploy: $(head -c 600 "$work/deploy.out")"
      continue
    fi
    ok

    # 1. llmctl audit: zero findings of any severity.
    rc=0
    "$LLMCTL" audit "$out" --format json --fail-on note >"$work/audit.json" 2>"$work/audit.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      fail "$label: llmctl audit exited $rc: $(head -c 300 "$work/audit.err")"
    fi
    structured=$(find "$out" -type f \( -name '*.yaml' -o -name '*.json' \) | wc -l)
    if node -e '
const [file, structured, kinds] = process.argv.slice(1);
const d = JSON.parse(require("fs").readFileSync(file, "utf8"));
const problems = [];
for (const f of d.findings)
  problems.push(`${f.rule} ${f.severity} ${f.file ?? f.path}:${f.line}: ${f.message}`);
const s = d.summary;
if (s.suppressed || s.baselined) problems.push(`suppressed ${s.suppressed}, baselined ${s.baselined}`);
if (s.files_skipped) problems.push(`${s.files_skipped} files skipped`);
if (s.files_scanned < Number(structured))
  problems.push(`scanned ${s.files_scanned} files of ${structured} YAML/JSON files`);
for (const k of kinds.split(" "))
  if (!s.files_by_kind[k]) problems.push(`no file recognised as ${k}: ${JSON.stringify(s.files_by_kind)}`);
if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
' "$work/audit.json" "$structured" "${kinds[$target]}" 2>"$work/audit.problems"; then
      ok
    else
      fail "$label: llmctl audit: $(head -c 2000 "$work/audit.problems")"
    fi

    # 2. The rule file passes promtool (k8s only: the other targets carry no monitoring).
    if [[ $target == k8s ]]; then
      if ! command -v promtool >/dev/null; then
        echo "SKIP: promtool not installed (Debian package prometheus): $label rules not checked" >&2
      elif promtool check rules "$out/monitoring/rules.yaml" >"$work/promtool.out" 2>&1; then
        ok
      else
        fail "$label: promtool check rules: $(head -c 600 "$work/promtool.out")"
      fi
    fi

    # 3. The gateway config: valid for the gateway; the ConfigMap carries the same text.
    if [[ $target == skypilot ]]; then
      # SkyServe's load balancer is the endpoint; no gateway is generated (docs/DEPLOY.md).
      [[ ! -e "$out/gateway" ]] && ok || fail "$label: unexpected gateway config"
      continue
    fi
    if [[ ! -f "$out/gateway/gateway.yaml" ]]; then
      fail "$label: no gateway/gateway.yaml"
      continue
    fi
    gateway_check "$label" "$out/gateway/gateway.yaml"
    if grep -Eq '^ *(budgets?|redis):' "$out/gateway/gateway.yaml"; then
      fail "$label: the gateway config has a section the gateway does not read"
    else
      ok
    fi
    if [[ $target == k8s ]]; then
      if node -e '
const fs = require("fs");
const yaml = require("js-yaml");
const [cm, plain, extracted] = process.argv.slice(1);
const doc = yaml.load(fs.readFileSync(cm, "utf8"));
if (doc.kind !== "ConfigMap") throw new Error(`kind ${doc.kind}`);
const text = doc.data["gateway.yaml"];
const body = fs.readFileSync(plain, "utf8").split("\n").slice(1).join("\n");
if (text !== body) throw new Error("ConfigMap data differs from gateway/gateway.yaml");
fs.writeFileSync(extracted, text);
' "$out/k8s/gateway-configmap.yaml" "$out/gateway/gateway.yaml" "$work/extracted.yaml" \
        2>"$work/cm.err"; then
        ok
        gateway_check "$label (ConfigMap)" "$work/extracted.yaml"
      else
        fail "$label: gateway ConfigMap: $(head -c 600 "$work/cm.err")"
      fi
    fi
  done
done

echo "deploy_bundles: $passed passed, $failures failed"
((failures == 0))
