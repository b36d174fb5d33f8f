// Private to src/gateway: the parts of a deployment that only managed platforms have and that
// come with credentials fetched at run time (kept apart from config.cpp so each part stays
// small): Vertex AI's project, location, publisher and service account, Azure OpenAI's Entra
// ID app, Bedrock's container and instance credentials. Errors throw FieldError with
// file:line:col and the field path; a key file that cannot sign is an error at load time.
#pragma once

#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/yaml_fields.h"

namespace llmctl::gateway::yaml {

// provider vertex: sets kind (kVertex for Google's models, kVertexAnthropic for Claude),
// project, location and the credentials (a service-account key -> dep.credentials, or a plain
// access token -> dep.api_key). Returns the default base URL for the location.
std::string read_vertex(Fields& d, Deployment& dep, const Environment& env);

// provider azure-openai: an `entra:` block -> dep.credentials. False when there is none (the
// deployment then needs an api-key).
bool read_entra(Fields& d, Deployment& dep, const Environment& env);

// Bedrock, after the environment and the shared credentials file found nothing: the
// ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
// AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), else EC2's IMDSv2 (unless
// AWS_EC2_METADATA_DISABLED is true; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it), the AWS
// SDKs' order. Null when both are ruled out; `why` then says so.
std::shared_ptr<cloud::TokenCache> aws_runtime_credentials(const Environment& env,
                                                           std::string& why);

}  // namespace llmctl::gateway::yaml
