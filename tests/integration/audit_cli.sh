#!/usr/bin/env bash
# `llmctl audit` end to end: rule listing and --explain, exit codes and --fail-on, text/JSON
# output, --rule and --exclude filters, inline suppression, and baselines on a scratch repository.
set -euo pipefail
: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset LLMCTL_CATALOG_PATH
corpus="$LLMCTL_SOURCE_DIR/tests/data/audit"
fail() { echo "FAIL: $*" >&2; exit 1; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
rc_of() { set +e; "$@" >/dev/null 2>&1; local rc=$?; set -e; echo $rc; }
# JSON output of an audit that may have findings (exit 1 is not a failure here).
audit_json() { "$LLMCTL" audit "$@" --format json || [ $? = 1 ]; }

"$LLMCTL" --help | grep -q '^  audit ' || fail "--help lacks audit"

# Rules: 46 ids, each explained.
"$LLMCTL" audit --list-rules --format json | py '
ids = [r["id"] for r in d["rules"]]
assert len(ids) == 46 and len(set(ids)) == 46, ids
assert ids[0] == "LLM001" and "GW004" in ids' || fail "--list-rules"
"$LLMCTL" audit --explain k8s002 | grep -q '/dev/shm' || fail "--explain K8S002"
"$LLMCTL" audit --explain OBS001 --format json | py 'assert "loggers.py" in d["why"]' || fail "--explain json"
[ "$(rc_of "$LLMCTL" audit --explain NOPE001)" = 2 ] || fail "--explain unknown must exit 2"
[ "$(rc_of "$LLMCTL" audit "$tmp/does-not-exist")" = 2 ] || fail "missing path must exit 2"
[ "$(rc_of "$LLMCTL" audit --rule BOGUS001 "$corpus/public")" = 2 ] || fail "unknown --rule must exit 2"

# The public examples: warnings only, so exit 0 by default and 1 with --fail-on warning.
cd "$corpus"
[ "$(rc_of "$LLMCTL" audit public)" = 0 ] || fail "public: default --fail-on error"
[ "$(rc_of "$LLMCTL" audit public --fail-on warning)" = 1 ] || fail "public: --fail-on warning"
"$LLMCTL" audit public --format json | py '
f = d["findings"]
assert [x["rule"] for x in f] == ["K8S008", "K8S004", "LLM001", "LLM003", "LLM005", "LLM001", "LLM003",
                                  "K8S005", "CAP005", "OBS002"], [x["rule"] for x in f]
assert all(x["file"].startswith("public/") for x in f)
s = d["summary"]
assert s["files_scanned"] == 5 and s["by_severity"] == {"error": 0, "warning": 5, "note": 5}, s
assert s["files_skipped"] == 0 and s["skipped"] == [], s
assert s["files_by_kind"] == {"kubernetes": 2, "helm-values": 1, "skypilot": 1, "python": 1}, s' \
  || fail "public json"
"$LLMCTL" audit --rule K8S008 public --format json | py 'assert {x["rule"] for x in d["findings"]} == {"K8S008"} and len(d["findings"]) == 1' \
  || fail "--rule"
"$LLMCTL" audit public --exclude '*prometheusrule*' --exclude 'gie-*' --exclude '*.py' --format json | py '
assert {x["file"] for x in d["findings"]} == {"public/production-stack-values-02-basic-config.yaml", "public/skypilot-vllm-service.yaml"}' \
  || fail "--exclude"
text=$("$LLMCTL" audit public/vllm-prometheusrule.yaml)
grep -q '^public/vllm-prometheusrule.yaml:125:18: warning OBS002 rate(vllm:num_preemptions)' <<<"$text" || fail "text format: $text"
grep -q '^    fix: use rate(vllm:num_preemptions_total' <<<"$text" || fail "text fix line"
grep -q '^1 finding (0 error, 1 warning, 0 note) in 1 file scanned$' <<<"$text" || fail "text summary"

# Inline suppressions are counted, not reported.
"$LLMCTL" audit suppression --format json | py '
assert [x["rule"] for x in d["findings"]] == ["LLM005", "LLM001"], d["findings"]
assert d["summary"]["suppressed"] == 3, d["summary"]' || fail "suppression"

# Baselines on a scratch repository: adopt, then only new findings count.
repo="$tmp/repo"
mkdir -p "$repo/deploy"
cp "$corpus/k8s/02-tp4-noshm.yaml" "$repo/deploy/llama.yaml"
cd "$repo"
[ "$(rc_of "$LLMCTL" audit .)" = 1 ] || fail "K8S002 is an error: exit 1"
"$LLMCTL" audit . --write-baseline .llmctl-baseline.json 2>"$tmp/err"
grep -q 'wrote 1 finding' "$tmp/err" || fail "write-baseline message"
[ "$(rc_of "$LLMCTL" audit . --baseline .llmctl-baseline.json)" = 0 ] || fail "baselined: exit 0"
"$LLMCTL" audit . --baseline .llmctl-baseline.json --format json | py '
assert d["findings"] == [] and d["summary"]["baselined"] == 1' || fail "baselined json"
# Lines moving above the finding keep it baselined; a new problem is reported.
{ echo "# reviewed 2026-11"; echo; cat deploy/llama.yaml; } > deploy/tmp && mv deploy/tmp deploy/llama.yaml
sed -i 's|vllm/vllm-openai:v0.11.0|vllm/vllm-openai:latest|' deploy/llama.yaml
"$LLMCTL" audit . --baseline .llmctl-baseline.json --format json | py '
assert [x["rule"] for x in d["findings"]] == ["K8S005"], d["findings"]
assert d["summary"]["baselined"] == 1' || fail "baseline after edits"
echo "not json" > bad.json
[ "$(rc_of "$LLMCTL" audit . --baseline bad.json)" = 2 ] || fail "bad baseline must exit 2"

# Directories that are never audited: VCS metadata and vendored packages.
mkdir -p node_modules/x .git
cp "$corpus/k8s/02-tp4-noshm.yaml" node_modules/x/
cp "$corpus/k8s/02-tp4-noshm.yaml" .git/
audit_json . | py '
assert d["summary"]["files_by_kind"]["kubernetes"] == 1, d["summary"]
assert {x["file"] for x in d["findings"]} == {"deploy/llama.yaml"}, d["findings"]' || fail "skipped dirs"

# Files the audit cannot read are named with the reason, in every format, never as findings.
rm -rf node_modules .git
mkdir -p chart/templates
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n' > chart/templates/deploy.yaml
printf '{"panels": [' > broken.json
text=$("$LLMCTL" audit . || true)
grep -q '^skipped chart/templates/deploy.yaml: ' <<<"$text" || fail "text skipped line: $text"
grep -q '^skipped broken.json: ' <<<"$text" || fail "text skipped json: $text"
audit_json . | py '
s = d["summary"]
assert s["files_skipped"] == 2, s
assert sorted(x["file"] for x in s["skipped"]) == ["broken.json", "chart/templates/deploy.yaml"], s
assert all(x["reason"] for x in s["skipped"]), s
assert {x["file"] for x in d["findings"]} == {"deploy/llama.yaml"}, d["findings"]' || fail "json skipped"
{ "$LLMCTL" audit . --format sarif || true; } | py '
n = d["runs"][0]["invocations"][0]["toolExecutionNotifications"]
uris = sorted(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in n)
assert uris == ["broken.json", "chart/templates/deploy.yaml"], n
assert all(x["level"] == "warning" and x["message"]["text"] for x in n), n' || fail "sarif skipped"
echo "audit_cli: ok"
