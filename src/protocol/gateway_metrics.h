// The gateway's Prometheus exposition as a contract: the family names and histogram bucket
// bounds that `llmctl gateway` exports (src/gateway/metrics.cpp, runtime.cpp) and that the
// rules, dashboards and CI gates `llmctl deploy` generates query (src/deploy). One place, so a
// renamed metric or a moved bound cannot leave a generated alert querying nothing; the unit
// tests tie both sides to this list (tests/unit/gateway/metrics_contract_test.cpp).
#pragma once

#include <array>
#include <string_view>

namespace llmctl::protocol::gateway_metrics {

// Bucket upper bounds, seconds. Latency ones follow the OpenTelemetry GenAI semantic
// conventions' advice for the named instrument.
// gen_ai.client.operation.duration
inline constexpr std::array<double, 14> kDurationBounds = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
// gen_ai.server.time_to_first_token
inline constexpr std::array<double, 16> kTtftBounds = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
// gen_ai.server.time_per_output_token
inline constexpr std::array<double, 13> kTpotBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                                       0.3,  0.4,   0.5,  0.75,  1.0, 2.5};
// Gateway overhead (time not spent waiting on the upstream): microseconds to tens of ms.
inline constexpr std::array<double, 12> kOverheadBounds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25};

// Family names (histograms add _bucket, _sum and _count series).
inline constexpr std::string_view kBreakerState = "llmctl_gateway_breaker_state";
inline constexpr std::string_view kBreakerTransitionsTotal =
    "llmctl_gateway_breaker_transitions_total";
inline constexpr std::string_view kConfigGeneration = "llmctl_gateway_config_generation";
inline constexpr std::string_view kConfigReloadTotal = "llmctl_gateway_config_reload_total";
inline constexpr std::string_view kCostUsdTotal = "llmctl_gateway_cost_usd_total";
inline constexpr std::string_view kDeploymentAvailable = "llmctl_gateway_deployment_available";
inline constexpr std::string_view kDeploymentHealthy = "llmctl_gateway_deployment_healthy";
inline constexpr std::string_view kDraining = "llmctl_gateway_draining";
inline constexpr std::string_view kErrorsTotal = "llmctl_gateway_errors_total";
inline constexpr std::string_view kFallbacksTotal = "llmctl_gateway_fallbacks_total";
inline constexpr std::string_view kInflightRequests = "llmctl_gateway_inflight_requests";
inline constexpr std::string_view kNoDeploymentAvailableTotal =
    "llmctl_gateway_no_deployment_available_total";
inline constexpr std::string_view kOverheadSeconds = "llmctl_gateway_overhead_seconds";
inline constexpr std::string_view kRequestDurationSeconds =
    "llmctl_gateway_request_duration_seconds";
inline constexpr std::string_view kRequestLogDroppedTotal =
    "llmctl_gateway_request_log_dropped_total";
inline constexpr std::string_view kRequestLogWriteErrorsTotal =
    "llmctl_gateway_request_log_write_errors_total";
inline constexpr std::string_view kRequestLogWrittenTotal =
    "llmctl_gateway_request_log_written_total";
inline constexpr std::string_view kRequestsTotal = "llmctl_gateway_requests_total";
inline constexpr std::string_view kRetriesTotal = "llmctl_gateway_retries_total";
inline constexpr std::string_view kRetryBudgetExhaustedTotal =
    "llmctl_gateway_retry_budget_exhausted_total";
inline constexpr std::string_view kTimePerOutputTokenSeconds =
    "llmctl_gateway_time_per_output_token_seconds";
inline constexpr std::string_view kTimeToFirstTokenSeconds =
    "llmctl_gateway_time_to_first_token_seconds";
inline constexpr std::string_view kTokensTotal = "llmctl_gateway_tokens_total";
inline constexpr std::string_view kUpstreamConnectErrorsTotal =
    "llmctl_gateway_upstream_connect_errors_total";
inline constexpr std::string_view kUpstreamConnectionReusesTotal =
    "llmctl_gateway_upstream_connection_reuses_total";
inline constexpr std::string_view kUpstreamConnectionsActive =
    "llmctl_gateway_upstream_connections_active";
inline constexpr std::string_view kUpstreamConnectionsIdle =
    "llmctl_gateway_upstream_connections_idle";
inline constexpr std::string_view kUpstreamConnectionsOpenedTotal =
    "llmctl_gateway_upstream_connections_opened_total";
inline constexpr std::string_view kUpstreamDurationSeconds =
    "llmctl_gateway_upstream_duration_seconds";
inline constexpr std::string_view kUpstreamInflightRequests =
    "llmctl_gateway_upstream_inflight_requests";
inline constexpr std::string_view kUpstreamQueueTimeoutsTotal =
    "llmctl_gateway_upstream_queue_timeouts_total";
inline constexpr std::string_view kUsageEstimatedTotal = "llmctl_gateway_usage_estimated_total";
inline constexpr std::string_view kWorkers = "llmctl_gateway_workers";

// Every family the gateway exports.
inline constexpr std::array<std::string_view, 33> kFamilies = {
    kBreakerState,
    kBreakerTransitionsTotal,
    kConfigGeneration,
    kConfigReloadTotal,
    kCostUsdTotal,
    kDeploymentAvailable,
    kDeploymentHealthy,
    kDraining,
    kErrorsTotal,
    kFallbacksTotal,
    kInflightRequests,
    kNoDeploymentAvailableTotal,
    kOverheadSeconds,
    kRequestDurationSeconds,
    kRequestLogDroppedTotal,
    kRequestLogWriteErrorsTotal,
    kRequestLogWrittenTotal,
    kRequestsTotal,
    kRetriesTotal,
    kRetryBudgetExhaustedTotal,
    kTimePerOutputTokenSeconds,
    kTimeToFirstTokenSeconds,
    kTokensTotal,
    kUpstreamConnectErrorsTotal,
    kUpstreamConnectionReusesTotal,
    kUpstreamConnectionsActive,
    kUpstreamConnectionsIdle,
    kUpstreamConnectionsOpenedTotal,
    kUpstreamDurationSeconds,
    kUpstreamInflightRequests,
    kUpstreamQueueTimeoutsTotal,
    kUsageEstimatedTotal,
    kWorkers,
};

}  // namespace llmctl::protocol::gateway_metrics
