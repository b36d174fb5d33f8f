// SigV4 against two independent references: AWS's published test vector (get-vanilla, from the
// SigV4 test suite in the AWS General Reference) and a signature computed by the AWS JavaScript
// SDK's signer (@smithy/signature-v4 5.7.5 with @aws-crypto/sha256-js) for a Bedrock request
// with a session token. The integration test bedrock_gateway checks live requests the same way.
#include "cloud/sigv4.h"

#include <gtest/gtest.h>

#include <map>

#include "cloud/aws_credentials.h"

namespace llmctl::cloud {
namespace {

const AwsCredentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::int64_t k20150830T123600Z = 1440938160;

std::string header(const std::vector<std::pair<std::string, std::string>>& h,
                   std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return "";
}

TEST(SigV4, GetVanillaVectorOfTheAwsSuite) {
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  r.content_sha256_header = false;
  auto h = sigv4_sign(r, {"us-east-1", "service"}, kExample, k20150830T123600Z);
  EXPECT_EQ(header(h, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(header(h, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, BedrockRequestMatchesTheAwsJavaScriptSigner) {
  const std::string body = R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}]})";
  SigV4Request r;
  r.path = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse";
  r.headers = {{"host", "bedrock-runtime.us-west-2.amazonaws.com"},
               {"content-type", "application/json"}};
  r.payload = body;
  AwsCredentials c = kExample;
  c.session_token = "FwoGZXIvYXdzEXAMPLE";
  // 2026-12-04T18:00:00Z
  auto h = sigv4_sign(r, {"us-west-2", "bedrock"}, c, 1796407200);
  EXPECT_EQ(header(h, "x-amz-security-token"), "FwoGZXIvYXdzEXAMPLE");
  EXPECT_EQ(header(h, "x-amz-content-sha256"), sha256_hex(body));
  EXPECT_EQ(header(h, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/us-west-2/bedrock/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-"
            "token, Signature=785d1aa32984888c896774b57ed68dc8f08b7084a89fa560b6ffd440081183aa");
}

TEST(SigV4, CanonicalRequestEncodesThePathAgainAndSortsQueryAndHeaders) {
  SigV4Request r;
  r.path = "/model/a%3A0/converse";
  r.query = "b=2&a=x%20y&a=1";
  r.headers = {{"X-Custom", "  two   spaces  "}, {"Host", "h"}};
  EXPECT_EQ(sigv4_canonical_request(r, "HASH"),
            "POST\n/model/a%253A0/converse\na=1&a=x%20y&b=2\nhost:h\nx-custom:two spaces\n\n"
            "host;x-custom\nHASH");
}

TEST(AwsCredentials, EnvironmentFirstThenTheSharedFileProfile) {
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "AKENV"},
                                         {"AWS_SECRET_ACCESS_KEY", "secret"},
                                         {"AWS_SESSION_TOKEN", "tok"},
                                         {"HOME", "/home/u"}};
  std::map<std::string, std::string> files{
      {"/home/u/.aws/credentials",
       "# comment\n[default]\naws_access_key_id = AKDEF\naws_secret_access_key=sdef\n\n"
       "[prod]\naws_access_key_id=AKPROD\naws_secret_access_key = sprod\n"
       "aws_session_token = tprod\n"}};
  EnvGetter get = [&](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  FileReader read = [&](const std::string& p) -> Result<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return Error{p + ": No such file or directory"};
    return it->second;
  };
  auto r = resolve_aws_credentials(get, read, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKENV");
  EXPECT_EQ(r->credentials.session_token, "tok");
  EXPECT_EQ(r->source, "environment");

  // A named profile skips the environment.
  r = resolve_aws_credentials(get, read, "prod");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKPROD");
  EXPECT_EQ(r->credentials.session_token, "tprod");
  EXPECT_EQ(r->source, "/home/u/.aws/credentials [prod]");

  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  r = resolve_aws_credentials(get, read, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKDEF");
  EXPECT_EQ(r->credentials.secret_access_key, "sdef");

  r = resolve_aws_credentials(get, read, "staging");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "/home/u/.aws/credentials: no [staging] profile");

  env["AWS_ACCESS_KEY_ID"] = "AKONLY";
  r = resolve_aws_credentials(get, read, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("but AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
}

TEST(AwsCredentials, FileErrorsNameTheLine) {
  auto r = parse_aws_credentials_file("[default]\naws_access_key_id = A\n", "default", "creds");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("creds:1: profile [default] needs"), std::string::npos);
  r = parse_aws_credentials_file("[default\n", "default", "creds");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "creds:1: expected [profile-name], found [default");
  r = parse_aws_credentials_file("[default]\njunk\n", "default", "creds");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "creds:2: expected key = value, found junk");
}

}  // namespace
}  // namespace llmctl::cloud
