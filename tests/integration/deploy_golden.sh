#!/usr/bin/env bash
# Golden bundles for two examples: an 8B chat app on L4/L40S and a 70B RAG app with tensor
# parallelism on H100/H200 and a hosted-API fallback. Each bundle is generated in a scratch folder
# (the spec copied to examples/, output in deploy/, as a repository would hold them) and compared
# file by file with tests/data/deploy/<example>/.
#
# UPDATE_GOLDEN=1 rewrites the goldens from the current binary instead of comparing:
#   UPDATE_GOLDEN=1 LLMCTL=build/src/cli/llmctl LLMCTL_SOURCE_DIR=$PWD bash tests/integration/deploy_golden.sh
# Goldens move when the catalog, the performance model or the planner change the numbers; review
# the diff (docs/DEPLOY.md says where each number comes from), then regenerate.
set -euo pipefail

: "${LLMCTL:?set LLMCTL to the llmctl binary}"
: "${LLMCTL_SOURCE_DIR:?set LLMCTL_SOURCE_DIR to the repository root}"
GOLDEN_DIR="$LLMCTL_SOURCE_DIR/tests/data/deploy"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home"
unset LLMCTL_CATALOG_PATH
export NO_COLOR=1

failures=0
passed=0
for example in chat-8b-l4-l40s rag-70b-h100-h200; do
  dir="$work/$example"
  mkdir -p "$dir/examples"
  cp "$LLMCTL_SOURCE_DIR/examples/$example.yaml" "$dir/examples/"
  (cd "$dir" && "$LLMCTL" deploy "examples/$example.yaml" --out deploy \
    --eval-command "python eval/run.py --suite regression" --eval-threshold 0.8 >/dev/null) || {
    echo "FAIL: $example: llmctl deploy exited $?" >&2
    failures=$((failures + 1))
    continue
  }
  if [[ "${UPDATE_GOLDEN:-}" == 1 ]]; then
    rm -rf "${GOLDEN_DIR:?}/$example"
    mkdir -p "$GOLDEN_DIR"
    cp -r "$dir/deploy" "$GOLDEN_DIR/$example"
    echo "updated $GOLDEN_DIR/$example ($(find "$GOLDEN_DIR/$example" -type f | wc -l) files)"
    continue
  fi
  if [[ ! -d "$GOLDEN_DIR/$example" ]]; then
    echo "FAIL: no golden $GOLDEN_DIR/$example (run with UPDATE_GOLDEN=1)" >&2
    failures=$((failures + 1))
    continue
  fi
  if diff -ru "$GOLDEN_DIR/$example" "$dir/deploy" >"$work/$example.diff"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $example differs from its golden (UPDATE_GOLDEN=1 to accept):" >&2
    head -80 "$work/$example.diff" >&2
    failures=$((failures + 1))
  fi
done
echo "deploy_golden: $passed passed, $failures failed"
((failures == 0))
