// OAuth 2.0 pieces the managed platforms need, as pure functions: a Google service-account key
// file, the RS256-signed JWT it turns into (RFC 7523's jwt-bearer grant, as Google's OAuth 2.0
// for Server to Server Applications describes it), x-www-form-urlencoded bodies, and the token
// endpoint's answer. The signing key and the time are passed in; OpenSSL (EVP, RSA-SHA256)
// stays inside this library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace llmctl::cloud {

// The scope every Vertex AI call needs.
inline constexpr std::string_view kGoogleCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
// Google's token endpoint, for key files without token_uri.
inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";

// RFC 4648 section 5 (URL-safe alphabet, no padding), as JWS needs.
std::string base64url(std::string_view bytes);
// application/x-www-form-urlencoded (spaces as '+', unreserved characters kept).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;     // PEM (PKCS#8); secret: never logged
  std::string private_key_id;  // the JWT's kid
  std::string token_uri;
  std::string project_id;
};
// A service-account key file ({"type": "service_account", ...}) as the Cloud console writes it.
// Errors name the file and the missing or wrong field (other credential types, e.g. the
// "authorized_user" file of `gcloud auth application-default login`, are refused by name).
Result<ServiceAccountKey> parse_service_account_key(std::string_view json_text,
                                                    std::string_view file_name);

// header.claims.signature, RS256 over base64url(header).base64url(claims) with the PEM key.
Result<std::string> sign_jwt_rs256(std::string_view header_json, std::string_view claims_json,
                                   std::string_view private_key_pem);

// The assertion a service account exchanges for an access token: iss = client_email,
// scope, aud = token_uri, iat = now, exp = now + lifetime (Google allows at most an hour).
Result<std::string> service_account_assertion(const ServiceAccountKey& key, std::string_view scope,
                                              std::int64_t now_unix_s,
                                              std::int64_t lifetime_s = 3600);

struct AccessToken {
  std::string token;  // secret: never logged
  std::int64_t expires_at_unix_s = 0;
};
// A token endpoint's answer ({"access_token", "expires_in", "token_type"}; RFC 6749 5.1), or
// its error ({"error", "error_description"}; 5.2) as a message with the HTTP status.
// expires_in missing: an hour (RFC 6749 leaves it to the server; Google and Entra send it).
Result<AccessToken> parse_token_response(unsigned status, std::string_view body,
                                         std::int64_t now_unix_s);

}  // namespace llmctl::cloud
