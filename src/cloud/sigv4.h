// AWS Signature Version 4 for HTTP requests with the Authorization header (not presigned URLs),
// as the AWS SDKs sign Bedrock runtime calls: the canonical request, the string to sign and the
// derived signing key of the SigV4 reference, with non-S3 path rules (each path segment
// URI-encoded once more, no dot-segment removal beyond what the caller sent).
//
// Pure: the signing time and the credentials are passed in, so tests are exact and independent
// implementations (the AWS JavaScript SDK's @smithy/signature-v4) can check it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmctl::cloud {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;  // secret: never logged
  std::string session_token;      // temporary credentials only; sent as x-amz-security-token
  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

struct SigV4Request {
  std::string method = "POST";
  std::string path;   // as sent on the wire (already percent-encoded), e.g. /model/a%3A0/converse
  std::string query;  // without '?', as sent; may be empty
  // Headers to sign, as they will be sent (names in any case). Must include host.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;
  // Also send and sign x-amz-content-sha256 (the AWS SDKs do; SigV4's reference vectors don't).
  bool content_sha256_header = true;
};

struct SigV4Scope {
  std::string region;   // e.g. us-east-1
  std::string service;  // e.g. bedrock
};

// The headers to add to the request: x-amz-date, x-amz-security-token (with a session token),
// x-amz-content-sha256 (unless turned off) and authorization, in that order. `unix_seconds`: the
// signing time (UTC).
std::vector<std::pair<std::string, std::string>> sigv4_sign(const SigV4Request& req,
                                                            const SigV4Scope& scope,
                                                            const AwsCredentials& creds,
                                                            std::int64_t unix_seconds);

// Pieces, exposed for tests and for error messages that show what was signed.
std::string sigv4_canonical_request(const SigV4Request& req, std::string_view payload_hash);
std::string sigv4_amz_date(std::int64_t unix_seconds);  // 20150830T123600Z
std::string sha256_hex(std::string_view data);
// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~),
// upper-case hex; '/' is encoded unless keep_slash.
std::string aws_uri_encode(std::string_view s, bool keep_slash);

}  // namespace llmctl::cloud
