// The wire-protocol pieces the gateway speaks (src/protocol: error classes and bodies, usage and
// cost, SSE, Anthropic's Messages API), under the names gateway code uses unqualified. Include
// this instead of the protocol headers one by one.
#pragma once

#include "protocol/anthropic.h"
#include "protocol/errors.h"
#include "protocol/sse.h"
#include "protocol/usage.h"

namespace llmctl::gateway {

namespace anthropic = protocol::anthropic;

// errors.h
using protocol::classify_upstream_status;
using protocol::deployment_worked;
using protocol::error_class_name;
using protocol::error_status;
using protocol::ErrorClass;
using protocol::ErrorStatus;
using protocol::kErrorClassCount;
using protocol::openai_error_body;
using protocol::retryable;
using protocol::sse_error_event;
// sse.h
using protocol::SseEvent;
using protocol::SseParser;
// usage.h
using protocol::account;
using protocol::Accounting;
using protocol::chunk_is_usage_only;
using protocol::Endpoint;
using protocol::endpoint_name;
using protocol::endpoint_path;
using protocol::estimate_tokens;
using protocol::kEndpointCount;
using protocol::replace_top_level_string;
using protocol::ReportedUsage;
using protocol::request_prompt_chars;
using protocol::response_output_chars;
using protocol::token_count;
using protocol::usage_from_body;
using protocol::usage_from_json;

}  // namespace llmctl::gateway
