#!/usr/bin/env bash
# The gateway's command line end to end: `gateway --check` (exit 0; exit 2 with file:line and
# field), `mock` flag validation, and `up` with its built-in defaults (free port, ./llmctl.db in
# the working directory, the simulated model answering without any key, SIGTERM exit 0).
set -euo pipefail
: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?}"
data="$LLMCTL_SOURCE_DIR/tests/data/gateway"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset OPENAI_API_KEY ANTHROPIC_API_KEY
export HOME="$tmp/home"

help=$("$LLMCTL" --help)
for cmd in gateway up mock; do grep -q "^  $cmd " <<<"$help" || fail "--help lacks $cmd"; done

# --check: a valid config.
out=$("$LLMCTL" gateway --check --config "$data/valid.yaml") || fail "valid config rejected"
grep -q "ok: 2 model(s), 3 deployment(s)" <<<"$out" || fail "check output: $out"

# --check: each broken config fails with exit 2 and one line naming file:line:col and the field.
check_bad() {  # file, expected substring
  set +e
  "$LLMCTL" gateway --check --config "$data/$1" >/dev/null 2>"$tmp/err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$1: exit $rc, want 2"
  grep -qF -- "$2" "$tmp/err" || fail "$1: error lacks '$2': $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" = 1 ] || fail "$1: want one error line, got: $(cat "$tmp/err")"
}
check_bad bad_weight.yaml "bad_weight.yaml:8:17: models[0].deployments[0].weight: must be at least 0, found -2"
check_bad bad_field.yaml "bad_field.yaml:7:9: models[0].deployments[0].max_concurency: unknown field"
check_bad bad_price.yaml "bad_price.yaml:8:16: models[0].deployments[0].price: no catalog price \"openai/gpt-0\""
check_bad bad_key.yaml "bad_key.yaml:7:22: models[0].deployments[0].api_key_env: environment variable LLMCTL_TEST_NO_SUCH_KEY is not set"

# mock: flags are validated (exit 2), the scenario file too.
set +e
"$LLMCTL" mock --fail-rate 2 >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "mock --fail-rate 2: exit $rc"
printf 'ttft_ms: 5\nfail_status: 200\n' > "$tmp/scenario.yaml"
set +e
"$LLMCTL" mock --scenario "$tmp/scenario.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "scenario.yaml:2:14: fail_status" "$tmp/err" || fail "bad scenario: $rc $(cat "$tmp/err")"

# up: built-in defaults on a free port; the simulated model needs no key.
mkdir -p "$tmp/run"
(cd "$tmp/run" && exec "$LLMCTL" up --port 0 >"$tmp/up.out" 2>"$tmp/up.err") &
up_pid=$!
pids+=("$up_pid")
for _ in $(seq 100); do grep -q "^listening on " "$tmp/up.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/up.out")
[ -n "$port" ] || fail "up printed no listening line: $(cat "$tmp/up.out" "$tmp/up.err")"
python3 - "$port" <<'PY' || fail "up did not answer"
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
models = json.load(urllib.request.urlopen(base + "/v1/models"))
assert [m["id"] for m in models["data"]] == ["llmctl-sim"], models
req = urllib.request.Request(base + "/v1/chat/completions", method="POST",
    data=json.dumps({"model": "llmctl-sim", "messages": [{"role": "user", "content": "hi"}]}).encode(),
    headers={"content-type": "application/json"})
r = json.load(urllib.request.urlopen(req))
assert r["choices"][0]["message"]["content"], r
assert r["usage"]["completion_tokens"] > 0, r
PY
kill -TERM "$up_pid"
set +e; wait "$up_pid"; rc=$?; set -e
[ "$rc" = 0 ] || fail "up exit $rc after SIGTERM: $(cat "$tmp/up.err")"
[ -f "$tmp/run/llmctl.db" ] || fail "up wrote no ./llmctl.db"
grep -q '"model":"llmctl-sim"' "$tmp/up.err" || fail "no JSON access-log line: $(cat "$tmp/up.err")"
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$tmp/run/llmctl.db" "SELECT COUNT(*) FROM requests WHERE model='llmctl-sim' AND status=200")
  [ "$n" = 1 ] || fail "request log rows: $n"
else
  echo "SKIP request-log row check: sqlite3 CLI not installed"
fi
# up with OPENAI_API_KEY set: OpenAI chat models and embedding models are listed beside the
# simulated one (nothing is called upstream: /v1/models answers from the config).
(cd "$tmp/run" && OPENAI_API_KEY=sk-test exec "$LLMCTL" up --port 0 --db '' >"$tmp/upk.out" 2>"$tmp/upk.err") &
upk_pid=$!
pids+=("$upk_pid")
for _ in $(seq 100); do grep -q "^listening on " "$tmp/upk.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/upk.out")
[ -n "$port" ] || fail "up with a key printed no listening line: $(cat "$tmp/upk.out" "$tmp/upk.err")"
python3 - "$port" <<'PY' || fail "up with a key lists the wrong models"
import json, sys, urllib.request
ids = [m["id"] for m in json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v1/models"))["data"]]
for want in ["llmctl-sim", "gpt-4o-mini", "text-embedding-3-small", "text-embedding-3-large"]:
    assert want in ids, (want, ids)
PY
kill -TERM "$upk_pid"
set +e; wait "$upk_pid"; set -e

echo "gateway_cli: all checks passed"
