#!/usr/bin/env python3
"""The gateway benchmark driver (bench/gateway/run.sh calls it; see README.md there).

Starts `llmctl mock` and, in the same run, measures with gateway_load: the mock directly,
`llmctl gateway`, nginx (plain reverse proxy with upstream keep-alive) and Portkey's gateway.
Latency at constant rates (open loop, coordinated-omission corrected), max throughput (closed
loop) with the proxy's CPU seconds, for whole JSON answers and SSE streams; then RSS with N
concurrent streams. Targets run interleaved (rate by rate), so a change in background load hits
them all alike. Prints the raw rows and one summary table with ratios to nginx.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------------------------------
# Processes: each child in its own session, so cleanup ends it and anything it forked.

class Procs:
    def __init__(self, nice=0):
        self.children = []
        self.nice = nice

    def start(self, argv, cpus=None, stdout=None, stderr=None, env=None, cwd=None):
        if cpus is not None:
            argv = ["taskset", "-c", cpus] + argv
        if self.nice:
            argv = ["nice", "-n", str(self.nice)] + argv
        p = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env, cwd=cwd,
                             start_new_session=True)
        self.children.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        if p in self.children:
            self.children.remove(p)

    def stop_all(self):
        for p in list(reversed(self.children)):
            self.stop(p, timeout=5)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gateway bench: {what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"gateway bench: {what} did not listen on {port} within {timeout} s")


def read_listening(proc, what, stderr_path=None, timeout=30):
    """Reads the 'listening on HOST:PORT' line of llmctl mock/gateway; returns the port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            detail = ""
            if stderr_path:
                with open(stderr_path, errors="replace") as f:
                    detail = ": " + f.read().strip()
            sys.exit(f"gateway bench: {what} exited ({proc.wait()}) before listening{detail}")
        line = line.decode().strip()
        if line.startswith("listening on "):
            return int(line.rsplit(":", 1)[1])
    sys.exit(f"gateway bench: {what} printed no listening line")


def children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        if ppid == pid:
            out.append(int(d))
    return out


def memory_kb(pids):
    """Sum over the processes of VmRSS, VmHWM (from status) and Pss (smaps_rollup), in kB."""
    rss = hwm = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return {"rss_kb": rss, "hwm_kb": hwm, "pss_kb": pss}


# ------------------------------------------------------------------------------------------
# Targets

class Target:
    def __init__(self, name, port, pids_fn, headers=(), model="bench", long_port=None,
                 long_model="bench-long", long_headers=None, api_key="sk-bench"):
        self.name = name
        self.api_key = api_key
        self.port = port
        self.pids_fn = pids_fn  # the proxy's processes (for CPU and RSS); [] for direct
        self.headers = list(headers)
        self.model = model
        self.long_port = long_port or port
        self.long_model = long_model
        self.long_headers = list(long_headers if long_headers is not None else headers)

    def pids(self):
        return self.pids_fn()


def log_dropped(port):
    """llmctl's llmctl_gateway_request_log_dropped_total, read from its /metrics; None when the
    target has no such counter or does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("llmctl_gateway_request_log_dropped_total "):
            return int(float(line.split()[1]))
    return None


def body(model, stream):
    b = {"model": model, "messages": [{"role": "user", "content": "Say something short."}]}
    if stream:
        b["stream"] = True
        b["stream_options"] = {"include_usage": True}
    return json.dumps(b, separators=(",", ":"))


def run_load(args, target, stream, mode, rate=0.0, duration=None, warmup=None, connections=None,
             port=None, model=None, headers=None, ready_file=None, drain=None):
    argv = [args.load, "--url", f"http://127.0.0.1:{port or target.port}/v1/chat/completions",
            "--body", body(model or target.model, stream), "--mode", mode,
            "--duration", str(duration if duration is not None else args.duration),
            "--warmup", str(warmup if warmup is not None else args.warmup),
            "--drain", str(drain if drain is not None else args.drain),
            "--connections", str(connections or args.connections),
            "--threads", str(args.load_threads),
            "--header", f"Authorization: Bearer {target.api_key}"]
    if stream:
        argv.append("--stream")
    if mode == "rate":
        argv += ["--rate", str(rate)]
    for h in (headers if headers is not None else target.headers):
        argv += ["--header", h]
    for pid in target.pids():
        argv += ["--cpu-pid", str(pid)]
    if ready_file:
        argv += ["--ready-file", ready_file]
    if args.rig_cpus:
        argv = ["taskset", "-c", args.rig_cpus] + argv
    if args.nice:
        argv = ["nice", "-n", str(args.nice)] + argv
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if out.returncode != 0:
        sys.exit(f"gateway bench: gateway_load failed for {target.name}: {out.stderr.decode()}")
    return json.loads(out.stdout)


# ------------------------------------------------------------------------------------------
# Formatting

def fmt_ms(x):
    if x is None:
        return "-"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def spread(values, fmt=fmt_ms):
    """median, with [min..max] when there are several runs."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1:
        return fmt(m)
    return f"{fmt(m)} [{fmt(min(values))}..{fmt(max(values))}]"


def ratio(a, b, floor=0.0):
    """a/b; none when b is not above `floor` (an added latency within noise has no ratio)."""
    if a is None or b is None or b <= floor:
        return None
    return a / b


# Added latencies below this are within the noise of a shared machine: no ratio is taken.
NOISE_FLOOR_MS = 0.05


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def healthy(r):
    """A run counts when nothing failed and the target kept up with the rate."""
    if r["errors"]["total"] > 0:
        return False
    if r["mode"] == "rate" and r["window_rps"] < 0.95 * r["target_rps"]:
        return False  # answers fell behind the rate: a queue was building up
    return True


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


# ------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llmctl", required=True)
    ap.add_argument("--load", required=True, help="the gateway_load binary")
    ap.add_argument("--compare", metavar="LLMCTL",
                    help="a second llmctl binary (another build, or a wrapper that sets its "
                         "environment), measured as 'llmctl-b' (access log off) in the same "
                         "repeats; the goals then also print it against llmctl and nginx, "
                         "paired within each repeat")
    ap.add_argument("--portkey", help="Portkey's build/start-server.js; leave out to skip")
    ap.add_argument("--nginx", help="the nginx binary; leave out to skip")
    ap.add_argument("--json-rates", default="200,1000,2000",
                    help="constant rates for whole JSON answers, requests/s (%(default)s)")
    ap.add_argument("--sse-rates", default="100,400,800",
                    help="constant rates for streams, requests/s (%(default)s)")
    ap.add_argument("--nice", type=int, default=0,
                    help="run the proxies, mock and load generator at this nice level (root "
                         "may give a negative one to stand out of other work on the machine)")
    ap.add_argument("--duration", type=float, default=3.0, help="measured seconds per step")
    ap.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per step")
    ap.add_argument("--drain", type=float, default=2.0,
                    help="seconds to wait for late answers after a step")
    ap.add_argument("--connections", type=int, default=64,
                    help="keep-alive connections of the load generator (rate and max)")
    ap.add_argument("--repeats", type=int, default=1, help="repeat the latency/throughput part")
    ap.add_argument("--streams", type=int, default=1000, help="concurrent streams for RSS")
    ap.add_argument("--stream-tokens", type=int, default=80, help="tokens of an RSS stream")
    ap.add_argument("--stream-tpot-ms", type=float, default=50.0)
    ap.add_argument("--tokens", type=int, default=16, help="output tokens of the fast mock")
    ap.add_argument("--ttft-ms", type=float, default=0.0, help="TTFT of the fast mock")
    ap.add_argument("--tpot-ms", type=float, default=0.05, help="TPOT of the fast mock")
    ap.add_argument("--access-log", choices=["off", "on", "both"], default="both",
                    help="llmctl's stderr access log (the SQLite request log is always on)")
    ap.add_argument("--proxy-cpus", default=None,
                    help="taskset CPU list for the proxy (default 0 when there are 2+ CPUs)")
    ap.add_argument("--rig-cpus", default=None,
                    help="taskset CPU list for the mock and load generator (default: the rest)")
    ap.add_argument("--load-threads", type=int, default=1)
    ap.add_argument("--mock-workers", type=int, default=1)
    ap.add_argument("--no-rss", action="store_true", help="skip the concurrent-stream RSS part")
    ap.add_argument("--json", help="also write every raw result to this file")
    ap.add_argument("--governance", action="store_true",
                    help="the governance overhead instead (see README.md, 'Governance "
                         "overhead'): llmctl without governance, with the embedded store and "
                         "with Redis, interleaved round by round")
    ap.add_argument("--otlp", action="store_true",
                    help="the tracing overhead instead (README.md, 'Tracing overhead'): llmctl "
                         "without telemetry and exporting every request's spans to a local OTLP "
                         "receiver, beside nginx and the mock, interleaved rounds")
    ap.add_argument("--redis", default="redis-server", help="redis-server (--governance)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="--governance, --otlp: interleaved rounds (off, embedded, redis, off, ...)")
    ap.add_argument("--rate", type=float, default=1000.0,
                    help="--governance, --otlp: constant JSON rate for the latency part, requests/s")
    args = ap.parse_args()
    rates = {"json": [float(r) for r in args.json_rates.split(",") if r],
             "sse": [float(r) for r in args.sse_rates.split(",") if r]}

    ncpu = os.cpu_count() or 1
    if args.proxy_cpus is None and ncpu >= 2:
        args.proxy_cpus = "0"
    if args.rig_cpus is None and ncpu >= 2:
        args.rig_cpus = f"1-{ncpu - 1}" if ncpu > 2 else "1"

    procs = Procs(args.nice)

    def on_signal(signum, _frame):
        procs.stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmp = tempfile.mkdtemp(prefix="llmctl-gwbench-")
    try:
        if args.governance:
            run_governance(args, procs, tmp)
        elif args.otlp:
            run_otlp(args, procs, tmp)
        else:
            run(args, rates, procs, tmp)
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def start_nginx(args, procs, tmp, mock_port, slow_port=None):
    """nginx, one worker process, a plain reverse proxy with upstream keep-alive to the mock
    (and to the slow mock when given): the peer every llmctl figure is compared with."""
    port = free_port()
    long_port = free_port() if slow_port else None
    slow = ""
    if slow_port:
        slow = (f"  upstream slow {{ server 127.0.0.1:{slow_port}; keepalive 64; "
                f"keepalive_requests 1000000; }}\n"
                f"  server {{ listen 127.0.0.1:{long_port}; location / {{ proxy_pass "
                f"http://slow; }} }}\n")
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
user root root;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  keepalive_requests 1000000;
  upstream mock {{ server 127.0.0.1:{mock_port}; keepalive 64; keepalive_requests 1000000; }}
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffering off;
  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://mock; }} }}
{slow}}}
""")
    p = procs.start([args.nginx, "-c", conf, "-p", tmp], cpus=args.proxy_cpus,
                    stdout=subprocess.DEVNULL,
                    stderr=open(os.path.join(tmp, "nginx.stderr"), "wb"))
    wait_port(port, p, "nginx")
    if long_port:
        wait_port(long_port, p, "nginx")
    return Target("nginx", port, lambda p=p: [p.pid] + children_of(p.pid), long_port=long_port)


def run(args, rates, procs, tmp):
    started = time.time()
    devnull = subprocess.DEVNULL

    # --- the upstreams: a fast mock for latency/throughput, a slow one for held streams
    def start_mock(extra, what):
        p = procs.start([args.llmctl, "mock", "--port", "0", "--workers",
                         str(args.mock_workers)] + extra,
                        cpus=args.rig_cpus, stdout=subprocess.PIPE, stderr=devnull)
        return p, read_listening(p, what)

    mock, mock_port = start_mock(["--ttft-ms", str(args.ttft_ms), "--tpot-ms", str(args.tpot_ms),
                                  "--output-tokens", str(args.tokens)], "llmctl mock")
    slow, slow_port = start_mock(["--ttft-ms", "0", "--tpot-ms", str(args.stream_tpot_ms),
                                  "--output-tokens", str(args.stream_tokens)], "llmctl mock (slow)")

    targets = [Target("direct", mock_port, lambda: [], long_port=slow_port)]

    # --- llmctl gateway, one worker; access log off and/or on
    def start_llmctl(name, access_log, binary=None):
        cfg = os.path.join(tmp, f"{name}.yaml")
        with open(cfg, "w") as f:
            f.write(f"""listen: 127.0.0.1:0
workers: 1
logging:
  access_log: {"true" if access_log else "false"}
  request_log:
    path: {tmp}/{name}.db
models:
  - name: bench
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:{mock_port}/v1
        model: bench
        price: none
  - name: bench-long
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:{slow_port}/v1
        model: bench-long
        price: none
""")
        err_path = os.path.join(tmp, f"{name}.stderr")
        p = procs.start([binary or args.llmctl, "gateway", "--config", cfg], cpus=args.proxy_cpus,
                        stdout=subprocess.PIPE, stderr=open(err_path, "wb"))
        port = read_listening(p, name, err_path)
        targets.append(Target(name, port, lambda p=p: [p.pid]))

    if args.access_log in ("off", "both"):
        start_llmctl("llmctl", False)
    if args.access_log in ("on", "both"):
        start_llmctl("llmctl+alog", True)
    if args.compare:
        start_llmctl("llmctl-b", False, args.compare)

    # --- nginx, one worker process, plain reverse proxy with upstream keep-alive
    if args.nginx:
        targets.append(start_nginx(args, procs, tmp, mock_port, slow_port))

    # --- Portkey's gateway (Node), headless, pointed at the mock as a custom OpenAI host
    if args.portkey:
        port = free_port()
        env = dict(os.environ, NODE_ENV="production")
        p = procs.start(["node", args.portkey, f"--port={port}", "--headless"],
                        cpus=args.proxy_cpus, stdout=open(os.path.join(tmp, "portkey.log"), "wb"),
                        stderr=subprocess.STDOUT, env=env, cwd=tmp)
        wait_port(port, p, "portkey")
        hdr = ["x-portkey-provider: openai"]
        targets.append(Target(
            "portkey", port, lambda p=p: [p.pid],
            headers=hdr + [f"x-portkey-custom-host: http://127.0.0.1:{mock_port}/v1"],
            long_headers=hdr + [f"x-portkey-custom-host: http://127.0.0.1:{slow_port}/v1"]))

    names = [t.name for t in targets]
    print(f"gateway bench: targets {', '.join(names)}; mock ttft {args.ttft_ms} ms, tpot "
          f"{args.tpot_ms} ms, {args.tokens} tokens; proxy on CPU {args.proxy_cpus}, mock and "
          f"load generator on CPU {args.rig_cpus}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)

    # Smoke: one request of each kind through every target must succeed.
    for t in targets:
        for stream in (False, True):
            r = run_load(args, t, stream, "rate", rate=20, duration=0.25, warmup=0,
                         connections=2)
            if r["errors"]["total"] or r["ok"] == 0:
                sys.exit(f"gateway bench: {t.name} failed the smoke check "
                         f"(stream={stream}): {json.dumps(r)}")

    results = {t.name: {"rss": None, "idle": memory_kb(t.pids()),
                        "json": {"rates": {}, "max": []}, "sse": {"rates": {}, "max": []}}
               for t in targets}

    # --- RSS with N concurrent streams (fresh processes, before the load phases)
    if not args.no_rss:
        for t in targets[1:]:
            ready = os.path.join(tmp, f"ready-{t.name}")
            # N streams due within half a second, each on its own connection.
            argv_rate = args.streams / 0.5
            import threading
            box = {}

            def go(t=t, ready=ready):
                box["r"] = run_load(args, t, True, "rate", rate=argv_rate, duration=0.5, warmup=0,
                                    connections=args.streams, port=t.long_port,
                                    model=t.long_model, headers=t.long_headers, ready_file=ready,
                                    drain=args.stream_tokens * args.stream_tpot_ms / 1000 + 30)
            th = threading.Thread(target=go)
            th.start()
            # RSS one second after every stream is open; also the largest RSS seen meanwhile
            # (a proxy too slow to have them all open at once still gets a number, marked).
            at_streams, seen_max, ready_at = None, None, None
            while th.is_alive():
                m = memory_kb(t.pids())
                if seen_max is None or m["rss_kb"] > seen_max["rss_kb"]:
                    seen_max = m
                if ready_at is None and os.path.exists(ready):
                    ready_at = time.time()
                if ready_at and at_streams is None and time.time() - ready_at >= 1.0:
                    at_streams = m
                time.sleep(0.1)
            th.join()
            r = box["r"]
            results[t.name]["rss"] = {"at_streams": at_streams, "max_seen": seen_max,
                                      "after": memory_kb(t.pids()), "load": r}
            after = results[t.name]["rss"]["after"]
            if at_streams:
                print(f"  rss {t.name:12} {args.streams} streams open: "
                      f"{at_streams['rss_kb'] / 1024:.1f} MB RSS (largest seen "
                      f"{seen_max['rss_kb'] / 1024:.1f}, HWM {after['hwm_kb'] / 1024:.1f}); ok "
                      f"{r['ok']}, errors {r['errors']['total']}", flush=True)
            else:
                print(f"  rss {t.name:12} never had {args.streams} streams open at once (at "
                      f"most {r['max_streaming']}); largest RSS seen "
                      f"{seen_max['rss_kb'] / 1024 if seen_max else 0:.1f} MB; ok {r['ok']}, "
                      f"errors {r['errors']['total']}", flush=True)

    # --- latency at constant rates, then max throughput; targets interleaved
    for rep in range(args.repeats):
        for kind in ("json", "sse"):
            stream = kind == "sse"
            for rate in rates[kind]:
                for t in targets:
                    r = run_load(args, t, stream, "rate", rate=rate)
                    results[t.name][kind]["rates"].setdefault(rate, []).append(r)
                    lat = r["first_ms"] if stream else r["total_ms"]
                    print(f"  {kind} {int(rate):>6}/s {t.name:12} ok {r['ok']:>6} err "
                          f"{r['errors']['total']:>4}  p50 {fmt_ms(lat and lat['p50']):>7} "
                          f"p99 {fmt_ms(lat and lat['p99']):>7} ms"
                          + (f"  (last byte p50 {fmt_ms(r['total_ms'] and r['total_ms']['p50'])}"
                             f" p99 {fmt_ms(r['total_ms'] and r['total_ms']['p99'])})"
                             if stream else ""), flush=True)
            for t in targets:
                r = run_load(args, t, stream, "max")
                if t.name.startswith("llmctl"):
                    # A saturated core must not cost request-log records (the writer shares it).
                    r["log_dropped"] = log_dropped(t.port)
                results[t.name][kind]["max"].append(r)
                cpu = sum(r["cpu_s"].values()) if r["cpu_s"] else None
                util = cpu / r["duration_s"] if cpu is not None else None
                print(f"  {kind} max      {t.name:12} {r['achieved_rps']:>8.0f} req/s, err "
                      f"{r['errors']['total']}"
                      + (f", proxy CPU {util:.2f} core -> {r['achieved_rps'] / util:.0f} "
                         f"req/s per core" if util else "")
                      + f", load generator CPU {r['self_cpu_s'] / r['duration_s']:.2f} core"
                      + (f", request log dropped {r['log_dropped']} so far"
                         if r.get("log_dropped") is not None else ""),
                      flush=True)
    for t in targets:
        results[t.name]["end"] = memory_kb(t.pids())

    summarize(args, rates, targets, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1, default=str)
    print(f"\ngateway bench: {time.time() - started:.0f} s; load average "
          f"{os.getloadavg()[0]:.1f} at the end")


# ------------------------------------------------------------------------------------------
# Governance overhead: the same load through three gateways that differ only in governance.

GOV_LIMITS = ("--rpm", "100000000", "--tpm", "100000000000", "--max-parallel", "100000",
              "--budget-usd", "1000000", "--budget-period", "total")


def interleaved_rounds(args, targets, width):
    """Each round runs the constant-rate JSON load, then the closed loop, on every target in
    turn, so a noisy minute hits all targets alike. Returns {name: {"rate": [...], "max": [...]}}."""
    res = {t.name: {"rate": [], "max": []} for t in targets}
    for rnd in range(args.rounds):
        for t in targets:
            r = run_load(args, t, False, "rate", rate=args.rate)
            res[t.name]["rate"].append(r)
            lat = r["total_ms"]
            print(f"  round {rnd + 1} {t.name:{width}} {args.rate:.0f}/s ok {r['ok']:>6} err "
                  f"{r['errors']['total']:>3} p50 {fmt_ms(lat and lat['p50']):>7} p99 "
                  f"{fmt_ms(lat and lat['p99']):>7} ms", flush=True)
        for t in targets:
            r = run_load(args, t, False, "max")
            res[t.name]["max"].append(r)
            print(f"  round {rnd + 1} {t.name:{width}} max  {r['achieved_rps']:>8.0f} req/s, err "
                  f"{r['errors']['total']}", flush=True)
    return res


class VersusOff:
    """Per-round figures of interleaved_rounds' results, and each target against the 'off'
    gateway of the same round. pid_of(name, which) names the process whose CPU counts (None
    when the target has none)."""

    def __init__(self, res, pid_of):
        self.res, self.pid_of = res, pid_of

    @staticmethod
    def lat(r, q):
        return r["total_ms"][q] if r["total_ms"] and healthy(r) else None

    @staticmethod
    def rps(r):
        return r["achieved_rps"] if healthy(r) else None

    def cpu_us(self, name, r, which="gateway"):
        pid = self.pid_of(name, which)
        if pid is None or not r["ok"]:
            return None
        v = r["cpu_s"].get(str(pid))
        return None if v is None else v / r["ok"] * 1e6

    def delta(self, name, q):
        return [None if self.lat(a, q) is None or self.lat(b, q) is None
                else self.lat(a, q) - self.lat(b, q)
                for a, b in zip(self.res[name]["rate"], self.res["off"]["rate"])]

    def rps_delta(self, name):
        return [None if self.rps(a) is None or not self.rps(b) else self.rps(a) / self.rps(b) - 1
                for a, b in zip(self.res[name]["max"], self.res["off"]["max"])]

    def cpu_delta(self, name):
        return [None if self.cpu_us(name, a) is None or self.cpu_us("off", b) is None
                else self.cpu_us(name, a) - self.cpu_us("off", b)
                for a, b in zip(self.res[name]["rate"], self.res["off"]["rate"])]

    def unhealthy(self, name):
        return sum(1 for r in self.res[name]["rate"] + self.res[name]["max"] if not healthy(r))


def run_governance(args, procs, tmp):
    """off / embedded / redis, interleaved round by round; see README.md."""
    started = time.time()
    load_start = os.getloadavg()[0]
    mock = procs.start([args.llmctl, "mock", "--port", "0", "--workers", str(args.mock_workers),
                        "--ttft-ms", str(args.ttft_ms), "--tpot-ms", str(args.tpot_ms),
                        "--output-tokens", str(args.tokens)],
                       cpus=args.rig_cpus, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    mock_port = read_listening(mock, "llmctl mock")

    redis_port = free_port()
    if not shutil.which(args.redis):
        sys.exit(f"gateway bench: {args.redis} not found (Debian: apt-get install -y "
                 f"redis-server), needed by --governance")
    redis = procs.start([args.redis, "--port", str(redis_port), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", tmp],
                        cpus=args.rig_cpus, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    wait_port(redis_port, redis, "redis-server")

    targets = [Target("direct", mock_port, lambda: [])]

    def start_gateway(name, governance, extra_pids=()):
        cfg = os.path.join(tmp, f"{name}.yaml")
        with open(cfg, "w") as f:
            f.write(f"""listen: 127.0.0.1:0
workers: 1
logging:
  access_log: false
  request_log:
    path: {tmp}/{name}.db
{governance}
models:
  - name: bench
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:{mock_port}/v1
        model: bench
        price: openai/gpt-4o-mini
""")
        key = "sk-bench"
        if governance:
            # A key with every limit and a budget, in a team with its own: two scopes counted
            # and checked per request, none ever refusing.
            out = subprocess.run([args.llmctl, "keys", "create", "--name", "bench", "--team",
                                  "bench", *GOV_LIMITS, "--config", cfg, "--format", "json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if out.returncode != 0:
                sys.exit(f"gateway bench: llmctl keys create ({name}): {out.stderr.decode()}")
            key = json.loads(out.stdout)["key"]
        err_path = os.path.join(tmp, f"{name}.stderr")
        p = procs.start([args.llmctl, "gateway", "--config", cfg], cpus=args.proxy_cpus,
                        stdout=subprocess.PIPE, stderr=open(err_path, "wb"))
        port = read_listening(p, name, err_path)
        targets.append(Target(name, port, lambda p=p: [p.pid, *extra_pids], api_key=key))
        return p

    team = "  teams: {bench: {rpm: 100000000, tpm: 100000000000, budget_usd: 1000000}}"
    gateways = {"off": start_gateway("off", ""),
                "embedded": start_gateway("embedded", f"governance:\n  store: sqlite\n{team}"),
                # redis-server's CPU is counted with this target (it works for no other).
                "redis": start_gateway("redis", f"governance:\n  store: redis\n  redis_url: "
                                                f"redis://127.0.0.1:{redis_port}/0\n{team}",
                                       extra_pids=(redis.pid,))}

    # Smoke: every target answers, and the governed ones really count (x-ratelimit headers).
    import urllib.request
    for t in targets:
        req = urllib.request.Request(f"http://127.0.0.1:{t.port}/v1/chat/completions",
                                     data=body(t.model, False).encode(), method="POST",
                                     headers={"content-type": "application/json",
                                              "authorization": f"Bearer {t.api_key}"})
        with urllib.request.urlopen(req, timeout=10) as res:
            limited = res.headers.get("x-ratelimit-limit-requests")
            if res.status != 200 or (t.name in ("embedded", "redis")) != bool(limited):
                sys.exit(f"gateway bench: {t.name} smoke check: status {res.status}, "
                         f"x-ratelimit-limit-requests {limited}")

    print(f"gateway bench (governance): targets {', '.join(t.name for t in targets)}; key and "
          f"team scopes with rpm, tpm, max_parallel (key) and a budget, none refusing; JSON at "
          f"{args.rate:.0f}/s then closed loop, {args.rounds} interleaved rounds; proxy on CPU "
          f"{args.proxy_cpus}, mock, redis-server and load generator on CPU {args.rig_cpus}; "
          f"{os.cpu_count()} CPUs, load average {load_start:.1f}", flush=True)

    res = interleaved_rounds(args, targets, 9)
    vs = VersusOff(res, lambda name, which: None if name not in gateways else
                   (gateways[name].pid if which == "gateway" else redis.pid))
    pct = lambda x: f"{x * 100:+.1f}%"  # noqa: E731
    count = lambda x: f"{x:.0f}"  # noqa: E731
    print(f"\nGovernance overhead. p50/p99: whole JSON answer at {args.rate:.0f}/s (open loop, "
          f"{args.connections} connections); +p50/+p99 vs off: minus the 'off' gateway's "
          f"percentile in the same round; max req/s: closed loop. Median of {args.rounds} "
          f"rounds [min..max].")
    header = ["target", "p50 ms", "p99 ms", "+p50 vs off", "+p99 vs off", "max req/s",
              "req/s vs off", "gateway CPU us/req", "+ vs off", "redis-server CPU us/req",
              "unhealthy runs"]
    rows = []
    for t in targets:
        n = t.name
        rows.append([n, spread([vs.lat(r, "p50") for r in res[n]["rate"]]),
                     spread([vs.lat(r, "p99") for r in res[n]["rate"]]),
                     "-" if n in ("off", "direct") else spread(vs.delta(n, "p50")),
                     "-" if n in ("off", "direct") else spread(vs.delta(n, "p99")),
                     spread([vs.rps(r) for r in res[n]["max"]], count),
                     "-" if n in ("off", "direct") else spread(vs.rps_delta(n), pct),
                     spread([vs.cpu_us(n, r) for r in res[n]["rate"]], count),
                     "-" if n in ("off", "direct") else spread(vs.cpu_delta(n), count),
                     spread([vs.cpu_us(n, r, "redis") for r in res[n]["rate"]], count)
                     if n == "redis" else "-",
                     str(vs.unhealthy(n))])
    print_table(header, rows)
    goals = {"embedded": 0.1, "redis": 0.3}
    print("\nGoals (+p50 vs off, median of rounds; the spread says how far noise moves it):")
    for n, goal in goals.items():
        d = [x for x in vs.delta(n, "p50") if x is not None]
        if not d:
            print(f"  {n}: no healthy rounds")
            continue
        m, lo, hi = statistics.median(d), min(d), max(d)
        if hi <= goal:
            verdict = "met in every round"
        elif m <= goal:
            verdict = "met at the median, not in every round (noise: see the spread)"
        else:
            verdict = "NOT met at the median"
        print(f"  {n:8} +p50 <= {goal} ms: {fmt_ms(m)} ms [{fmt_ms(lo)}..{fmt_ms(hi)}] -> "
              f"{verdict}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": res}, f, indent=1, default=str)
    print(f"\ngateway bench (governance): {time.time() - started:.0f} s; load average "
          f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 shared "
          f"cores: compare rounds, not runs)")


# Tracing overhead: the same load through a gateway without telemetry and one exporting every
# request's spans (sample_ratio 1) to a local OTLP/HTTP receiver, with nginx and the mock alone
# beside them, interleaved round by round.

def start_otlp_receiver():
    """A minimal OTLP/HTTP receiver (POST /v1/traces, JSON): counts the spans, answers {}."""
    import http.server
    import threading

    class Receiver(http.server.BaseHTTPRequestHandler):
        spans = 0
        requests = 0

        def do_POST(self):  # noqa: N802
            n = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(n))
            Receiver.requests += 1
            Receiver.spans += sum(len(ss["spans"]) for rs in body["resourceSpans"]
                                  for ss in rs["scopeSpans"])
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, Receiver


def run_otlp(args, procs, tmp):
    """off / otlp (and direct, nginx), interleaved round by round; see README.md."""
    started = time.time()
    load_start = os.getloadavg()[0]
    mock = procs.start([args.llmctl, "mock", "--port", "0", "--workers", str(args.mock_workers),
                        "--ttft-ms", str(args.ttft_ms), "--tpot-ms", str(args.tpot_ms),
                        "--output-tokens", str(args.tokens)],
                       cpus=args.rig_cpus, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    mock_port = read_listening(mock, "llmctl mock")
    receiver, counts = start_otlp_receiver()
    targets = [Target("direct", mock_port, lambda: [])]
    if args.nginx:
        targets.append(start_nginx(args, procs, tmp, mock_port))
    gateways = {}

    def start_gateway(name, telemetry):
        cfg = os.path.join(tmp, f"{name}.yaml")
        with open(cfg, "w") as f:
            f.write(f"""listen: 127.0.0.1:0
workers: 1
logging:
  access_log: false
  request_log:
    path: {tmp}/{name}.db
{telemetry}
models:
  - name: bench
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:{mock_port}/v1
        model: bench
        price: openai/gpt-4o-mini
""")
        err_path = os.path.join(tmp, f"{name}.stderr")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        p = procs.start([args.llmctl, "gateway", "--config", cfg], cpus=args.proxy_cpus,
                        stdout=subprocess.PIPE, stderr=open(err_path, "wb"), env=env)
        port = read_listening(p, name, err_path)
        targets.append(Target(name, port, lambda p=p: [p.pid]))
        gateways[name] = p

    start_gateway("off", "")
    start_gateway("otlp", f"telemetry:\n  otlp_endpoint: http://127.0.0.1:"
                          f"{receiver.server_address[1]}\n  sample_ratio: 1")
    print(f"gateway bench (otlp): targets {', '.join(t.name for t in targets)}; every request "
          f"traced (one server + one client span) and exported to a local OTLP receiver; JSON at "
          f"{args.rate:.0f}/s then closed loop, {args.rounds} interleaved rounds; proxy on CPU "
          f"{args.proxy_cpus}, mock, receiver and load generator on CPU {args.rig_cpus}; "
          f"{os.cpu_count()} CPUs, load average {load_start:.1f}", flush=True)

    res = interleaved_rounds(args, targets, 7)
    time.sleep(2.0)  # the last batch (delay 1 s)
    metrics = ""
    try:
        import urllib.request
        otlp_port = next(t.port for t in targets if t.name == "otlp")
        with urllib.request.urlopen(f"http://127.0.0.1:{otlp_port}/metrics", timeout=10) as m:
            metrics = m.read().decode()
    except Exception as e:  # noqa: BLE001
        metrics = f"(metrics unavailable: {e})"

    vs = VersusOff(res, lambda name, which: gateways[name].pid if name in gateways else None)

    count = lambda x: f"{x:.0f}"  # noqa: E731
    pct = lambda x: f"{x * 100:+.1f}%"  # noqa: E731
    print(f"\nTracing overhead. p50/p99: whole JSON answer at {args.rate:.0f}/s (open loop, "
          f"{args.connections} connections); +p50/+p99 vs off: minus the 'off' gateway's "
          f"percentile in the same round; max req/s: closed loop. Median of {args.rounds} "
          f"rounds [min..max].")
    header = ["target", "p50 ms", "p99 ms", "+p50 vs off", "+p99 vs off", "max req/s",
              "req/s vs off", "gateway CPU us/req", "+ vs off", "unhealthy runs"]
    rows = []
    for t in targets:
        n = t.name
        is_otlp = n == "otlp"
        rows.append([n, spread([vs.lat(r, "p50") for r in res[n]["rate"]]),
                     spread([vs.lat(r, "p99") for r in res[n]["rate"]]),
                     spread(vs.delta(n, "p50")) if is_otlp else "-",
                     spread(vs.delta(n, "p99")) if is_otlp else "-",
                     spread([vs.rps(r) for r in res[n]["max"]], count),
                     spread(vs.rps_delta(n), pct) if is_otlp else "-",
                     spread([vs.cpu_us(n, r) for r in res[n]["rate"]], count),
                     spread(vs.cpu_delta(n), count) if is_otlp else "-",
                     str(vs.unhealthy(n))])
    print_table(header, rows)
    served = sum(r["ok"] for r in res["otlp"]["rate"] + res["otlp"]["max"])
    dropped = [line for line in metrics.splitlines()
               if line.startswith("llmctl_otel_spans_dropped_total") or
               line.startswith("llmctl_otel_spans_exported_total")]
    print(f"\nReceiver: {counts.spans} spans in {counts.requests} export requests for {served} "
          f"measured requests through 'otlp' (plus warm-ups); the gateway says: "
          f"{'; '.join(dropped)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": res}, f, indent=1, default=str)
    print(f"\ngateway bench (otlp): {time.time() - started:.0f} s; load average "
          f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 shared "
          f"cores: compare rounds, not runs)")
    receiver.shutdown()


def summarize(args, rates, targets, results):
    """Raw rows per rate, then the one table with ratios to nginx, then the goals."""
    names = [t.name for t in targets]

    def lat_of(r, kind, q):
        lat = r["first_ms"] if kind == "sse" else r["total_ms"]
        return lat[q] if lat and healthy(r) else None

    def lat_last(r, q):
        return r["total_ms"][q] if r["total_ms"] and healthy(r) else None

    # Added latency per run: the proxied run minus the direct run of the same repeat.
    def added(name, kind, rate, q, last=False):
        runs = results[name][kind]["rates"].get(rate, [])
        base = results["direct"][kind]["rates"].get(rate, [])
        out = []
        for r, b in zip(runs, base):
            a = lat_last(r, q) if last else lat_of(r, kind, q)
            d = lat_last(b, q) if last else lat_of(b, kind, q)
            out.append(None if a is None or d is None else a - d)
        return out

    def status(name, kind, rate):
        runs = results[name][kind]["rates"].get(rate, [])
        bad = [r for r in runs if not healthy(r)]
        if not bad:
            return ""
        r = bad[0]
        if r["errors"]["total"]:
            return f" ERR{r['errors']['total']}"
        return f" behind: {r['window_rps']:.0f}/s"

    print("\nRaw: latency (ms) at constant rate, median of repeats [min..max]; "
          "JSON = whole answer, SSE = first event / last byte")
    header = ["kind", "rate/s", "target", "p50", "p99", "p99.9", "+p50", "+p99", "note"]
    rows = []
    for kind in ("json", "sse"):
        for rate in rates[kind]:
            for n in names:
                runs = results[n][kind]["rates"].get(rate, [])
                p50 = [lat_of(r, kind, "p50") for r in runs]
                p99 = [lat_of(r, kind, "p99") for r in runs]
                p999 = [lat_of(r, kind, "p999") for r in runs]
                if kind == "sse":
                    p50 = [f"{fmt_ms(a)}/{fmt_ms(lat_last(r, 'p50'))}"
                           for a, r in zip(p50, runs)]
                    p99 = [f"{fmt_ms(a)}/{fmt_ms(lat_last(r, 'p99'))}"
                           for a, r in zip(p99, runs)]
                    p50 = p50[len(p50) // 2] if p50 else "-"
                    p99 = p99[len(p99) // 2] if p99 else "-"
                else:
                    p50, p99 = spread(p50), spread(p99)
                rows.append([kind, int(rate), n, p50, p99, spread(p999),
                             "" if n == "direct" else spread(added(n, kind, rate, "p50")),
                             "" if n == "direct" else spread(added(n, kind, rate, "p99")),
                             status(n, kind, rate).strip()])
    print_table(header, rows)

    # The reference rate of a kind: the highest one at which nginx (or, without nginx, the
    # direct path) and the direct path were healthy in every repeat, so that "added" is not a
    # queueing artefact of the rig. A target that was not healthy there is shown at its own
    # highest healthy rate (marked).
    ref_name = "nginx" if "nginx" in names else "direct"

    def healthy_at(name, kind, rate):
        runs = results[name][kind]["rates"].get(rate, [])
        return bool(runs) and all(healthy(r) for r in runs)

    def ref_rate(kind):
        ok = [rate for rate in rates[kind]
              if healthy_at(ref_name, kind, rate) and healthy_at("direct", kind, rate)]
        return max(ok) if ok else None

    def rate_for(name, kind):
        ref = ref_rate(kind)
        if ref is None or healthy_at(name, kind, ref):
            return ref, False
        ok = [rate for rate in rates[kind] if rate < ref and healthy_at(name, kind, rate)
              and healthy_at("direct", kind, rate)]
        return (max(ok), True) if ok else (None, True)

    def med(xs):
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    def per_core(name, kind):
        out = []
        for r in results[name][kind]["max"]:
            cpu = sum(r["cpu_s"].values())
            out.append(r["achieved_rps"] / (cpu / r["duration_s"])
                       if cpu > 0 and healthy(r) else None)
        return out

    def max_rps(name, kind):
        return [r["achieved_rps"] if healthy(r) else None for r in results[name][kind]["max"]]

    def util(name, kind):
        return [sum(r["cpu_s"].values()) / r["duration_s"] for r in results[name][kind]["max"]]

    summary = {}
    for n in names:
        summary[n] = {}
        for kind in ("json", "sse"):
            rate, fallback = rate_for(n, kind)
            summary[n][kind] = {
                "rate": rate, "fallback": fallback,
                "added_p50": med(added(n, kind, rate, "p50")) if rate else None,
                "added_p99": med(added(n, kind, rate, "p99")) if rate else None,
                "added_p99_last": med(added(n, kind, rate, "p99", last=True)) if rate else None,
                "per_core": med(per_core(n, kind)), "max_rps": med(max_rps(n, kind))}
        rss = results[n]["rss"]
        summary[n]["rss_mb"] = None
        summary[n]["rss_note"] = ""
        if rss and rss["at_streams"]:
            summary[n]["rss_mb"] = rss["at_streams"]["rss_kb"] / 1024
        elif rss and rss["max_seen"]:  # never had them all open: the largest seen, marked
            summary[n]["rss_mb"] = rss["max_seen"]["rss_kb"] / 1024
            summary[n]["rss_note"] = f" (max {rss['load']['max_streaming']} open)"
    ng = summary.get("nginx")

    print()
    header = ["target", "kind", "at rate/s", "+p50 ms", "+p99 ms", "+p99 vs nginx",
              "+p99 last byte", "max req/s", "proxy CPU", "req/s per core", "vs nginx",
              f"RSS MB {args.streams} streams", "vs nginx", "idle MB"]
    rows = []
    count = lambda x: f"{x:.0f}"  # noqa: E731
    for n in names:
        for kind in ("json", "sse"):
            s = summary[n][kind]
            rate = s["rate"]
            row = [n if kind == "json" else "", kind.upper()]
            if n == "direct":
                row += [f"{int(rate)}" if rate else "-", "-", "-", "-", "-",
                        spread(max_rps(n, kind), count), "-", "-", "-"]
            else:
                ng_kind = ng[kind] if ng else None
                comparable = ng_kind is not None and ng_kind["rate"] == rate
                row += ["-" if rate is None else f"{int(rate)}{'*' if s['fallback'] else ''}",
                        spread(added(n, kind, rate, "p50")) if rate else "overload",
                        spread(added(n, kind, rate, "p99")) if rate else "overload",
                        fmt_ratio(ratio(s["added_p99"], ng_kind["added_p99"], NOISE_FLOOR_MS))
                        if comparable else "-",
                        spread(added(n, kind, rate, "p99", last=True))
                        if rate and kind == "sse" else "-",
                        spread(max_rps(n, kind), count),
                        spread(util(n, kind), lambda x: f"{x:.2f}"),
                        spread(per_core(n, kind), count),
                        fmt_ratio(ratio(s["per_core"], ng_kind and ng_kind["per_core"]))]
            if kind == "json":
                peak = summary[n]["rss_mb"]
                row += ["-" if peak is None else f"{peak:.1f}{summary[n]['rss_note']}",
                        "-" if n == "direct" else fmt_ratio(ratio(peak, ng and ng["rss_mb"])),
                        "-" if n == "direct" else f"{results[n]['idle']['rss_kb'] / 1024:.1f}"]
            else:
                row += ["", "", ""]
            rows.append(row)
    print(f"Summary. +p50/+p99: proxied minus direct percentile at the same rate in the same "
          f"repeat (JSON: whole answer; SSE: first event; '+p99 last byte': end of stream), at "
          f"the highest rate where nginx and direct kept up (* = this proxy's highest healthy "
          f"rate below it). max req/s: closed loop, {args.connections} connections; proxy CPU: "
          f"cores the proxy used meanwhile; req/s per core = max req/s / proxy CPU. RSS: VmRSS "
          f"(nginx: master + worker) with {args.streams} streams open. Median of "
          f"{args.repeats} repeat(s) [min..max].")
    print_table(header, rows)

    print("\nGoals (llmctl, access log off):")
    n = "llmctl" if "llmctl" in summary else next((x for x in names if x.startswith("llmctl")),
                                                  None)
    if n is None or "nginx" not in summary:
        print("  (needs llmctl and nginx in the run)")
        return
    s, ng = summary[n], summary["nginx"]
    for kind in ("json", "sse"):
        same_rate = s[kind]["rate"] == ng[kind]["rate"] and not s[kind]["fallback"]
        r = (ratio(s[kind]["added_p99"], ng[kind]["added_p99"], NOISE_FLOOR_MS) if same_rate
             else None)
        verdict = (f"no ratio (overload, or nginx's added p99 under the {NOISE_FLOOR_MS} ms "
                   f"noise floor)" if r is None else ("met" if r <= 1.25 else "NOT met"))
        rate = ng[kind]["rate"]
        print(f"  {kind.upper():4} added p99 <= 1.25x nginx's (at {int(rate) if rate else '-'}/s):"
              f" {fmt_ms(s[kind]['added_p99'])} vs {fmt_ms(ng[kind]['added_p99'])} ms = "
              f"{fmt_ratio(r)} -> {verdict}")
        r = ratio(s[kind]["per_core"], ng[kind]["per_core"])
        verdict = "-" if r is None else ("met" if r >= 1.0 else "NOT met")
        print(f"  {kind.upper():4} req/s per core >= nginx's: "
              f"{s[kind]['per_core'] or 0:.0f} vs {ng[kind]['per_core'] or 0:.0f} = "
              f"{fmt_ratio(r)} -> {verdict}")
    if args.repeats > 1:
        # The machine's speed drifts between repeats by more than the difference being judged
        # (nginx's own rate per core has moved 29k-38k between adjacent runs), and a drift
        # moves llmctl and nginx of the same repeat alike: a ratio taken within each repeat
        # cancels it, where the ratio of two medians does not.
        print(f"  Paired, llmctl / nginx within each repeat, median [min..max] of "
              f"{args.repeats}:")
        for kind in ("json", "sse"):
            pc = [ratio(a, b) for a, b in zip(per_core(n, kind), per_core("nginx", kind))]
            line = f"    {kind.upper():4} req/s per core {spread(pc, fmt_ratio)}"
            rate = ng[kind]["rate"]
            if rate and s[kind]["rate"] == rate and not s[kind]["fallback"]:
                p99 = [ratio(a, b, NOISE_FLOOR_MS) for a, b in
                       zip(added(n, kind, rate, "p99"), added("nginx", kind, rate, "p99"))]
                line += f"; added p99 at {int(rate)}/s {spread(p99, fmt_ratio)}"
            print(line)
        if "llmctl-b" in summary and n != "llmctl-b":
            # The comparison build against the first, in the same repeats: an A/B that the
            # machine's drift does not blur (each pair ran back to back).
            for kind in ("json", "sse"):
                b = per_core("llmctl-b", kind)
                print(f"    llmctl-b {kind.upper():4} req/s per core: vs llmctl "
                      f"{spread([ratio(x, y) for x, y in zip(b, per_core(n, kind))], fmt_ratio)}"
                      f", vs nginx "
                      f"{spread([ratio(x, y) for x, y in zip(b, per_core('nginx', kind))], fmt_ratio)}")
    dropped = [r.get("log_dropped") for kind in ("json", "sse") for r in results[n][kind]["max"]]
    dropped = [d for d in dropped if d is not None]
    if dropped:
        print(f"  Request log at saturation: {max(dropped)} records dropped (the counter after the "
              f"last max run) -> {'met' if max(dropped) == 0 else 'NOT met: records were lost'}")
    rss = s["rss_mb"] if not s["rss_note"] else None
    print(f"  RSS <= 50 MB with {args.streams} streams: "
          f"{'-' if rss is None else f'{rss:.1f} MB'} -> "
          f"{'-' if rss is None else ('met' if rss <= 50 else 'NOT met')}")


if __name__ == "__main__":
    main()
