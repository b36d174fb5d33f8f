#!/usr/bin/env bash
# shellcheck disable=SC2015  # `test && ok || fail`: ok() cannot fail
# `llmctl deploy` end to end: dry run writes nothing, atomic writes, unchanged re-runs, the
# checksum guard on edited and foreign files (exit 2 naming the file) and --force, --check for
# CI, JSON output, explicit flags, input errors, and the real validators that need no npm:
# `promtool check rules` on every rule file, `llmctl gateway --check` on the gateway config and
# `llmctl audit` on the whole bundle.
#
# Environment (set by ctest): LLMCTL (the binary), LLMCTL_SOURCE_DIR.
set -euo pipefail

: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?set LLMCTL_SOURCE_DIR to the repository root}"

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
expect_rc() {  # expect_rc WANT LABEL -- command...
  local want=$1 label=$2
  shift 3
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [[ $rc -ne $want ]]; then
    fail "$label: exit $rc, expected $want; stderr: $(head -c 600 "$work/err")"
    return 1
  fi
  ok
}

cd "$work"
mkdir -p examples
cp "$LLMCTL_SOURCE_DIR/examples/rag-70b-h100-h200.yaml" "$LLMCTL_SOURCE_DIR/examples/chat-8b-l4-l40s.yaml" examples/
spec=examples/rag-70b-h100-h200.yaml
eval_flags=(--eval-command "python eval/run.py" --eval-threshold 0.8)

# 1. Dry run: lists files, writes nothing; JSON carries the contents.
expect_rc 0 "dry run" -- "$LLMCTL" deploy "$spec" --out bundle --dry-run "${eval_flags[@]}"
[[ ! -e bundle ]] && ok || fail "dry run wrote $work/bundle"
grep -q "would write" "$work/out" && ok || fail "dry run text: $(head -3 "$work/out")"
expect_rc 0 "dry run json" -- "$LLMCTL" deploy "$spec" --out bundle --dry-run --format json "${eval_flags[@]}"
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (!d.dry_run || d.written) throw new Error("dry run wrote");
for (const f of d.files)
  if (f.status !== "new" || !/^(# Generated|<!-- Generated|\{"_llmctl")/.test(f.content)) throw new Error(f.path);
if (!d.files.some((f) => f.path === "k8s/engine-scaledobject.yaml")) throw new Error("no ScaledObject");
' "$work/out" && ok || fail "dry-run JSON shape"

# 2. Write, then re-run: every file unchanged, no temporary files left behind.
expect_rc 0 "write" -- "$LLMCTL" deploy "$spec" --out bundle "${eval_flags[@]}"
count=$(find bundle -type f | wc -l)
((count >= 20)) && ok || fail "expected >= 20 files, found $count"
[[ -z "$(find bundle -name '*.llmctl-tmp*')" ]] && ok || fail "temporary files left"
expect_rc 0 "re-run" -- "$LLMCTL" deploy "$spec" --out bundle --format json "${eval_flags[@]}"
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const changed = d.files.filter((f) => f.status !== "unchanged").map((f) => f.path);
if (changed.length) throw new Error(changed.join(", "));
' "$work/out" && ok || fail "re-run changed files"
expect_rc 0 "check clean" -- "$LLMCTL" deploy "$spec" --out bundle --check "${eval_flags[@]}"

# 3. A hand edit is kept: exit 2 naming the file, nothing else written; --check reports drift.
sed -i 's/periodSeconds: 30/periodSeconds: 31/' bundle/k8s/engine-deployment.yaml
before=$(sha256sum bundle/k8s/engine-deployment.yaml)
expect_rc 2 "edited file" -- "$LLMCTL" deploy "$spec" --out bundle --name renamed "${eval_flags[@]}"
grep -q "bundle/k8s/engine-deployment.yaml" "$work/err" && grep -q "edited" "$work/err" && ok ||
  fail "edited-file message: $(cat "$work/err")"
[[ "$(sha256sum bundle/k8s/engine-deployment.yaml)" == "$before" ]] && ok || fail "edited file was overwritten"
! grep -q "renamed" bundle/k8s/engine-service.yaml && ok || fail "other files were written despite the refusal"
expect_rc 1 "check drift" -- "$LLMCTL" deploy "$spec" --out bundle --check "${eval_flags[@]}"
expect_rc 0 "force" -- "$LLMCTL" deploy "$spec" --out bundle --force "${eval_flags[@]}"
grep -q "periodSeconds: 30" bundle/k8s/engine-deployment.yaml && ok || fail "--force did not restore the file"
# A file llmctl did not write is kept too.
echo "kind: ConfigMap" >bundle/k8s/namespace.yaml
expect_rc 2 "foreign file" -- "$LLMCTL" deploy "$spec" --out bundle "${eval_flags[@]}"
grep -q "not written by llmctl deploy" "$work/err" && ok || fail "foreign-file message: $(cat "$work/err")"
expect_rc 0 "force foreign" -- "$LLMCTL" deploy "$spec" --out bundle --force "${eval_flags[@]}"

# 4. Real validators.
if command -v promtool >/dev/null; then
  expect_rc 0 "promtool" -- promtool check rules bundle/monitoring/rules.yaml
  grep -q "SUCCESS" "$work/out" && ok || fail "promtool: $(cat "$work/out")"
else
  echo "SKIP: promtool not installed (Debian package prometheus): rule files not checked" >&2
fi
if "$LLMCTL" gateway --help >/dev/null 2>&1; then
  expect_rc 0 "gateway --check" -- env LLMCTL_REDIS_URL=redis://127.0.0.1:6379 TOGETHER_API_KEY=test-key OPENAI_API_KEY=test-key DEEPINFRA_API_KEY=test-key \
    FIREWORKS_API_KEY=test-key GROQ_API_KEY=test-key "$LLMCTL" gateway --config bundle/gateway/gateway.yaml --check
fi
if "$LLMCTL" audit --help >/dev/null 2>&1; then
  # Zero findings of any severity (every example and target: deploy_bundles.sh).
  expect_rc 0 "audit" -- "$LLMCTL" audit bundle --fail-on note --format json
  node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (d.findings.length) throw new Error(JSON.stringify(d.findings));
' "$work/out" && ok || fail "audit findings: $(head -c 1500 "$work/out")"
fi

# 5. The 8B example: fixed fleet (no autoscaling in the spec), then every other target.
expect_rc 0 "chat example" -- "$LLMCTL" deploy examples/chat-8b-l4-l40s.yaml --out chat
[[ ! -e chat/k8s/engine-scaledobject.yaml ]] && ok || fail "chat: ScaledObject without traffic.autoscaling"
grep -q "no evaluation command" "$work/out" && ok || fail "chat: no note about the missing eval command"
for target in kserve helm-production-stack skypilot compose; do
  expect_rc 0 "target $target" -- "$LLMCTL" deploy "$spec" --out "t-$target" --target "$target"
  [[ -f "t-$target/README.md" ]] && ok || fail "$target: no README"
  # SkyServe's own load balancer is the endpoint there; the others get a gateway config.
  [[ $target == skypilot || -f "t-$target/gateway/gateway.yaml" ]] && ok || fail "$target: no gateway config"
done

# 6. Explicit choices instead of a spec.
expect_rc 0 "explicit" -- "$LLMCTL" deploy --model llama-3.1-8b --gpu l40s --replicas 2 --max-replicas 3 \
  --ttft-slo-ms 1000 --fallback openai/gpt-4o-mini --out explicit
grep -q "tensor-parallel-size" explicit/k8s/engine-deployment.yaml && ok || fail "explicit: no engine flags"
[[ -f explicit/k8s/engine-scaledobject.yaml ]] && ok || fail "explicit: no ScaledObject for 2-3 replicas"

# 7. Input errors: exit 2 with the reason.
expect_rc 2 "scale to zero without budget" -- "$LLMCTL" deploy "$spec" --out z --scale-to-zero
grep -q "cold-start budget" "$work/err" && ok || fail "scale-to-zero message: $(cat "$work/err")"
expect_rc 0 "scale to zero with budget" -- "$LLMCTL" deploy "$spec" --out z --scale-to-zero --cold-start-budget 1800
grep -q 'llmctl.io/cold-start-budget: "1800"' z/k8s/engine-scaledobject.yaml && ok || fail "no cold-start annotation"
expect_rc 2 "no spec nor model" -- "$LLMCTL" deploy --out x
expect_rc 2 "bad option" -- "$LLMCTL" deploy "$spec" --out x --option 999
grep -q "self-hosted options" "$work/err" && ok || fail "bad-option message: $(cat "$work/err")"
printf 'name: bad\nmodel: llama-3.1-8b\ndeploy:\n  gatway: {replicas: 2}\ntraffic: {peak_qps: 1, average_qps: 1, input_tokens: {mean: 10}, output_tokens: {mean: 10}}\n' >bad.yaml
expect_rc 2 "bad deploy section" -- "$LLMCTL" deploy bad.yaml --out x
grep -q "bad.yaml:4:3" "$work/err" && ok || fail "deploy-section error position: $(cat "$work/err")"

# 8. Managed platforms: a per-token API or provisioned throughput deploys as the gateway config
# (the platform's provider, credentials named by environment variable), which the gateway loads.
cp "$LLMCTL_SOURCE_DIR/examples/managed-four-kinds.yaml" examples/
ptu="provisioned:azure-openai/global-ptu/gpt-4.1-mini"
expect_rc 0 "deploy provisioned" -- "$LLMCTL" deploy examples/managed-four-kinds.yaml --out ptu --option "$ptu"
[[ ! -d ptu/k8s ]] && ok || fail "provisioned: GPU manifests written"
grep -q "provider: azure-openai" ptu/gateway/gateway.yaml && ok || fail "provisioned: not azure-openai"
grep -q "api_key_env: AZURE_OPENAI_API_KEY" ptu/gateway/gateway.yaml && ok || fail "provisioned: no key variable"
grep -q "price: none" ptu/gateway/gateway.yaml && ok || fail "provisioned: priced per token"
grep -q "PTU of .azure-openai/global-ptu." ptu/README.md && ok || fail "provisioned: README without the units"
expect_rc 0 "provisioned gateway --check" -- env AZURE_OPENAI_API_KEY=sk-managed-secret \
  "$LLMCTL" gateway --config ptu/gateway/gateway.yaml --check
grep -rq "sk-managed-secret" ptu && fail "provisioned: the key was written" || ok
printf 'name: gpt41\nmodel: gpt-4.1\ntraffic: {peak_qps: 2, average_qps: 1, input_tokens: {mean: 800}, output_tokens: {mean: 200}}\n' >gpt41.yaml
expect_rc 0 "deploy azure per-token" -- "$LLMCTL" deploy gpt41.yaml --out aoai --option api:azure-openai/gpt-4.1
grep -q "price: azure-openai/gpt-4.1" aoai/gateway/gateway.yaml && ok || fail "azure: no catalog price"
printf 'name: claude\nmodel: claude-haiku-4-5\ntraffic: {peak_qps: 2, average_qps: 1, input_tokens: {mean: 800}, output_tokens: {mean: 200}}\ndeploy:\n  platform: {region: eu-west-1}\n' >claude.yaml
expect_rc 0 "deploy bedrock" -- "$LLMCTL" deploy claude.yaml --out br \
  --option "api:bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0"
grep -q "provider: bedrock" br/gateway/gateway.yaml && ok || fail "bedrock: wrong provider"
grep -q "region: eu-west-1" br/gateway/gateway.yaml && ok || fail "bedrock: region not from deploy.platform"
grep -q "api_key" br/gateway/gateway.yaml && fail "bedrock: an API key field" || ok
expect_rc 0 "bedrock gateway --check" -- env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=managed-secret \
  "$LLMCTL" gateway --config br/gateway/gateway.yaml --check
grep -rq "managed-secret" br && fail "bedrock: the secret was written" || ok
# Vertex AI: the global endpoint unless deploy.platform.region names a location; the key file
# and the project come from the environment. --check signs a JWT with the key at load, so the
# test makes a throwaway service-account key.
printf 'name: claude\nmodel: claude-haiku-4-5\ntraffic: {peak_qps: 2, average_qps: 1, input_tokens: {mean: 800}, output_tokens: {mean: 200}}\n' >claude-vx.yaml
expect_rc 0 "deploy vertex" -- "$LLMCTL" deploy claude-vx.yaml --out vx --option "api:vertex/claude-haiku-4-5@20251001"
grep -q "provider: vertex" vx/gateway/gateway.yaml && ok || fail "vertex: wrong provider"
grep -q "location: global" vx/gateway/gateway.yaml && ok || fail "vertex: not the global endpoint"
grep -q "price: vertex/" vx/gateway/gateway.yaml && ok || fail "vertex: no catalog price"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.pem 2>/dev/null
python3 - <<'PY'
import json
key = open("sa.pem").read()
json.dump({"type": "service_account", "project_id": "llmctl-test", "private_key_id": "k1",
           "private_key": key, "client_email": "gw@llmctl-test.iam.gserviceaccount.com",
           "token_uri": "https://oauth2.googleapis.com/token"}, open("sa.json", "w"))
PY
expect_rc 0 "vertex gateway --check" -- env GOOGLE_APPLICATION_CREDENTIALS="$PWD/sa.json" \
  "$LLMCTL" gateway --config vx/gateway/gateway.yaml --check
grep -rq "PRIVATE KEY" vx && fail "vertex: key material was written" || ok
printf 'name: flash\nmodel: gemini-2.5-flash\ntraffic: {peak_qps: 2, average_qps: 1, input_tokens: {mean: 800}, output_tokens: {mean: 200}}\n' >flash.yaml
expect_rc 0 "deploy gemini" -- "$LLMCTL" deploy flash.yaml --out gm --option api:google/gemini-2.5-flash
grep -q "provider: gemini" gm/gateway/gateway.yaml && ok || fail "gemini: wrong provider"
expect_rc 0 "gemini gateway --check" -- env GEMINI_API_KEY=managed-secret \
  "$LLMCTL" gateway --config gm/gateway/gateway.yaml --check
expect_rc 2 "deploy serverless" -- "$LLMCTL" deploy examples/managed-four-kinds.yaml --out sv \
  --option "$("$LLMCTL" plan examples/managed-four-kinds.yaml --format json | grep -o '"serverless:[^"]*"' | head -1 | tr -d '"')"
grep -q "does not write for" "$work/err" && ok || fail "serverless message: $(cat "$work/err")"

echo "deploy_cli: $passed passed, $failures failed"
((failures == 0))
