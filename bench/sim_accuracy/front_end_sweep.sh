#!/bin/bash
# Could a serial API server in front of the engine explain the closed-loop errors? Runs
# sim_accuracy over a grid of front-end costs (--front-end MS,US: milliseconds per request,
# microseconds per prompt token) and prints each point's MAPEs: the fit rows' (the only ones a
# cost may be chosen on) beside the held-out rows' (shown to judge the hypothesis, never to pick a
# value). docs/SIM.md, section 6, has the table and what it says.
#
#   bench/sim_accuracy/front_end_sweep.sh [path/to/sim_accuracy]
set -euo pipefail
bin=${1:-build/release/bench/sim_accuracy/sim_accuracy}
printf '%-7s %-7s | %9s %8s | %9s %9s %9s %9s %9s %9s | %9s\n' ms/req us/tok fit-ttft fit-tpot \
  trt-ttft trt-tpot vllm-ttft vllm-tpot sgl-ttft sgl-tpot trt17-ttft
for ms in 0 2 5 10 20 40 80; do
  for us in 0 2 5 10; do
    "$bin" --front-end "$ms,$us" | awk -v ms="$ms" -v us="$us" '
      $1 == "fit" && $2 == "all" && $3 == "ttft_ms" { v["fit-ttft"] = $5 }
      $1 == "fit" && $2 == "all" && $3 == "itl_ms" { v["fit-tpot"] = $5 }
      $1 == "held-out" && $3 == "clients" { v[$2 "-" $4] = $6 }
      $1 == "held-out" && $2 == "trtllm" && $3 == "qps" && $4 == "ttft_ms" { v["qps"] = $6 }
      END {
        printf "%-7s %-7s | %9s %8s | %9s %9s %9s %9s %9s %9s | %9s\n", ms, us, v["fit-ttft"],
          v["fit-tpot"], v["trtllm-ttft_ms"], v["trtllm-itl_ms"], v["vllm-ttft_ms"],
          v["vllm-itl_ms"], v["sglang-ttft_ms"], v["sglang-itl_ms"], v["qps"]
      }'
  done
done
