// GPU utilisation samples of self-hosted deployments, for the idle-GPU what-if. Pure: the caller
// reads the file.
//
// CSV with a header: timestamp, deployment, gpu (catalog id, alias or DCGM modelName such as
// "NVIDIA H100 80GB HBM3"), gpus (GPUs the sample stands for; default 1), utilization (0-1 or
// 0-100, as DCGM_FI_DEV_GPU_UTIL reports it), usd_per_hour (optional, per GPU).
// Or a Prometheus /api/v1/query_range answer for DCGM_FI_DEV_GPU_UTIL (JSON, resultType matrix):
// each series is one GPU; deployment from its `deployment`, `pod`, `Hostname` or `instance` label,
// gpu from `modelName`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "finops/report.h"

namespace llmctl::finops {

Result<std::vector<GpuSample>> parse_gpu_metrics(std::string_view text, const std::string& name,
                                                 std::vector<std::string>& rejected);

}  // namespace llmctl::finops
