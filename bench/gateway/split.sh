#!/usr/bin/env bash
# Where a request's CPU goes, llmctl against nginx: user space or the kernel, microseconds per
# request at saturation. Both proxies (llmctl gateway with its SQLite request log, workers 1;
# nginx, one worker, the bench's config) run on CPU 0 at nice -10 in front of one `llmctl mock`
# on CPU 1; gateway_load (CPU 1) drives each in turn with closed-loop JSON (or SSE with --sse)
# for 6 s, and `perf record` samples the proxy for 3 s of it (cpu-clock, every thread). Prints,
# per proxy, requests/s, cores used, and us per request in user space and in the kernel.
#
# The kernel's share (loopback TCP, epoll) is the same for both; what differs is user space, so
# this says how far user-space work must fall for a per-core goal (README.md, round 7).
#
# Usage: bench/gateway/split.sh [--build-dir DIR] [--sse] [OUTDIR]   (needs perf, taskset, nginx)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/gateway/common.sh"
build="$root/build/release"
stream=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --sse) stream=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
for tool in perf taskset nginx; do
  command -v $tool >/dev/null || { echo "split.sh: needs $tool" >&2; exit 2; }
done
OUT=${1:-$(mktemp -d)}; mkdir -p "$OUT"
LLMCTL=$build/src/cli/llmctl; LOAD=$build/bench/gateway/gateway_load
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

taskset -c 1 "$LLMCTL" mock --port 0 --workers 1 --ttft-ms 0 --tpot-ms 0.05 --output-tokens 16 \
  > "$TMP/mock.out" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$TMP/mock.out" && break; sleep 0.1; done
MPORT=$(grep listening "$TMP/mock.out" | head -1 | grep -o '[0-9]*$')

GPORT=$(free_port)
gateway_config "$TMP/gw.yaml" 127.0.0.1:$GPORT $MPORT $TMP/gw.db
taskset -c 0 nice -n -10 "$LLMCTL" gateway --config "$TMP/gw.yaml" > "$TMP/gw.out" 2>&1 &
GW=$!; PIDS+=($GW)

NPORT=$(free_port)
nginx_config "$TMP/nginx.conf" "$TMP/ng" $NPORT $MPORT
taskset -c 0 nice -n -10 nginx -c "$TMP/nginx.conf" -p "$TMP" > /dev/null 2>&1 &
NG=$!; PIDS+=($NG)
for _ in $(seq 100); do
  grep -q "listening on" "$TMP/gw.out" 2>/dev/null && [ -f "$TMP/ng/nginx.pid" ] && break
  sleep 0.1
done
sleep 0.5
NGW=$(pgrep -P "$(cat "$TMP/ng/nginx.pid")" | head -1)  # the worker process

BODY='{"model":"bench","messages":[{"role":"user","content":"Say something short."}]'
extra=()
if [[ $stream == 1 ]]; then
  BODY+=',"stream":true,"stream_options":{"include_usage":true}'
  extra=(--stream)
fi
BODY+='}'
echo "load average $(cut -d' ' -f1 /proc/loadavg); $( [[ $stream == 1 ]] && echo SSE || echo JSON ), closed loop, 64 connections"
for target in llmctl:$GPORT:$GW nginx:$NPORT:$NGW; do
  IFS=: read -r name port pid <<< "$target"
  taskset -c 1 "$LOAD" --url "http://127.0.0.1:$port/v1/chat/completions" --body "$BODY" \
    "${extra[@]}" --mode max --duration 6 --warmup 1 --connections 64 > "$OUT/$name.load.json" &
  L=$!
  sleep 2
  perf record -F 2999 -o "$OUT/$name.perf.data" -p "$pid" -- sleep 3 > /dev/null 2>&1
  wait $L
  perf report -i "$OUT/$name.perf.data" --no-children --sort dso --stdio -g none 2> /dev/null \
    > "$OUT/$name.dso.txt"
  python3 - "$OUT" "$name" <<'PY'
import json, re, sys
out, name = sys.argv[1], sys.argv[2]
load = json.load(open(f"{out}/{name}.load.json"))
text = open(f"{out}/{name}.dso.txt").read()
# cpu-clock's event count is nanoseconds of CPU, every thread together.
cpu_s = int(re.search(r"# Event count \(approx.\): (\d+)", text).group(1)) / 1e9
kernel = sum(float(p) for p, dso in re.findall(r"^\s+([\d.]+)%\s+(\S+)", text, re.M)
             if dso == "[kernel.kallsyms]") / 100
rps = load["achieved_rps"]
us = cpu_s / 3.0 / rps * 1e6
print(f"  {name:7} {rps:8.0f} req/s, {cpu_s / 3.0:.2f} core: {us:5.1f} us a request = "
      f"user {us * (1 - kernel):5.1f} + kernel {us * kernel:5.1f} ({kernel:.0%})")
PY
done
echo "profiles: $OUT (perf report -i FILE --sort dso,sym)"
