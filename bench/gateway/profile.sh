#!/usr/bin/env bash
# Per-request CPU and syscalls of `llmctl gateway` at a fixed rate — the numbers a busy machine
# inflates but does not reorder (run.sh's throughput needs a quiet one). `llmctl gateway`
# (workers 1, SQLite request log on, CPU 0) in front of `llmctl mock` (CPU 1), driven by
# gateway_load (CPU 1), open loop, 64 connections, JSON at 1,000/s and SSE at 400/s, 1 s
# warm-up + 3 s each: once under `perf stat -e task-clock`, once under `strace -c -f`, once
# under `perf record -F 1999` (flat profile). Prints CPU us and syscalls per request.
#
# Usage: bench/gateway/profile.sh [--build-dir DIR] OUTDIR   (needs perf, strace, taskset)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/gateway/common.sh"
build="$root/build/release"
if [[ "${1:-}" == "--build-dir" ]]; then build=$(cd "$2" && pwd); shift 2; fi
OUT=${1:?usage: profile.sh [--build-dir DIR] OUTDIR}; mkdir -p "$OUT"
LLMCTL=$build/src/cli/llmctl; LOAD=$build/bench/gateway/gateway_load
TMP=$(mktemp -d)
cleanup() { kill $GW $MOCK 2>/dev/null; wait $GW $MOCK 2>/dev/null; rm -rf $TMP; }
trap cleanup EXIT
taskset -c 1 $LLMCTL mock --port 0 --workers 1 --ttft-ms 0 --tpot-ms 0.05 --output-tokens 16 > $TMP/mock.out 2>/dev/null &
MOCK=$!
for i in $(seq 50); do grep -q listening $TMP/mock.out && break; sleep 0.1; done
MPORT=$(grep -o '[0-9]*$' <(grep listening $TMP/mock.out | head -1))
gateway_config $TMP/gw.yaml 127.0.0.1:0 $MPORT $TMP/gw.db
taskset -c 0 $LLMCTL gateway --config $TMP/gw.yaml > $TMP/gw.out 2> $TMP/gw.err &
GW=$!
for i in $(seq 50); do grep -q listening $TMP/gw.out $TMP/gw.err && break; sleep 0.1; done
GPORT=$(grep -ho 'listening on [0-9.]*:[0-9]*' $TMP/gw.out $TMP/gw.err | head -1 | grep -o '[0-9]*$')
echo "mock $MPORT gateway $GPORT pid $GW"
JSONB='{"model":"bench","messages":[{"role":"user","content":"Say something short."}]}'
SSEB='{"model":"bench","messages":[{"role":"user","content":"Say something short."}],"stream":true,"stream_options":{"include_usage":true}}'
load() { # kind mode rate duration
  local extra=""; local body=$JSONB
  [ $1 = sse ] && { extra="--stream"; body=$SSEB; }
  local r=""; [ $2 = rate ] && r="--rate $3"
  taskset -c 1 $LOAD --url http://127.0.0.1:$GPORT/v1/chat/completions --body "$body" $extra \
    --mode $2 $r --duration $4 --warmup 1 --connections 64 --header "Authorization: Bearer sk-bench" --cpu-pid $GW
}
uptime | tee $OUT/load.txt
for kind in json sse; do
  rate=1000; [ $kind = sse ] && rate=400
  # The whole load (1 s warm-up + 3 s, open loop: rate x 4 requests) under perf stat, then
  # strace -c, then perf record: CPU, syscalls and the flat profile per request.
  perf stat -e task-clock,context-switches -p $GW -o $OUT/$kind.perfstat &
  B=$!; sleep 0.3
  load $kind rate $rate 3 > $OUT/$kind.rate.json
  sleep 0.3; kill -INT $B; wait $B
  strace -c -f -p $GW -o $OUT/$kind.strace >/dev/null 2>&1 &
  B=$!; sleep 0.5
  load $kind rate $rate 3 > $OUT/$kind.strace.load.json
  sleep 0.3; kill -INT $B; wait $B
  perf record -F 1999 -o $OUT/$kind.perf.data -p $GW >/dev/null 2>&1 &
  B=$!; sleep 0.3
  load $kind rate $rate 3 > $OUT/$kind.rec.json
  sleep 0.3; kill -INT $B; wait $B
done
uptime | tee -a $OUT/load.txt
python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
for kind, rate in (("json", 1000), ("sse", 400)):
    reqs = rate * 4  # open loop: warm-up + window, every request sent
    tc = float(re.search(r"([\d.,]+) msec task-clock", open(f"{out}/{kind}.perfstat").read())
               .group(1).replace(",", ""))
    calls = {}
    for line in open(f"{out}/{kind}.strace"):
        p = line.split()
        if len(p) >= 5 and p[3].isdigit():
            calls[p[-1]] = int(p[3])
    total = calls.pop("total", 0)
    top = ", ".join(f"{k} {v / reqs:.2f}" for k, v in sorted(calls.items(), key=lambda x: -x[1])[:6])
    print(f"{kind}: {1000 * tc / reqs:.1f} us CPU/request, {total / reqs:.2f} syscalls/request ({top})")
PY
echo "flat profile: perf report -i $OUT/json.perf.data --no-children --sort dso,symbol"
