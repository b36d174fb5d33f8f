// Credentials that expire and must be fetched from an endpoint: OAuth access tokens (a Google
// service account's, for Vertex AI; Microsoft Entra ID's client-credentials flow, for Azure
// OpenAI) and AWS temporary credentials (the ECS container endpoint, EC2's IMDSv2), with one
// cache for all of them.
//
// Pure: a CredentialSource describes the HTTP requests of one fetch (CredentialFetch: one
// request for OAuth, three for IMDSv2) and reads the answers; the caller (the gateway,
// gateway/credential_fetch.h) sends them. TokenCache holds the current credential, says when
// it must be refreshed (the time is passed in) and makes concurrent requests share one fetch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cloud/oauth.h"
#include "cloud/sigv4.h"
#include "common/result.h"

namespace llmctl::cloud {

struct Credential {
  std::string bearer;  // OAuth access token (Authorization: Bearer); secret
  AwsCredentials aws;  // AWS temporary credentials; secret
  std::int64_t expires_at_unix_ms = 0;
};

struct HttpCall {
  std::string method = "POST";
  std::string url;  // absolute, http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One fetch of a credential: a short conversation with its endpoint. Used by one coroutine;
// owns what it needs (it may outlive its source).
class CredentialFetch {
 public:
  virtual ~CredentialFetch() = default;
  // The first request. Errors: what could not be prepared (a key OpenSSL cannot read).
  virtual Result<HttpCall> start(std::int64_t now_unix_ms) = 0;
  // The answer to the last request -> the next request, or the credential. Errors say what
  // the endpoint answered (never a secret).
  virtual Result<std::variant<HttpCall, Credential>> next(unsigned status, std::string_view body,
                                                          std::int64_t now_unix_ms) = 0;
};

// Where a credential comes from. Immutable; shared by the workers.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::unique_ptr<CredentialFetch> begin() const = 0;
  // What errors name: "service-account key /etc/key.json (sa@p.iam.gserviceaccount.com)",
  // "Entra ID app 1234… in tenant contoso", "the EC2 instance metadata service".
  virtual const std::string& describe() const = 0;
  // How long one whole fetch may take: 10 s for OAuth endpoints; 1 s for AWS's link-local
  // endpoints (the AWS SDKs' default: off EC2, IMDS does not answer and must not stall requests).
  virtual int timeout_ms() const { return 10000; }
};

// A Google service account: an RS256 JWT assertion (iss = client_email, aud = token_uri,
// `scope`) posted to the key's token_uri (grant_type jwt-bearer) for an access token.
std::shared_ptr<const CredentialSource> google_service_account(ServiceAccountKey key,
                                                               std::string file_name,
                                                               std::string scope);

// Microsoft Entra ID's OAuth 2.0 client-credentials grant: client_id, client_secret and
// `scope` (https://cognitiveservices.azure.com/.default for Azure OpenAI) posted to
// `token_url` (https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token).
std::shared_ptr<const CredentialSource> entra_client_credentials(std::string tenant,
                                                                 std::string client_id,
                                                                 std::string client_secret,
                                                                 std::string token_url,
                                                                 std::string scope);
std::string entra_token_url(std::string_view authority_host, std::string_view tenant);

// The ECS/EKS container credential endpoint: GET `url` (with `authorization` as the
// Authorization header when given) -> {AccessKeyId, SecretAccessKey, Token, Expiration}.
std::shared_ptr<const CredentialSource> aws_container_credentials(std::string url,
                                                                  std::string authorization);
// EC2's instance metadata service, IMDSv2: PUT /latest/api/token, then the role's name and its
// credentials under /latest/meta-data/iam/security-credentials/. `endpoint`:
// http://169.254.169.254 unless AWS_EC2_METADATA_SERVICE_ENDPOINT says otherwise.
std::shared_ptr<const CredentialSource> aws_instance_metadata(std::string endpoint);

// "2026-12-04T21:10:38Z" (RFC 3339, UTC, fractional seconds allowed) -> Unix seconds.
std::optional<std::int64_t> parse_rfc3339_utc(std::string_view text);

// The current credential of one source, shared by every worker (thread-safe).
//
// A credential is used until its refresh point: expiry minus min(5 minutes, half its lifetime)
// (tokens that live an hour are refreshed 5 minutes early; a token that lives 2 s, after 1 s).
// Past that point the first request starts a fetch and every request that arrives before it
// completes waits for the same fetch. When a refresh fails while the old credential has not
// expired yet, the waiters get the old one (and the next request tries again); otherwise they
// get the error.
class TokenCache {
 public:
  using Waiter = std::function<void(const Result<Credential>&)>;
  explicit TokenCache(std::shared_ptr<const CredentialSource> source);

  const CredentialSource& source() const { return *source_; }
  // The credential when it is before its refresh point at `now_unix_ms`.
  std::optional<Credential> fresh(std::int64_t now_unix_ms) const;

  enum class Join {
    kReady,  // fresh: *out holds it, the waiter was not kept
    kWait,   // a fetch is in flight: the waiter is called when it completes
    kFetch,  // the caller must run the fetch and call complete(); the waiter is called then
  };
  Join join(std::int64_t now_unix_ms, Waiter waiter, Credential* out);
  // A fetch's result: kept when it is a credential, then every waiter is called (outside the
  // lock, on the caller's thread: waiters must only hand the result on).
  void complete(Result<Credential> result, std::int64_t now_unix_ms);

  // Fetches completed (successes and failures), for tests and metrics.
  std::uint64_t fetches() const;

 private:
  static std::int64_t refresh_point_ms(const Credential& c, std::int64_t obtained_ms);
  std::shared_ptr<const CredentialSource> source_;
  mutable std::mutex mu_;
  std::optional<Credential> current_;
  std::int64_t obtained_ms_ = 0;
  bool in_flight_ = false;
  std::vector<Waiter> waiters_;
  std::uint64_t fetches_ = 0;
};

}  // namespace llmctl::cloud
