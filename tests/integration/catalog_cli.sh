#!/usr/bin/env bash
# The catalog CLI end to end: listing, show by alias, validation errors with file:line and field
# (exit 2), overlays, LiteLLM price import, and the cost command.
set -euo pipefail
: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"  # no user overlays leak in
unset LLMCTL_CATALOG_PATH
fail() { echo "FAIL: $*" >&2; exit 1; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# --help lists only working subcommands; --version works.
help=$("$LLMCTL" --help)
for cmd in catalog; do grep -q "^  $cmd " <<<"$help" || fail "--help lacks $cmd"; done
"$LLMCTL" --version | grep -Eq '^llmctl [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
set +e; "$LLMCTL" no-such-command >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "unknown subcommand exit $rc, want 2"

# Every model the issue names is listed, with numbers and a source.
"$LLMCTL" catalog list models --format json > "$tmp/models.json"
jq_py '
want = "llama-3.1-8b llama-3.1-70b llama-3.1-405b llama-2-70b mistral-7b mixtral-8x7b qwen2.5-7b qwen2.5-72b qwen3-32b deepseek-v3 gpt-oss-20b gpt-oss-120b".split()
got = {m["id"]: m for m in d["models"]}
missing = [w for w in want if w not in got]
assert not missing, missing
for m in got.values():
    assert m["source"] and m["as_of"], m["id"]
    assert m["layers"] > 0 and m["hidden_size"] > 0 and m["params_total_b"] > 0, m["id"]
' < "$tmp/models.json" || fail "models list"

"$LLMCTL" catalog list gpus --format json | jq_py '
want = "a10g l4 l40s a100-40gb a100-80gb h100-sxm h100-pcie h200 b200 mi300x".split()
got = {g["id"]: g for g in d["gpus"]}
assert all(w in got for w in want), [w for w in want if w not in got]
assert all(g["prices"] for g in got.values()), "every GPU has a price"
' || fail "gpus list"
for kind in engines prices efficiency; do "$LLMCTL" catalog list $kind >/dev/null || fail "list $kind"; done

# show accepts Hugging Face ids, case-insensitively.
"$LLMCTL" catalog show meta-llama/llama-3.1-70b-instruct --format json | jq_py '
assert d["id"] == "llama-3.1-70b" and d["kind"] == "model", d["id"]' || fail "show by HF alias"
set +e; "$LLMCTL" catalog show no-such-thing >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "show unknown exit $rc"

# A malformed file: one clear error with file:line and field, exit 2.
mkdir -p "$tmp/bad"
cp "$LLMCTL_SOURCE_DIR"/data/*.yaml "$tmp/bad/"
python3 - "$tmp/bad/gpus.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"memory_gib: [0-9.]+", "memory_gib: lots", s, count=1)
open(p, "w").write(s)
PY
line=$(grep -n "memory_gib: lots" "$tmp/bad/gpus.yaml" | cut -d: -f1)
set +e; "$LLMCTL" --catalog "$tmp/bad" catalog validate 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "malformed catalog exit $rc, want 2"
grep -q "gpus.yaml:$line:" "$tmp/err" || fail "error lacks file:line ($line): $(cat "$tmp/err")"
grep -qE "gpus\.yaml:$line:[0-9]+: gpus\[[a-z0-9.-]+\]\.memory_gib: expected a number, found \"lots\"" \
  "$tmp/err" || fail "error lacks field path or expectation: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" = 1 ] || fail "want one error line, got: $(cat "$tmp/err")"

# Overlays replace entries by id.
cat > "$tmp/overlay.yaml" <<'YAML'
prices:
  - id: acme/tiny-model
    provider: acme
    model: tiny-model
    input_usd_per_mtok: 1
    output_usd_per_mtok: 2
    context_window: 8192
    usage_semantics: input_includes_cached
    source: "test overlay"
    as_of: 2026-11-01
YAML
LLMCTL_CATALOG_PATH="$tmp/overlay.yaml" "$LLMCTL" catalog cost --model tiny-model --provider acme \
  --input-tokens 1000000 --output-tokens 500000 --format json | jq_py '
assert abs(d["total_usd"] - 2.0) < 1e-9, d' || fail "overlay price"
mkdir -p "$HOME/.config/llmctl/catalog" && cp "$tmp/overlay.yaml" "$HOME/.config/llmctl/catalog/"
"$LLMCTL" catalog show acme/tiny-model >/dev/null || fail "~/.config overlay not read"
rm -rf "$HOME/.config/llmctl"
"$LLMCTL" catalog validate "$tmp/overlay.yaml" >/dev/null || fail "validate overlay"

# LiteLLM import: writes a loadable overlay, counts what it skipped.
"$LLMCTL" catalog import-prices "$LLMCTL_SOURCE_DIR/tests/data/catalog/litellm_sample.json" \
  --out "$tmp/litellm.yaml" --format json > "$tmp/import.json"
jq_py 'assert d["imported"] == 3 and d["skipped"] == 2, d' < "$tmp/import.json" || fail "import counts"
LLMCTL_CATALOG_PATH="$tmp/litellm.yaml" "$LLMCTL" catalog cost --model together/meta-llama/meta-llama-3.1-70b-instruct-turbo \
  --input-tokens 1000000 --output-tokens 1000000 --format json | jq_py '
assert abs(d["total_usd"] - 1.76) < 1e-9, d' || fail "imported price"
LLMCTL_CATALOG_PATH="$tmp/litellm.yaml" "$LLMCTL" catalog cost --model claude-3-5-haiku-20241022 --provider anthropic \
  --provider-usage --input-tokens 1000 --cache-read-tokens 10000 --cache-write-tokens 2000 --output-tokens 500 --format json | jq_py '
want = (1000*0.8 + 10000*0.08 + 2000*1.0 + 500*4.0) / 1e6
assert abs(d["total_usd"] - want) < 1e-12, (d, want)' || fail "anthropic provider usage"
printf 'not json' > "$tmp/broken.json"
set +e; "$LLMCTL" catalog import-prices "$tmp/broken.json" --out "$tmp/x.yaml" 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 2 ] && grep -q "broken.json: invalid JSON" "$tmp/err" || fail "broken import: $rc $(cat "$tmp/err")"
[ ! -e "$tmp/x.yaml" ] || fail "a failed import left a file"

# Cost: inconsistent usage is an input error.
set +e; "$LLMCTL" catalog cost --model gpt-4o-mini --provider openai --input-tokens 10 --cache-read-tokens 20 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "inconsistent usage exit $rc"
grep -q "exceed the input tokens" "$tmp/err" || fail "usage error text: $(cat "$tmp/err")"
echo "catalog_cli: all checks passed"
