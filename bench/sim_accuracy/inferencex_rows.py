#!/usr/bin/env python3
"""Writes inferencex.yaml (rows for sim_accuracy) from inferencex_aic_silicon.csv.

The CSV holds verbatim lines of a public file (see the header this script writes); this script
selects the vLLM, SGLang and TensorRT-LLM rows the simulator can reproduce, maps them into sim_accuracy's row
schema with the server flags and the benchmark client of the runs that produced them, and says
how many rows each rule leaves out and why.

    python3 bench/sim_accuracy/inferencex_rows.py > bench/sim_accuracy/inferencex.yaml
"""
import collections
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = "inferencex_aic_silicon.csv"

# InferenceX served nvidia/Llama-3.3-70B-Instruct-FP8 (AIC labels it Llama-3.1-70B; the two share
# every architecture number) and DeepSeek-R1-0528 (model prefix "dsr1"; AIC labels some of the same
# runs DeepSeek-V3, which has the same architecture).
MODELS = {
    "meta-llama/Llama-3.1-70B": "llama-3.3-70b",
    "openai/gpt-oss-120b": "gpt-oss-120b",
    "deepseek-ai/DeepSeek-R1": "deepseek-r1",
    "deepseek-ai/DeepSeek-V3": "deepseek-r1",
}
GPUS = {"h100_sxm": "h100-sxm", "h200_sxm": "h200", "b200_sxm": "b200"}

# The collections whose server launch scripts and client are traced (InferenceX commit, date):
# measured date -> client id. Runs measured on other dates (Nov-Dec 2025) are left out.
COLLECTIONS = {
    "2025-10-29": "IFX-2025",  # Llama 3.3 70B sweep, scripts @ 9596d23 (2025-10-29), no warm-up
    "2026-02-25": "IFX-2026",  # gpt-oss-120b B200, scripts @ 8944a35 (2026-02-25), 2C warm-up
    "2026-03-25": "IFX-2026",  # DeepSeek-R1 H200/B200, scripts @ 12ba0ae (2026-03-25)
    "2026-03-27": "IFX-2026",  # gpt-oss-120b H100/H200, scripts @ 12ba0ae
}

def server_flags(backend, model, gpu, tp, isl, osl, conc):
    """kv_dtype, max_batched_tokens, max_num_seqs (None: the engine's default) as the InferenceX
    launch scripts set them."""
    if backend == "trtllm":  # benchmarks/70b_fp8_{h200,b200}_trt_slurm.sh @ 9596d23: fp8 KV,
        return "fp8", 16384, None  # --max_num_tokens 16384, no --max_batch_size (default 2048)
    if model == "llama-3.3-70b":  # benchmarks/70b_fp8_{h100,h200}_slurm.sh, 70b_fp8_b200_docker.sh
        return "fp8", 8192, 512 if gpu == "b200" else conc
    if model == "gpt-oss-120b":  # benchmarks/single_node/gptoss_fp4_{h100,h200,b200}.sh
        return ("fp8", 8192, 512) if gpu == "b200" else ("bf16", 8192, conc)
    # DeepSeek-R1 on SGLang: benchmarks/single_node/dsr1_fp8_{h200,b200}.sh
    if gpu == "h200":  # no --kv-cache-dtype: SGLang keeps the KV cache in bf16
        return "bf16", 32768, 512 if (isl, osl) == (1024, 1024) else 256
    return ("fp8", 32768, 128) if tp == 8 else ("fp8", 8192, 32)


def memory_fraction(backend, model, gpu, tp):
    """The row's `gpu_memory_fraction: X, ` field: --gpu-memory-utilization (vLLM) or
    --mem-fraction-static (SGLang) of the launch: 0.9 in every vLLM script (70b_fp8_*,
    gptoss_fp4_*); DeepSeek-R1 on SGLang 0.82 on H200 (dsr1_fp8_h200.sh) and on B200 at TP8,
    0.95 on B200 at TP4 (dsr1_fp8_b200.sh @ 12ba0ae). TensorRT-LLM's scripts set none: its
    default (the catalog's) applies, so the row names none."""
    if backend == "trtllm":
        return ""
    if model != "deepseek-r1":
        return "gpu_memory_fraction: 0.9, "
    return f"gpu_memory_fraction: {0.95 if (gpu, tp) == ('b200', 4) else 0.82}, "


def sglang_intervals(gpu, tp, conc):
    """--scheduler-recv-interval and --stream-interval of the DeepSeek-R1 SGLang launch
    (benchmarks/single_node/dsr1_fp8_{h200,b200}.sh @ 12ba0ae, unchanged 2026-03-11 to 03-27):
    H200 sets --stream-interval 10 and no receive interval (SGLang's default, 1); B200 sets
    --stream-interval 30 and SCHEDULER_RECV_INTERVAL 30 at TP8 with 16 or more clients, else 10."""
    if gpu == "h200":
        return 1, 10
    return (30 if tp == 8 and conc >= 16 else 10), 30


def measured_date(source):
    m = re.search(r"measured=(\d{4}-\d{2}-\d{2})", source)
    return m.group(1) if m else ""


def image_version(row):
    if row["backend_version"]:
        return row["backend_version"]
    m = re.search(r"(?:vllm/vllm-openai|lmsysorg/sglang):v([0-9][^;,-]*(?:\.post\d+)?)",
                  row["silicon_data_source"])
    return m.group(1) if m else ""


# The fit's share (issue 12 item 9: keep a share out of the fit and report both): each engine's
# rows on the oldest GPU its sweep covers enter perf's fit (bench/perf_accuracy says which of
# their metrics): vLLM on H100 (the sweep also has H200 and B200), SGLang on H200 (also B200).
# The rows on newer GPUs stay held out, so the held-out error says how the fit carries to
# hardware it never saw, the direction a planner extrapolates in. SGLang's sweep has one model
# (DeepSeek-R1): its per-request overhead is fitted on that model alone, and the SGLang rows of
# under_load.yaml (Llama 3.1 8B, another source, never in a fit) are the check that it is the
# engine's and not the model's (docs/SIM.md, section 6).
# TensorRT-LLM's rows (Llama 3.3 70B FP8, TensorRT-LLM 1.1) the same way, H200 in and B200 out:
# they fit TensorRT-LLM 1.x's own entry (trtllm@1.0 in data/efficiency.yaml), not the shared
# parameters, which its 2024 rows (0.14, 0.17) keep fixing as the fit's reference.
FIT_GPU = {"vllm": "h100-sxm", "sglang": "h200", "trtllm": "h200"}

# The TensorRT-LLM image of the Llama sweep (.github/workflows/70b-tmpl.yml @ 9596d23, jobs
# bmk-h200-trt-fp8 and bmk-b200-trt-fp8); its rows carry no backend_version.
TRTLLM_LLAMA_VERSION = "1.1.0rc2.post2"


def main():
    rows = list(csv.DictReader(open(os.path.join(HERE, CSV), newline="")))
    out_rows, left = [], collections.Counter()
    seen = set()
    # TensorRT-LLM's rows come last, so the ids of the rows before them stay as they were when
    # they were added (efficiency.yaml's fitted_on and the docs name rows by id).
    numbered = sorted(enumerate(rows, start=2), key=lambda lr: lr[1]["backend"] == "trtllm")
    for line, r in numbered:
        if not (r["backend"] in ("vllm", "sglang") and r["model_path"] in MODELS or
                r["backend"] == "trtllm" and r["model_path"] == "meta-llama/Llama-3.1-70B"):
            sys.exit(f"{CSV}:{line}: not a vLLM/SGLang row of a catalog model or a TensorRT-LLM "
                     "Llama row: the CSV is the filtered extract the header describes")
        if r["mode"] != "agg":
            left["disaggregated prefill/decode"] += 1
            continue
        if r["system"] not in GPUS:
            left[f"GPU {r['system']} not in the catalog"] += 1
            continue
        tp, pp = int(r["tp_size"]), int(r["pp_size"])
        if (int(r["attention_dp_size"] or 1) != 1 or int(r["moe_ep_size"] or 1) != 1
                or tp * pp > 8):
            left["expert/attention-data parallel or multi-node (the simulator runs TP only)"] += 1
            continue
        model = MODELS[r["model_path"]]
        if r["precision"] == "fp4" and model != "gpt-oss-120b":
            left["NVFP4 weights (vLLM and SGLang serve no fp4 in the catalog; TensorRT-LLM's "
                 "NVFP4 Llama checkpoint is not in the catalog)"] += 1
            continue
        date = measured_date(r["silicon_data_source"])
        if date not in COLLECTIONS:
            left["measured outside the four traced collections (Nov-Dec 2025)"] += 1
            continue
        gpu = GPUS[r["system"]]
        isl, osl, conc = int(r["isl"]), int(r["osl"]), int(r["batch_size"])
        ttft, tpot = float(r["silicon_ttft_ms"]), float(r["silicon_tpot_ms"])
        key = (model, gpu, r["backend"], tp, isl, osl, conc, round(ttft, 6), round(tpot, 6))
        if key in seen:
            left["the same run listed twice (two source files, or as DeepSeek-R1 and -V3)"] += 1
            continue
        seen.add(key)
        kv, mbt, mns = server_flags(r["backend"], model, gpu, tp, isl, osl, conc)
        if mns and conc > mns:
            # The script of that date caps running requests below the client count; the measured
            # TTFTs (1.8-3.1 s at 256-512 clients, not minutes) show those runs had a larger cap.
            left["more clients than the launch script's running-request cap (flags not traced)"] += 1
            continue
        version = image_version(r) or (
            TRTLLM_LLAMA_VERSION if r["backend"] == "trtllm" else
            "0.10.2" if model == "llama-3.3-70b" else "")
        intervals = ""
        if r["backend"] == "sglang":
            recv, stream = sglang_intervals(gpu, tp, conc)
            intervals = f"scheduler_recv_interval: {recv}, stream_interval: {stream}, "
        if r["backend"] == "trtllm":
            # 70b_fp8_{h200,b200}_trt_*.sh @ 9596d23: kv_cache_config enable_block_reuse false;
            # batch waiting for 1k/1k below TP 8. Its stream_interval 10 is not set here: the
            # first token goes out alone and the last with the rest, so TTFT and the per-request
            # TPOT mean do not depend on it.
            intervals = "prefix_caching: false, "
            if (isl, osl) == (1024, 1024) and tp < 8:
                intervals += "batch_wait_timeout_iters: 20, batch_wait_max_tokens_ratio: 0.9, "
        fit = "fit: true, " if gpu == FIT_GPU.get(r["backend"]) else ""
        out_rows.append(
            "  - {{id: x{n:03d}, {fit}model: {model}, gpu: {gpu}, gpus: {g}, tp: {tp}, engine: {eng}, "
            "engine_version: \"{ver}\", dtype: {dt}, kv_dtype: {kv}, {gmf}"
            "max_batched_tokens: {mbt}, {mns}{iv}input_tokens: {il}, "
            "output_tokens: {ol}, "
            "load: {{mode: concurrency, concurrency: {c}}}, "
            "measured: {{ttft_ms: {ttft}, itl_ms: {tpot}}}, source: {src}, "
            "source_id: \"{sid}\"}}\n".format(
                n=len(out_rows) + 1, fit=fit, model=model, gpu=gpu, g=tp * pp, tp=tp, eng=r["backend"],
                ver=version, dt="mxfp4" if model == "gpt-oss-120b" else "fp8", kv=kv,
                gmf=memory_fraction(r["backend"], model, gpu, tp), mbt=mbt,
                mns=f"max_num_seqs: {mns}, " if mns else "", iv=intervals, il=isl, ol=osl, c=conc, ttft=round(ttft, 2),
                tpot=round(tpot, 3), src=COLLECTIONS[date], sid=f"csv line {line}: {r['id']}"))
    per = collections.Counter()
    for row in out_rows:
        m = re.search(r"model: (\S+), gpu: (\S+),.*engine: (\S+),", row)
        per[m.groups()] += 1
    kept = "\n".join(f"#   {n:3d} {model} {engine} on {gpu}" for (model, gpu, engine), n in
                     sorted(per.items()))
    dropped = "\n".join(f"#   {n:3d} {why}" for why, n in left.most_common())
    sys.stdout.write(HEADER.format(total=len(rows), kept_n=len(out_rows), kept=kept,
                                   dropped=dropped))
    sys.stdout.write(CLIENTS)
    sys.stdout.write("rows:\n")
    sys.stdout.write("".join(out_rows))


HEADER = """\
# GENERATED by inferencex_rows.py from inferencex_aic_silicon.csv: edit neither by hand.
#
# Closed-loop measurements of vLLM, SGLang and TensorRT-LLM (bench/sim_accuracy groups "ifx-fit"
# and "ifx"): SemiAnalysis InferenceX's fixed-length sweeps (ISL/OSL 1k/1k, 1k/8k, 8k/1k at 4-512
# concurrent clients, one aggregated engine on 1-8 GPUs of one node) of Llama 3.3 70B FP8 (vLLM
# 0.10.2 on H100, H200, B200; TensorRT-LLM 1.1.0rc2.post2 on H200, B200), gpt-oss-120b MXFP4 (vLLM 0.15.1 on B200, 0.18.0 on H100/H200) and
# DeepSeek-R1 FP8 (SGLang 0.5.9; H200, B200). The rows marked `fit: true` (vLLM on H100,
# SGLang and TensorRT-LLM on H200: the oldest GPU of each engine's sweep) enter perf's efficiency fit (bench/perf_accuracy --fit: their TPOT, and
# their TTFT at 4 clients); every other row is held out of every fit.
#
# Source: ai-dynamo/aiconfigurator aic-core/src/aiconfigurator_core/systems/silicon_sample.csv
#   @ 0b077da5e017cb8ceac1ad14e91eb6e26c40207a (Apache-2.0; unchanged at 095f58a5, 2026-08), the
#   file under_load.yaml's AIC-SIL rows come from. inferencex_aic_silicon.csv beside this file is
#   its header and every line of it whose backend is vllm or sglang and whose model_path is
#   Llama-3.1-70B, gpt-oss-120b, DeepSeek-R1 or DeepSeek-V3, or whose backend is trtllm and whose
#   model_path is Llama-3.1-70B, byte for byte:
#     awk -F, 'NR==1 || (($3=="vllm" || $3=="sglang") && ($5=="meta-llama/Llama-3.1-70B" ||
#       $5=="openai/gpt-oss-120b" || $5=="deepseek-ai/DeepSeek-R1" ||
#       $5=="deepseek-ai/DeepSeek-V3")) || ($3=="trtllm" && $5=="meta-llama/Llama-3.1-70B")'
#       silicon_sample.csv
#   ({total} rows).
# Where AIC's numbers come from: these rows are SemiAnalysis InferenceX results (their
#   silicon_data_source names InferenceX database dumps: "db-dump/<date>; config_id=N;
#   workflow_run_id=N; <image>", or the collection files 2026-03-25.csv / 2026-04-06.csv with the
#   same sweeps). inference-sim/inference-sim testdata/blis/measurements/inferencex_absolutes.json
#   @ 129e0b82 (Apache-2.0), extracted from the InferenceX dump with
#   scripts/extract_inferencex_absolutes.py, holds the same values to the last digit (e.g. DeepSeek
#   H200 SGLang TP8, config 81, 1k/8k at 4 clients: TTFT 259.410 ms, TPOT 10.264 ms) and records
#   that AIC's artifact uses InferenceX's mean_ttft and mean_tpot, not the medians.
#
# Mapping (assumptions, said once): silicon_ttft_ms -> ttft_ms and silicon_tpot_ms -> itl_ms, both
# MEANS over the measured requests (TPOT per request = (latency - TTFT) / (output tokens - 1), as
# vLLM's benchmark_serving computes it). batch_size is the client concurrency. Llama-3.1-70B rows
# are the catalog's llama-3.3-70b (InferenceX served nvidia/Llama-3.3-70B-Instruct-FP8; same
# architecture), DeepSeek-R1 and -V3 rows the catalog's deepseek-r1; gpt-oss-120b "fp4" is its
# MXFP4 checkpoint. input_tokens/output_tokens are the client's nominal L (ISL/OSL); it draws each
# request's lengths uniformly from the integers [int(0.8 L), L] (the clients' length_range_ratio:
# the simulator draws the same; perf gets the mean, 922 for 1024, 7373 for 8192). Server flags per row are those of InferenceX's launch scripts of the run's
# date (SemiAnalysisAI/InferenceX, Apache-2.0): vLLM with --max-num-batched-tokens 8192, prefix
# caching off (Llama) or unused (random prompts), --gpu-memory-utilization 0.9, --max-num-seqs = clients (H100/H200) or 512
# (B200), fp8 KV cache for Llama and on B200, bf16 KV for gpt-oss on H100/H200; SGLang with radix
# cache off, --chunked-prefill-size 32768 (8192 for B200 TP4), --max-running-requests 512/256
# (H200), 128 (B200 TP8), 32 (B200 TP4), --mem-fraction-static 0.82 (0.95 for B200 TP4; the
# rows' gpu_memory_fraction), fp8 KV on B200, --stream-interval 10 (H200) or 30
# (B200) and --scheduler-recv-interval 10 or 30 on B200 only (30 at TP8 with 16 or more clients;
# dsr1_fp8_{{h200,b200}}.sh @ 12ba0ae07289, 2026-03-25; the H200 script sets none, SGLang's
# default is 1); TensorRT-LLM (70b_fp8_{{h200,b200}}_trt_slurm.sh @ 9596d23) with --max_num_tokens
# 16384, fp8 KV, block reuse off, and batch waiting (batch_wait_max_tokens_ratio 0.9,
# batch_wait_timeout_iters 20) for 1k/1k below TP 8. engine_version is the image's; the Llama
# rows carry none and ran vllm/vllm-openai:v0.10.2 or tensorrt-llm/release:1.1.0rc2.post2
# (70b-tmpl.yml @ 9596d23). The TensorRT-LLM H200 TP4 rows were under_load.yaml's u01-u12
# (held out there) before this file had them.
# Rows kept ({kept_n}):
{kept}
# Rows left out:
{dropped}
# Repeated runs of one configuration (different values) are separate rows, all kept.
#
# clients: InferenceX's benchmark_serving.py (kimbochen/bench_serving, a fork of vLLM's
# benchmarks/benchmark_serving.py; utils/bench_serving in the InferenceX repository from
# 2026-01-21) with --dataset-name random --random-range-ratio 0.8 --num-prompts 10C
# --max-concurrency C --request-rate inf --ignore-eos: C clients that all start at once, every
# prompt new random tokens (no prompt pool, no prefix-cache hits), 10 measured requests per client,
# lengths drawn per request (length_range_ratio 0.8; ignore_eos makes the output length exact).
# From 2026-01-21 (InferenceX #480, benchmarks/benchmark_lib.sh) the client first sends 2C warm-up
# requests at concurrency C, not measured; the 2025 Llama runs had none.
"""

CLIENTS = """\
clients:
  IFX-2025:
    tool: inferencex-bench-serving
    prompt_pool: 0
    warmup_per_client: 0
    requests_per_client: 10
    length_range_ratio: 0.8
    source: "SemiAnalysisAI/InferenceX benchmarks/70b_fp8_{h100,h200}_slurm.sh, 70b_fp8_b200_docker.sh, 70b_fp8_{h200,b200}_trt_slurm.sh @ 9596d23d74e9 (2025-10-29): kimbochen/bench_serving benchmark_serving.py --dataset-name random --random-range-ratio 0.8 (full-sweep-tmpl.yml) --num-prompts $((CONC*10)) --max-concurrency $CONC --request-rate inf --ignore-eos"
  IFX-2026:
    tool: inferencex-bench-serving
    prompt_pool: 0
    warmup_per_client: 2
    requests_per_client: 10
    length_range_ratio: 0.8
    source: "SemiAnalysisAI/InferenceX benchmarks/benchmark_lib.sh run_benchmark_serving @ 12ba0ae07289 (2026-03-25) and 8944a358cce8 (2026-02-25): utils/bench_serving/benchmark_serving.py --dataset-name random --random-range-ratio 0.8 --num-prompts $((CONC*10)) --max-concurrency $CONC --request-rate inf --ignore-eos --num-warmups $((2*CONC))"
sources:
  IFX-2025: "ai-dynamo/aiconfigurator aic-core/src/aiconfigurator_core/systems/silicon_sample.csv @ 0b077da5e017cb8ceac1ad14e91eb6e26c40207a (Apache-2.0): SemiAnalysis InferenceX mean TTFT/TPOT, runs measured 2025-10-29"
  IFX-2026: "ai-dynamo/aiconfigurator aic-core/src/aiconfigurator_core/systems/silicon_sample.csv @ 0b077da5e017cb8ceac1ad14e91eb6e26c40207a (Apache-2.0): SemiAnalysis InferenceX mean TTFT/TPOT, runs measured 2026-02-25 to 2026-03-27"
"""

if __name__ == "__main__":
    main()
