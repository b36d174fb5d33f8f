# Engine step times of real Llama shapes on this GPU, for validating llmctl's perf step-cost model.
#
# Random bf16 weights (no download possible), a Llama forward written out in PyTorch:
# fused QKV and gate/up GEMMs, RMSNorm, SiLU, causal flash SDPA for prefill, grouped-query decode
# attention over a KV cache (two batched GEMMs reading K and V once), LM head on the rows that
# sample (last prompt token; every decode row). No RoPE (elementwise, fused in engines).
# Each step is captured in a CUDA graph (what engines do for decode) and replayed; CUDA-event
# timed, warm-up excluded, median of the replays.
#
# Llama-3.1-8B: the whole model. Llama-3.1-70B: 8 of its 80 layers plus the LM head; the head
# is also timed alone, so per-layer = (t8 - t_head) / 8 and full = t_head + 80 x per-layer.
#
# Output: $OUT/h200_steps.json (and a table on stdout). Usage: python3 steps.py [--cpu-test]
import json
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

CPU_TEST = "--cpu-test" in sys.argv or not torch.cuda.is_available()
DEV = "cpu" if CPU_TEST else "cuda"
DT = torch.float32 if CPU_TEST else torch.bfloat16
OUT = os.environ.get("OUT", "/tmp/steps-out")
os.makedirs(OUT, exist_ok=True)
BUDGET_S = float(os.environ.get("STEPS_BUDGET_S", "330"))  # stop starting new configs after this
T0 = time.time()

if CPU_TEST:
    M8 = dict(name="tiny-8b", layers=2, timed_layers=2, hidden=256, heads=8, kv=2, hd=32,
              inter=512, vocab=1000)
    M70 = dict(name="tiny-70b", layers=2, timed_layers=2, full_layers=6, hidden=256, heads=8,
               kv=2, hd=32, inter=512, vocab=1000)
else:
    M8 = dict(name="llama-3.1-8b", layers=32, timed_layers=32, hidden=4096, heads=32, kv=8,
              hd=128, inter=14336, vocab=128256)
    M70 = dict(name="llama-3.1-70b", layers=8, timed_layers=8, full_layers=80, hidden=8192,
               heads=64, kv=8, hd=128, inter=28672, vocab=128256)


def randn(*shape, scale=0.02):
    return (torch.randn(*shape, device=DEV, dtype=torch.float32) * scale).to(DT)


class Model:
    def __init__(self, m):
        self.m = m
        h, H, K, D, I = m["hidden"], m["heads"], m["kv"], m["hd"], m["inter"]
        self.layers = []
        for _ in range(m["layers"]):
            self.layers.append(dict(
                ln1=torch.ones(h, device=DEV, dtype=DT),
                wqkv=randn(h, (H + 2 * K) * D),
                wo=randn(H * D, h),
                ln2=torch.ones(h, device=DEV, dtype=DT),
                wgu=randn(h, 2 * I),
                wdown=randn(I, h)))
        self.embed = randn(m["vocab"], h)
        self.lnf = torch.ones(h, device=DEV, dtype=DT)
        self.head = randn(h, m["vocab"])

    def params(self):
        n = self.embed.numel() + self.head.numel()
        for l in self.layers:
            n += sum(t.numel() for t in l.values())
        return n


def rmsnorm(x, w):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-5)).to(DT) * w


def decode_attention(q, kc, vc, K, D):
    # q [B, H, D]; kc, vc [B, K, C, D] -> [B, H*D]. Grouped: each KV head serves H/K query heads.
    B, H, _ = q.shape
    G = H // K
    qg = q.view(B, K, G, D)
    s = torch.matmul(qg, kc.transpose(-1, -2)).float() * (1.0 / math.sqrt(D))  # [B, K, G, C]
    p = torch.softmax(s, dim=-1).to(DT)
    return torch.matmul(p, vc).reshape(B, H * D)


def prefill_attention(q, k, v, H, K, D):
    # One causal sequence: q [P, H, D], k/v [P, K, D] -> [P, H*D].
    P = q.shape[0]
    G = H // K
    qh = q.transpose(0, 1).unsqueeze(0)  # [1, H, P, D]
    kh = k.transpose(0, 1).repeat_interleave(G, dim=0).unsqueeze(0)
    vh = v.transpose(0, 1).repeat_interleave(G, dim=0).unsqueeze(0)
    if hasattr(F, "scaled_dot_product_attention"):
        o = F.scaled_dot_product_attention(qh, kh, vh, is_causal=True)
    else:  # torch < 2.0 (the CPU logic test only)
        s = torch.matmul(qh, kh.transpose(-1, -2)) / math.sqrt(D)
        mask = torch.ones(P, P, device=q.device, dtype=torch.bool).triu(1)
        o = torch.matmul(torch.softmax(s.masked_fill(mask, float("-inf")), -1), vh)
    return o.squeeze(0).transpose(0, 1).reshape(P, H * D)


def make_step(model, B, C, P, layers):
    """A step with B decode rows (KV context C) and one prompt chunk of P tokens.
    Returns (fn, static buffers). Decode K/V for the new token is written at position C."""
    m = model.m
    H, K, D, h = m["heads"], m["kv"], m["hd"], m["hidden"]
    T = B + P
    ids = torch.randint(0, m["vocab"], (T,), device=DEV)
    caches = []
    if B > 0:
        for _ in range(layers):
            kc = randn(B, K, C + 1, D, scale=1.0)
            vc = randn(B, K, C + 1, D, scale=1.0)
            caches.append((kc, vc))
    sample_rows = list(range(B)) + ([T - 1] if P > 0 else [])
    rows = torch.tensor(sample_rows, device=DEV)

    def fn():
        x = model.embed[ids]
        for li in range(layers):
            L = model.layers[li]
            a = rmsnorm(x, L["ln1"])
            qkv = a @ L["wqkv"]
            q = qkv[:, :H * D].view(T, H, D)
            k = qkv[:, H * D:(H + K) * D].view(T, K, D)
            v = qkv[:, (H + K) * D:].view(T, K, D)
            outs = []
            if B > 0:
                kc, vc = caches[li]
                kc[:, :, C, :] = k[:B]
                vc[:, :, C, :] = v[:B]
                outs.append(decode_attention(q[:B], kc, vc, K, D))
            if P > 0:
                outs.append(prefill_attention(q[B:], k[B:], v[B:], H, K, D))
            o = outs[0] if len(outs) == 1 else torch.cat(outs, 0)
            x = x + o @ L["wo"]
            a = rmsnorm(x, L["ln2"])
            gu = a @ L["wgu"]
            g, u = gu.chunk(2, dim=-1)
            x = x + (F.silu(g) * u) @ L["wdown"]
        return rmsnorm(x[rows], model.lnf) @ model.head

    return fn, caches


def head_only(model, n_rows):
    x = randn(n_rows, model.m["hidden"], scale=1.0)
    return lambda: rmsnorm(x, model.lnf) @ model.head


def time_fn(fn, target_s=1.2, max_reps=30):
    """Median ms of replays of fn (CUDA graph on GPU), warm-up excluded."""
    if CPU_TEST:
        fn()
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t) * 1e3)
        ts.sort()
        return dict(ms=ts[1], p10=ts[0], p90=ts[-1], reps=3, graph=False)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):  # warm-up before capture (cuBLAS handles, autotuning)
            fn()
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    e0.record()
    g.replay()
    e1.record()
    torch.cuda.synchronize()
    first = e0.elapsed_time(e1)
    reps = int(max(5, min(max_reps, target_s * 1e3 / max(first, 1e-3))))
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        torch.cuda.synchronize()
        ts.append(a.elapsed_time(b))
    del g
    ts.sort()
    return dict(ms=ts[len(ts) // 2], p10=ts[len(ts) // 10], p90=ts[(9 * len(ts)) // 10],
                reps=reps, graph=True)


def check_attention():
    """Decode attention (grouped GEMMs) against a plain per-head reference, fresh random data."""
    B, K, G, C, D = 3, 2, 4, 37, 64 if not CPU_TEST else 32
    q = randn(B, K * G, D, scale=1.0)
    kc = randn(B, K, C, D, scale=1.0)
    vc = randn(B, K, C, D, scale=1.0)
    out = decode_attention(q, kc, vc, K, D).float().view(B, K * G, D)
    ref = torch.zeros(B, K * G, D, dtype=torch.float64)
    for b in range(B):
        for hh in range(K * G):
            kk = kc[b, hh // G].double().cpu()
            s = (kk @ q[b, hh].double().cpu()) / math.sqrt(D)
            ref[b, hh] = torch.softmax(s, 0) @ vc[b, hh // G].double().cpu()
    err = ((out.double().cpu() - ref).norm() / ref.norm()).item()
    return err


def gpu_facts():
    facts = dict(torch=torch.__version__, cuda=torch.version.cuda, device=DEV)
    if not CPU_TEST:
        p = torch.cuda.get_device_properties(0)
        facts.update(gpu=p.name, sms=p.multi_processor_count, memory_gib=p.total_memory / 2**30,
                     capability=f"{p.major}.{p.minor}")
        try:
            q = subprocess.run(["nvidia-smi", "--query-gpu=driver_version,clocks.sm,clocks.mem,"
                                "clocks.max.sm,power.limit", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=20)
            facts["nvidia_smi"] = q.stdout.strip()
        except Exception as e:  # noqa: BLE001
            facts["nvidia_smi"] = f"unavailable: {e}"
    return facts


def ceilings():
    if CPU_TEST:
        return {}
    n = 1 << 30  # 1 Gi elements of bf16 = 2 GiB
    a = torch.empty(n, device=DEV, dtype=DT).normal_()
    b = torch.empty_like(a)
    copy = time_fn(lambda: b.copy_(a), target_s=0.5)
    del a, b
    x = randn(8192, 8192, scale=1.0)
    y = randn(8192, 8192, scale=1.0)
    mm = time_fn(lambda: x @ y, target_s=0.5)
    del x, y
    torch.cuda.empty_cache()
    return dict(copy_tb_per_s=2 * 2 * n / (copy["ms"] * 1e-3) / 1e12,
                bf16_gemm_tflops=2 * 8192**3 / (mm["ms"] * 1e-3) / 1e12)


def main():
    torch.manual_seed(0)
    result = dict(facts=gpu_facts(), method=(
        "random bf16 weights; Llama forward in PyTorch (fused QKV/gate-up GEMMs, RMSNorm, SiLU, "
        "causal flash SDPA prefill, GQA decode attention as two batched GEMMs over the KV cache, "
        "LM head on sampled rows, no RoPE); each step captured in a CUDA graph and replayed; "
        "CUDA-event timing, warm-up excluded, median of replays"), records=[], errors=[])
    result["attention_check_rel_err"] = check_attention()
    result["ceilings"] = ceilings()
    print("facts", json.dumps(result["facts"]), flush=True)
    print("attention check rel err", result["attention_check_rel_err"], flush=True)
    print("ceilings", result["ceilings"], flush=True)

    def grid_8b():
        if CPU_TEST:
            return [("prefill", 0, 0, 16), ("decode", 2, 8, 0), ("mixed", 2, 8, 16)]
        g = [("prefill", 0, 0, t) for t in (128, 256, 512, 1024, 2048, 4096, 8192, 16384)]
        for c in (512, 2048, 8192):
            for b in (1, 8, 32, 64, 128, 256):
                if b * c <= 600_000:
                    g.append(("decode", b, c, 0))
        g += [("mixed", 64, 2048, 512), ("mixed", 64, 2048, 2048), ("mixed", 128, 1024, 1024),
              ("mixed", 32, 4096, 4096)]
        return g

    def grid_70b():
        if CPU_TEST:
            return [("prefill", 0, 0, 16), ("decode", 2, 8, 0)]
        g = [("prefill", 0, 0, t) for t in (256, 1024, 4096, 8192)]
        g += [("decode", b, c, 0) for c in (1024, 4096) for b in (1, 16, 64, 128)]
        g += [("mixed", 64, 2048, 2048)]
        return g

    for spec, grid in ((M8, grid_8b()), (M70, grid_70b())):
        model = Model(spec)
        print(f"model {spec['name']}: {model.params() / 1e9:.2f} B params built "
              f"({spec['layers']} layers)", flush=True)
        for kind, B, C, P in grid:
            if time.time() - T0 > BUDGET_S:
                result["errors"].append(f"budget reached before {spec['name']} {kind} {B} {C} {P}")
                continue
            rec = dict(model=spec["name"], kind=kind, batch=B, context=C, prefill_tokens=P,
                       layers_timed=spec["timed_layers"])
            try:
                fn, caches = make_step(model, B, C, P, spec["timed_layers"])
                rec.update(time_fn(fn))
                del fn, caches
                if "full_layers" in spec:
                    rows = B + (1 if P > 0 else 0)
                    hd = time_fn(head_only(model, rows))
                    per_layer = (rec["ms"] - hd["ms"]) / spec["timed_layers"]
                    rec["head_ms"] = hd["ms"]
                    rec["per_layer_ms"] = per_layer
                    rec["full_model_ms"] = hd["ms"] + spec["full_layers"] * per_layer
                    rec["full_layers"] = spec["full_layers"]
            except Exception as e:  # noqa: BLE001
                rec["error"] = f"{type(e).__name__}: {e}"
                result["errors"].append(f"{spec['name']} {kind} B={B} C={C} P={P}: {rec['error']}")
            result["records"].append(rec)
            if not CPU_TEST:
                torch.cuda.empty_cache()
            print(json.dumps(rec), flush=True)
        del model
        if not CPU_TEST:
            torch.cuda.empty_cache()

    result["wall_s"] = time.time() - T0
    with open(os.path.join(OUT, "h200_steps.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n{'model':<14} {'kind':<8} {'B':>4} {'ctx':>6} {'P':>6} {'ms':>9} {'full ms':>9}")
    for r in result["records"]:
        print(f"{r['model']:<14} {r['kind']:<8} {r['batch']:>4} {r['context']:>6} "
              f"{r['prefill_tokens']:>6} {r.get('ms', float('nan')):>9.3f} "
              f"{r.get('full_model_ms', float('nan')):>9.3f}")
    print("errors:", result["errors"])
    print(f"wall {result['wall_s']:.1f} s")


if __name__ == "__main__":
    main()
