// OAuth pieces and the credential cache (cloud/oauth.h, cloud/credentials.h): base64url against
// RFC 4648's vectors, the service-account JWT verified with the key's public half, token
// answers and errors, each source's HTTP conversation, and the cache's refresh point, shared
// fetch and failure rules with an explicit clock. The integration tests check the JWT with an
// independent library (jose) inside a fake token endpoint.
#include "cloud/credentials.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "cloud/oauth.h"
#include "test_key.h"

namespace llmctl::cloud {
namespace {

namespace json = boost::json;

std::string base64url_decode(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = val(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

using testing::test_rsa_key;
const testing::TestKey& test_key() { return test_rsa_key(); }

bool verify_rs256(std::string_view jwt, const std::string& public_pem) {
  const std::size_t dot = jwt.rfind('.');
  const std::string_view input = jwt.substr(0, dot);
  const std::string sig = base64url_decode(jwt.substr(dot + 1));
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  BIO_free(bio);
  return ok;
}

std::string key_file_json(const std::string& type = "service_account") {
  return json::serialize(json::object{{"type", type},
                                      {"project_id", "proj-1"},
                                      {"private_key_id", "kid-1"},
                                      {"private_key", test_key().private_pem},
                                      {"client_email", "sa@proj-1.iam.gserviceaccount.com"},
                                      {"token_uri", "http://127.0.0.1:9/token"}});
}

TEST(OAuth, Base64UrlMatchesRfc4648WithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");  // the URL-safe characters
}

TEST(OAuth, FormEncoding) {
  EXPECT_EQ(form_encode({{"grant_type", "client_credentials"},
                         {"scope", "https://x/.default"},
                         {"a b", "c&d=e"}}),
            "grant_type=client_credentials&scope=https%3A%2F%2Fx%2F.default&a+b=c%26d%3De");
}

TEST(OAuth, ServiceAccountKeyFileErrorsNameTheFileAndField) {
  auto k = parse_service_account_key(key_file_json(), "/k.json");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->client_email, "sa@proj-1.iam.gserviceaccount.com");
  EXPECT_EQ(k->project_id, "proj-1");
  auto user = parse_service_account_key(key_file_json("authorized_user"), "/adc.json");
  ASSERT_FALSE(user);
  EXPECT_NE(user.error().message.find("/adc.json: type is \"authorized_user\""), std::string::npos);
  auto bad = parse_service_account_key("{nope", "/k.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/k.json: not a JSON object"), std::string::npos);
  auto no_email =
      parse_service_account_key(R"({"type":"service_account","private_key":"x"})", "/k.json");
  ASSERT_FALSE(no_email);
  EXPECT_NE(no_email.error().message.find("client_email is missing"), std::string::npos);
}

TEST(OAuth, ServiceAccountAssertionIsAVerifiableRs256Jwt) {
  auto k = parse_service_account_key(key_file_json(), "/k.json");
  ASSERT_TRUE(k);
  auto jwt = service_account_assertion(*k, kGoogleCloudPlatformScope, 1'800'000'000);
  ASSERT_TRUE(jwt) << jwt.error().message;
  EXPECT_TRUE(verify_rs256(*jwt, test_key().public_pem));
  const std::size_t d1 = jwt->find('.'), d2 = jwt->rfind('.');
  json::value header = json::parse(base64url_decode(std::string_view(*jwt).substr(0, d1)));
  json::value claims =
      json::parse(base64url_decode(std::string_view(*jwt).substr(d1 + 1, d2 - d1 - 1)));
  EXPECT_EQ(header.at("alg"), "RS256");
  EXPECT_EQ(header.at("kid"), "kid-1");
  EXPECT_EQ(claims.at("iss"), "sa@proj-1.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("aud"), "http://127.0.0.1:9/token");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(claims.at("iat").as_int64(), 1'800'000'000);
  EXPECT_EQ(claims.at("exp").as_int64(), 1'800'003'600);
  // A tampered signature does not verify (the check above can fail).
  std::string tampered = *jwt;
  tampered[d1 + 3] = tampered[d1 + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_rs256(tampered, test_key().public_pem));
}

TEST(OAuth, UnreadableKeyIsAnError) {
  auto r =
      sign_jwt_rs256("{}", "{}", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a readable PEM key"), std::string::npos);
}

TEST(OAuth, TokenResponses) {
  auto t = parse_token_response(200, R"({"access_token":"ya29.x","expires_in":3599})", 100);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token, "ya29.x");
  EXPECT_EQ(t->expires_at_unix_s, 3699);
  auto s = parse_token_response(200, R"({"access_token":"e","expires_in":"60"})", 0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expires_at_unix_s, 60);
  auto e = parse_token_response(
      400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", 0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "the token endpoint answered HTTP 400: invalid_grant: Invalid JWT Signature.");
  EXPECT_FALSE(parse_token_response(200, R"({"token_type":"Bearer"})", 0));
  EXPECT_FALSE(parse_token_response(200, R"({"access_token":"a","expires_in":0})", 0));
}

TEST(Credentials, Rfc3339) {
  EXPECT_EQ(parse_rfc3339_utc("2026-12-04T21:10:38Z"), 1796418638);
  EXPECT_EQ(parse_rfc3339_utc("2026-12-04T21:10:38.123Z"), 1796418638);
  EXPECT_FALSE(parse_rfc3339_utc("2026-12-04 21:10:38"));
  EXPECT_FALSE(parse_rfc3339_utc("2026-12-04T21:10:38+01:00"));
}

using Next = std::variant<HttpCall, Credential>;

TEST(Credentials, GoogleServiceAccountPostsAJwtBearerGrant) {
  auto k = parse_service_account_key(key_file_json(), "/k.json");
  ASSERT_TRUE(k);
  auto src = google_service_account(*k, "/k.json", std::string(kGoogleCloudPlatformScope));
  EXPECT_EQ(src->describe(), "service-account key /k.json (sa@proj-1.iam.gserviceaccount.com)");
  auto f = src->begin();
  auto call = f->start(1'000'000);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->method, "POST");
  EXPECT_EQ(call->url, "http://127.0.0.1:9/token");
  EXPECT_EQ(call->body.rfind("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                             "&assertion=",
                             0),
            0u);
  auto done = f->next(200, R"({"access_token":"tok","expires_in":3600})", 1'000'500);
  ASSERT_TRUE(done);
  const auto& c = std::get<Credential>(*done);
  EXPECT_EQ(c.bearer, "tok");
  EXPECT_EQ(c.expires_at_unix_ms, 4'600'500);  // to the millisecond
}

TEST(Credentials, EntraClientCredentials) {
  auto src = entra_client_credentials("contoso", "app-1", "s3cret",
                                      entra_token_url("https://login.example/", "contoso"),
                                      "https://cognitiveservices.azure.com/.default");
  auto f = src->begin();
  auto call = f->start(0);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->url, "https://login.example/contoso/oauth2/v2.0/token");
  EXPECT_EQ(call->body,
            "grant_type=client_credentials&client_id=app-1&client_secret=s3cret&scope=https%3A%"
            "2F%2Fcognitiveservices.azure.com%2F.default");
  EXPECT_EQ(src->describe().find("s3cret"), std::string::npos);
  auto err = f->next(401, R"({"error":"invalid_client","error_description":"AADSTS7000215"})", 0);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("invalid_client"), std::string::npos);
}

TEST(Credentials, ContainerEndpoint) {
  auto src = aws_container_credentials("http://169.254.170.2/v2/credentials/x", "Bearer abc");
  auto f = src->begin();
  auto call = f->start(0);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->method, "GET");
  EXPECT_EQ(call->headers.back(),
            (std::pair<std::string, std::string>{"Authorization", "Bearer abc"}));
  auto done = f->next(200,
                      R"({"AccessKeyId":"ASIA1","SecretAccessKey":"sk","Token":"st",)"
                      R"("Expiration":"2026-12-04T21:10:38Z"})",
                      0);
  ASSERT_TRUE(done);
  const auto& c = std::get<Credential>(*done);
  EXPECT_EQ(c.aws.access_key_id, "ASIA1");
  EXPECT_EQ(c.aws.session_token, "st");
  EXPECT_EQ(c.expires_at_unix_ms, 1796418638000);
  EXPECT_FALSE(aws_container_credentials("u", "")->begin()->next(403, "denied", 0));
}

TEST(Credentials, InstanceMetadataV2TakesThreeRequests) {
  auto f = aws_instance_metadata("http://127.0.0.1:1/")->begin();
  auto put = f->start(0);
  ASSERT_TRUE(put);
  EXPECT_EQ(put->method, "PUT");
  EXPECT_EQ(put->url, "http://127.0.0.1:1/latest/api/token");
  EXPECT_EQ(put->headers[0].first, "X-aws-ec2-metadata-token-ttl-seconds");
  auto list = f->next(200, "session-tok", 0);
  ASSERT_TRUE(list);
  const auto& l = std::get<HttpCall>(*list);
  EXPECT_EQ(l.url, "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(l.headers[0],
            (std::pair<std::string, std::string>{"X-aws-ec2-metadata-token", "session-tok"}));
  auto role = f->next(200, "my-role\n", 0);
  ASSERT_TRUE(role);
  EXPECT_EQ(std::get<HttpCall>(*role).url,
            "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/my-role");
  auto done = f->next(200,
                      R"({"Code":"Success","AccessKeyId":"ASIA2","SecretAccessKey":"k",)"
                      R"("Token":"t","Expiration":"2026-12-04T22:00:00Z"})",
                      0);
  ASSERT_TRUE(done);
  EXPECT_EQ(std::get<Credential>(*done).aws.access_key_id, "ASIA2");
  auto no_role = aws_instance_metadata("http://x")->begin();
  ASSERT_TRUE(no_role->start(0));
  ASSERT_TRUE(no_role->next(200, "tok", 0));
  auto r = no_role->next(404, "", 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no instance role"), std::string::npos);
}

class NoSource final : public CredentialSource {
 public:
  std::unique_ptr<CredentialFetch> begin() const override { return nullptr; }
  const std::string& describe() const override { return name_; }

 private:
  std::string name_ = "test source";
};

Credential token(std::string v, std::int64_t expires_at_s) {
  Credential c;
  c.bearer = std::move(v);
  c.expires_at_unix_ms = expires_at_s * 1000;
  return c;
}

TEST(TokenCache, ConcurrentRequestsShareOneFetch) {
  TokenCache cache(std::make_shared<NoSource>());
  std::vector<std::string> got;
  auto waiter = [&](const Result<Credential>& r) { got.push_back(r ? r->bearer : "error"); };
  Credential out;
  EXPECT_EQ(cache.join(1'000'000, waiter, &out), TokenCache::Join::kFetch);
  EXPECT_EQ(cache.join(1'000'001, waiter, &out), TokenCache::Join::kWait);
  EXPECT_EQ(cache.join(1'000'002, waiter, &out), TokenCache::Join::kWait);
  EXPECT_TRUE(got.empty());
  cache.complete(token("t1", 1000 + 3600), 1'000'010);
  EXPECT_EQ(got, (std::vector<std::string>{"t1", "t1", "t1"}));
  EXPECT_EQ(cache.fetches(), 1u);
  EXPECT_EQ(cache.join(1'000'020, waiter, &out), TokenCache::Join::kReady);
  EXPECT_EQ(out.bearer, "t1");
  EXPECT_EQ(got.size(), 3u);  // a ready join does not call the waiter
}

TEST(TokenCache, RefreshPointIsFiveMinutesOrHalfTheLifetime) {
  TokenCache cache(std::make_shared<NoSource>());
  Credential out;
  auto ignore = [](const Result<Credential>&) {};
  ASSERT_EQ(cache.join(0, ignore, &out), TokenCache::Join::kFetch);
  cache.complete(token("hour", 3600), 0);
  EXPECT_TRUE(cache.fresh(3300 * 1000 - 1));
  EXPECT_FALSE(cache.fresh(3300 * 1000));  // 5 minutes before expiry
  ASSERT_EQ(cache.join(3300 * 1000, ignore, &out), TokenCache::Join::kFetch);
  cache.complete(token("short", 3302), 3300 * 1000);  // lives 2 s: refreshed after 1 s
  EXPECT_TRUE(cache.fresh(3300 * 1000 + 999));
  EXPECT_FALSE(cache.fresh(3301 * 1000));
}

TEST(TokenCache, FailedRefreshServesTheOldTokenUntilItExpires) {
  TokenCache cache(std::make_shared<NoSource>());
  Credential out;
  std::string last;
  auto waiter = [&](const Result<Credential>& r) { last = r ? r->bearer : r.error().message; };
  ASSERT_EQ(cache.join(0, waiter, &out), TokenCache::Join::kFetch);
  cache.complete(token("old", 100), 0);
  // Inside the margin, the refresh fails: the old token (valid until 100 s) is served.
  ASSERT_EQ(cache.join(60'000, waiter, &out), TokenCache::Join::kFetch);
  cache.complete(Error{"endpoint down"}, 60'001);
  EXPECT_EQ(last, "old");
  // The next request tries again; after expiry the failure is the answer.
  ASSERT_EQ(cache.join(100'000, waiter, &out), TokenCache::Join::kFetch);
  cache.complete(Error{"endpoint down"}, 100'001);
  EXPECT_EQ(last, "endpoint down");
  EXPECT_EQ(cache.fetches(), 3u);
}

}  // namespace
}  // namespace llmctl::cloud
