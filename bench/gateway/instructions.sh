#!/usr/bin/env bash
# Instructions per request of `llmctl gateway`, counted by valgrind's callgrind: unlike CPU time
# (profile.sh) the count does not move with the machine's load, so two builds can be compared
# on a busy machine. User space only: the kernel's share (loopback TCP, epoll; ~40% of the
# gateway's CPU in profile.sh) is not counted, nor are syscalls (profile.sh's strace -c does).
#
# `llmctl gateway` (workers 1, SQLite request log on, access log off, one openai-compatible
# deployment) in front of `llmctl mock`, JSON requests (or SSE streams with --sse) from
# gateway_load at a low fixed rate (valgrind runs the gateway ~50x slower); counters are zeroed
# after a warm-up and dumped after the measured requests. Prints instructions per request for
# the whole process, the worker thread and the request-log writer, and the top functions by
# inclusive count.
#
# Usage: bench/gateway/instructions.sh [--build-dir DIR] [--sse] [--requests N] [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/gateway/common.sh"
build="$root/build/release"
kind=json
n=1000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --sse) kind=sse; shift ;;
    --requests) n=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
OUT=${1:-$(mktemp -d)}; mkdir -p "$OUT"; rm -f "$OUT"/callgrind.out*
LLMCTL=$build/src/cli/llmctl; LOAD=$build/bench/gateway/gateway_load
TMP=$(mktemp -d)
GW=""; MOCK=""
cleanup() { [ -n "$GW" ] && kill $GW 2>/dev/null; [ -n "$MOCK" ] && kill $MOCK 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
$LLMCTL mock --port 0 --workers 1 --ttft-ms 0 --tpot-ms 0.05 --output-tokens 16 > $TMP/mock.out 2>/dev/null &
MOCK=$!
for _ in $(seq 100); do grep -q listening $TMP/mock.out && break; sleep 0.1; done
MPORT=$(grep listening $TMP/mock.out | head -1 | grep -o '[0-9]*$')
gateway_config $TMP/gw.yaml 127.0.0.1:0 $MPORT $TMP/gw.db
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=$OUT/callgrind.out \
  $LLMCTL gateway --config $TMP/gw.yaml > $TMP/gw.out 2> $TMP/gw.err &
GW=$!
for _ in $(seq 600); do grep -q 'listening on' $TMP/gw.out $TMP/gw.err 2>/dev/null && break; sleep 0.1; done
GPORT=$(grep -ho 'listening on [0-9.]*:[0-9]*' $TMP/gw.out $TMP/gw.err | head -1 | grep -o '[0-9]*$')
[ -n "$GPORT" ] || { echo "instructions.sh: the gateway did not start" >&2; cat $TMP/gw.err >&2; exit 1; }
BODY='{"model":"bench","messages":[{"role":"user","content":"Say something short."}]}'
extra=()
if [ $kind = sse ]; then
  BODY='{"model":"bench","messages":[{"role":"user","content":"Say something short."}],"stream":true,"stream_options":{"include_usage":true}}'
  extra=(--stream)
fi
load() { # rate duration
  $LOAD --url http://127.0.0.1:$GPORT/v1/chat/completions --body "$BODY" "${extra[@]}" \
    --mode rate --rate $1 --duration $2 --warmup 0 --drain 10 --connections 8 \
    --header "Authorization: Bearer sk-bench"
}
load 100 2 > $OUT/warmup.json
sleep 1
callgrind_control -z $GW > /dev/null
rate=200; [ $kind = sse ] && rate=50  # valgrind runs a stream's relay slowly
load $rate $(( n / rate )) > $OUT/load.json
sleep 1
callgrind_control -d $GW > /dev/null
sleep 1
ok=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ok'])" $OUT/load.json)
python3 - "$OUT" "$ok" "$kind" <<'PY'
import glob, re, sys
out, ok, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
total, per_thread = 0, []
for f in sorted(glob.glob(out + "/callgrind.out.1-*")):  # the dump after the measured load
    text = open(f, errors="replace").read()
    m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    if not m or int(m.group(1)) == 0: continue
    ir = int(m.group(1)); total += ir
    name = ("worker" if "net::Worker::start()::" in text else
            "request-log writer" if "RequestLogWriter::start()::" in text else "other")
    per_thread.append((name, ir, f))
print(f"{kind}: {ok} requests measured")
print(f"{'thread':<20} {'instructions/request':>22}")
for name, ir, _ in sorted(per_thread, key=lambda t: -t[1]):
    print(f"{name:<20} {ir / ok:>22,.0f}")
print(f"{'whole process':<20} {total / ok:>22,.0f}")
PY
echo "profiles: $OUT (callgrind_annotate --inclusive=yes FILE)"
