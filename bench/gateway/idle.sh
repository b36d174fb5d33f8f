#!/usr/bin/env bash
# What an idle proxy costs: CPU microseconds and wake-ups a second of `llmctl gateway` (the
# bench's config: one worker, the SQLite request log) and of nginx (one worker, the bench's
# config), each in front of one `llmctl mock`, after 100 requests and a 2 s settle. A wake-up
# is a voluntary context switch (a thread that slept and ran again); CPU is each thread's
# scheduler run time (/proc/PID/task/TID/schedstat), so a thread that wakes without doing
# anything still counts what waking cost. nginx is the floor: it sleeps in epoll_wait until
# something happens.
#
# Why it matters beyond idle pods: at the bench's fixed 2,000 JSON requests/s a gateway uses
# ~64 ms of CPU a second, so a few ms of background wake-ups are several per cent of its
# per-core figure (README.md, round 8).
#
# Usage: bench/gateway/idle.sh [--build-dir DIR] [--compare LLMCTL_BINARY] [--seconds S]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/gateway/common.sh"
build="$root/build/release"
other=""
seconds=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --compare) other=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null || { echo "idle.sh: needs nginx (apt-get install nginx)" >&2; exit 2; }
LLMCTL=$build/src/cli/llmctl; LOAD=$build/bench/gateway/gateway_load
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$LLMCTL" mock --port 0 --workers 1 --ttft-ms 0 --tpot-ms 0.05 --output-tokens 16 \
  > "$TMP/mock.out" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$TMP/mock.out" && break; sleep 0.1; done
MPORT=$(grep listening "$TMP/mock.out" | head -1 | grep -o '[0-9]*$')

targets=()  # name:port:pid
start_gateway() {  # name binary
  local port; port=$(free_port)
  gateway_config "$TMP/$1.yaml" 127.0.0.1:$port $MPORT "$TMP/$1.db"
  "$2" gateway --config "$TMP/$1.yaml" > "$TMP/$1.out" 2>&1 &
  local pid=$!; PIDS+=($pid)
  for _ in $(seq 100); do grep -q "listening on" "$TMP/$1.out" && break; sleep 0.1; done
  targets+=("$1:$port:$pid")
}
start_gateway llmctl "$LLMCTL"
[ -n "$other" ] && start_gateway compared "$other"
NPORT=$(free_port)
nginx_config "$TMP/nginx.conf" "$TMP/ng" $NPORT $MPORT
nginx -c "$TMP/nginx.conf" -p "$TMP" > /dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -f "$TMP/ng/nginx.pid" ] && break; sleep 0.1; done
sleep 0.3
targets+=("nginx:$NPORT:$(pgrep -P "$(cat "$TMP/ng/nginx.pid")" | head -1)")

BODY='{"model":"bench","messages":[{"role":"user","content":"Say something short."}]}'
for t in "${targets[@]}"; do
  IFS=: read -r name port pid <<< "$t"
  "$LOAD" --url "http://127.0.0.1:$port/v1/chat/completions" --body "$BODY" --mode rate \
    --rate 100 --duration 1 --warmup 0 --connections 4 > /dev/null
done
sleep 2

# Every thread of each process: name, run time (ns), voluntary switches; twice, $seconds apart.
sample() {
  for t in "${targets[@]}"; do
    IFS=: read -r name port pid <<< "$t"
    for task in /proc/$pid/task/*; do
      echo "$name $(basename "$task") $(tr ' ' '_' < "$task/comm") $(cut -d' ' -f1 "$task/schedstat")" \
        "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")"
    done
  done
}
sample > "$TMP/a"
sleep "$seconds"
sample > "$TMP/b"
python3 - "$TMP/a" "$TMP/b" "$seconds" <<'PY'
import sys
def rows(path):
    return {(f[0], f[1]): (f[2], int(f[3]), int(f[4]))
            for f in (line.split() for line in open(path)) if len(f) == 5}
a, b, s = rows(sys.argv[1]), rows(sys.argv[2]), float(sys.argv[3])
procs = {}
for key, (comm, ns, vol) in b.items():
    if key not in a: continue
    cpu_us = (ns - a[key][1]) / 1e3 / s
    wakes = (vol - a[key][2]) / s
    procs.setdefault(key[0], []).append((comm, cpu_us, wakes))
print(f"idle for {s:.0f} s after 100 requests")
print(f"{'process / thread':<28} {'CPU us/s':>10} {'wake-ups/s':>11}")
for name, threads in procs.items():
    print(f"{name:<28} {sum(t[1] for t in threads):>10.1f} {sum(t[2] for t in threads):>11.1f}")
    if name == "nginx": continue
    for comm, cpu, wakes in sorted(threads, key=lambda t: -t[1]):
        if cpu > 0 or wakes > 0:
            print(f"  {comm:<26} {cpu:>10.1f} {wakes:>11.1f}")
PY
