// Where the gateway finds AWS credentials for a Bedrock deployment, in the AWS SDKs' order for
// the sources it supports: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN), then the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// $HOME/.aws/credentials) for the profile (AWS_PROFILE, else "default"). Read once when the
// config is loaded; a config reload reads them again.
//
// Pure: the environment and the file system come in as functions, so tests are hermetic.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/sigv4.h"
#include "common/result.h"

namespace llmctl::cloud {

using EnvGetter = std::function<std::optional<std::string>(const std::string& name)>;
using FileReader = std::function<Result<std::string>(const std::string& path)>;

struct ResolvedAwsCredentials {
  AwsCredentials credentials;
  std::string source;  // "environment" or "<file> [profile]", for messages (never the secret)
};

// The [profile] section of a shared credentials file (INI: `key = value`, `#`/`;` comments).
// Errors name the file, the line and what is missing.
Result<AwsCredentials> parse_aws_credentials_file(std::string_view text, std::string_view profile,
                                                  std::string_view file_name);

// `profile`: the deployment's aws_profile, empty for AWS_PROFILE / "default". Errors say
// which sources were tried.
Result<ResolvedAwsCredentials> resolve_aws_credentials(const EnvGetter& env,
                                                       const FileReader& read_file,
                                                       std::string_view profile);

}  // namespace llmctl::cloud
