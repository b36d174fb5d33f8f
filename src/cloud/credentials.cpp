#include "cloud/credentials.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ctime>

#include "common/calendar.h"

namespace llmctl::cloud {

namespace json = boost::json;

namespace {

using Next = Result<std::variant<HttpCall, Credential>>;

std::string_view str_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

std::string excerpt(std::string_view body) {
  std::string s(body.substr(0, 200));
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// OAuth: one POST of a form, the answer is the token.
class OAuthFetch final : public CredentialFetch {
 public:
  using MakeBody = std::function<Result<std::string>(std::int64_t now_unix_s)>;
  OAuthFetch(std::string url, MakeBody make_body)
      : url_(std::move(url)), make_body_(std::move(make_body)) {}
  Result<HttpCall> start(std::int64_t now_ms) override {
    auto body = make_body_(now_ms / 1000);
    if (!body) return body.error();
    HttpCall c;
    c.url = url_;
    c.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
    c.body = std::move(*body);
    return c;
  }
  Next next(unsigned status, std::string_view body, std::int64_t now_ms) override {
    auto t = parse_token_response(status, body, 0);  // expires_at = expires_in
    if (!t) return t.error();
    Credential c;
    c.bearer = std::move(t->token);
    c.expires_at_unix_ms = now_ms + t->expires_at_unix_s * 1000;
    return Next(std::variant<HttpCall, Credential>(std::move(c)));
  }

 private:
  std::string url_;
  MakeBody make_body_;
};

class GoogleServiceAccount final : public CredentialSource {
 public:
  GoogleServiceAccount(ServiceAccountKey key, std::string file, std::string scope)
      : key_(std::move(key)),
        scope_(std::move(scope)),
        describe_(fmt::format("service-account key {} ({})", file, key_.client_email)) {}
  std::unique_ptr<CredentialFetch> begin() const override {
    // The fetch owns copies: it may outlive this source (a config reload).
    return std::make_unique<OAuthFetch>(
        key_.token_uri, [key = key_, scope = scope_](std::int64_t now) {
          auto jwt = service_account_assertion(key, scope, now);
          if (!jwt) return Result<std::string>(jwt.error());
          return Result<std::string>(
              form_encode({{"grant_type", std::string(kJwtBearerGrant)}, {"assertion", *jwt}}));
        });
  }
  const std::string& describe() const override { return describe_; }

 private:
  ServiceAccountKey key_;
  std::string scope_, describe_;
};

class EntraClientCredentials final : public CredentialSource {
 public:
  EntraClientCredentials(std::string tenant, std::string client_id, std::string secret,
                         std::string url, std::string scope)
      : client_id_(std::move(client_id)),
        secret_(std::move(secret)),
        url_(std::move(url)),
        scope_(std::move(scope)),
        describe_(fmt::format("Entra ID app {} in tenant {}", client_id_, tenant)) {}
  std::unique_ptr<CredentialFetch> begin() const override {
    return std::make_unique<OAuthFetch>(url_,
                                        [body = form_encode({{"grant_type", "client_credentials"},
                                                             {"client_id", client_id_},
                                                             {"client_secret", secret_},
                                                             {"scope", scope_}})](std::int64_t) {
                                          return Result<std::string>(body);
                                        });
  }
  const std::string& describe() const override { return describe_; }

 private:
  std::string client_id_, secret_, url_, scope_, describe_;
};

// {AccessKeyId, SecretAccessKey, Token, Expiration}: the shape of both AWS endpoints.
// Errors say what the endpoint answered; the caller names the endpoint.
Next aws_credential_json(unsigned status, std::string_view body) {
  if (status != 200) return Error{fmt::format("answered HTTP {}: {}", status, excerpt(body))};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Error{"answered something that is not a JSON object"};
  const json::object& o = v.as_object();
  if (auto code = str_field(o, "Code"); !code.empty() && code != "Success")
    return Error{fmt::format("answered Code {}: {}", code, str_field(o, "Message"))};
  Credential c;
  c.aws.access_key_id = str_field(o, "AccessKeyId");
  c.aws.secret_access_key = str_field(o, "SecretAccessKey");
  c.aws.session_token = str_field(o, "Token");
  if (c.aws.empty()) return Error{"answered no AccessKeyId/SecretAccessKey"};
  auto exp = parse_rfc3339_utc(str_field(o, "Expiration"));
  if (!exp)
    return Error{
        fmt::format("answered Expiration \"{}\", expected RFC 3339", str_field(o, "Expiration"))};
  c.expires_at_unix_ms = *exp * 1000;
  return Next(std::variant<HttpCall, Credential>(std::move(c)));
}

class ContainerFetch final : public CredentialFetch {
 public:
  ContainerFetch(std::string url, std::string auth)
      : url_(std::move(url)), auth_(std::move(auth)) {}
  Result<HttpCall> start(std::int64_t) override {
    HttpCall c;
    c.method = "GET";
    c.url = url_;
    c.headers = {{"Accept", "application/json"}};
    if (!auth_.empty()) c.headers.emplace_back("Authorization", auth_);
    return c;
  }
  Next next(unsigned status, std::string_view body, std::int64_t) override {
    return aws_credential_json(status, body);
  }

 private:
  std::string url_, auth_;
};

class AwsContainer final : public CredentialSource {
 public:
  AwsContainer(std::string url, std::string auth)
      : url_(std::move(url)),
        auth_(std::move(auth)),
        describe_(fmt::format("the container credential endpoint {}", url_)) {}
  std::unique_ptr<CredentialFetch> begin() const override {
    return std::make_unique<ContainerFetch>(url_, auth_);
  }
  const std::string& describe() const override { return describe_; }
  int timeout_ms() const override { return 1000; }

 private:
  std::string url_, auth_, describe_;
};

class ImdsFetch final : public CredentialFetch {
 public:
  explicit ImdsFetch(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  Result<HttpCall> start(std::int64_t) override {
    HttpCall c;
    c.method = "PUT";
    c.url = endpoint_ + "/latest/api/token";
    c.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    return c;
  }
  Next next(unsigned status, std::string_view body, std::int64_t) override {
    ++step_;
    if (step_ == 1) {  // the session token
      if (status != 200 || body.empty())
        return Error{fmt::format("the IMDSv2 token request answered HTTP {}", status)};
      token_ = std::string(body);
      return Next(std::variant<HttpCall, Credential>(get("")));
    }
    if (step_ == 2) {  // the role's name: the first line
      if (status != 200)
        return Error{fmt::format("no instance role (HTTP {} for the role list)", status)};
      std::string role(body.substr(0, body.find('\n')));
      while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
      if (role.empty()) return Error{"the instance has no IAM role"};
      return Next(std::variant<HttpCall, Credential>(get(role)));
    }
    return aws_credential_json(status, body);
  }

 private:
  HttpCall get(const std::string& role) const {
    HttpCall c;
    c.method = "GET";
    c.url = endpoint_ + "/latest/meta-data/iam/security-credentials/" + role;
    c.headers = {{"X-aws-ec2-metadata-token", token_}};
    return c;
  }
  std::string endpoint_;
  int step_ = 0;
  std::string token_;
};

class AwsInstanceMetadata final : public CredentialSource {
 public:
  explicit AwsInstanceMetadata(std::string endpoint)
      : endpoint_(std::move(endpoint)),
        describe_(fmt::format("the EC2 instance metadata service {}", endpoint_)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }
  std::unique_ptr<CredentialFetch> begin() const override {
    return std::make_unique<ImdsFetch>(endpoint_);
  }
  const std::string& describe() const override { return describe_; }
  int timeout_ms() const override { return 1000; }

 private:
  std::string endpoint_, describe_;
};

}  // namespace

std::shared_ptr<const CredentialSource> google_service_account(ServiceAccountKey key,
                                                               std::string file_name,
                                                               std::string scope) {
  return std::make_shared<GoogleServiceAccount>(std::move(key), std::move(file_name),
                                                std::move(scope));
}

std::shared_ptr<const CredentialSource> entra_client_credentials(std::string tenant,
                                                                 std::string client_id,
                                                                 std::string client_secret,
                                                                 std::string token_url,
                                                                 std::string scope) {
  return std::make_shared<EntraClientCredentials>(std::move(tenant), std::move(client_id),
                                                  std::move(client_secret), std::move(token_url),
                                                  std::move(scope));
}

std::string entra_token_url(std::string_view authority_host, std::string_view tenant) {
  std::string host(authority_host);
  while (!host.empty() && host.back() == '/') host.pop_back();
  return fmt::format("{}/{}/oauth2/v2.0/token", host, tenant);
}

std::shared_ptr<const CredentialSource> aws_container_credentials(std::string url,
                                                                  std::string authorization) {
  return std::make_shared<AwsContainer>(std::move(url), std::move(authorization));
}

std::shared_ptr<const CredentialSource> aws_instance_metadata(std::string endpoint) {
  return std::make_shared<AwsInstanceMetadata>(std::move(endpoint));
}

std::optional<std::int64_t> parse_rfc3339_utc(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  double seconds = 0;
  const std::size_t n = parse_datetime_prefix(s, seconds);
  if (n == 0 || (s[10] != 'T' && s[10] != 't') || n + 1 != s.size() || (s[n] != 'Z' && s[n] != 'z'))
    return std::nullopt;
  return static_cast<std::int64_t>(std::floor(seconds));
}

// ---- cache ----

TokenCache::TokenCache(std::shared_ptr<const CredentialSource> source)
    : source_(std::move(source)) {}

std::int64_t TokenCache::refresh_point_ms(const Credential& c, std::int64_t obtained_ms) {
  const std::int64_t expires_ms = c.expires_at_unix_ms;
  const std::int64_t lifetime_ms = std::max<std::int64_t>(0, expires_ms - obtained_ms);
  return expires_ms - std::min<std::int64_t>(300000, lifetime_ms / 2);
}

std::optional<Credential> TokenCache::fresh(std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  if (current_ && now_ms < refresh_point_ms(*current_, obtained_ms_)) return current_;
  return std::nullopt;
}

TokenCache::Join TokenCache::join(std::int64_t now_ms, Waiter waiter, Credential* out) {
  std::lock_guard lock(mu_);
  if (current_ && now_ms < refresh_point_ms(*current_, obtained_ms_)) {
    *out = *current_;
    return Join::kReady;
  }
  waiters_.push_back(std::move(waiter));
  if (in_flight_) return Join::kWait;
  in_flight_ = true;
  return Join::kFetch;
}

void TokenCache::complete(Result<Credential> result, std::int64_t now_ms) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mu_);
    in_flight_ = false;
    ++fetches_;
    waiters.swap(waiters_);
    if (result) {
      current_ = *result;
      obtained_ms_ = now_ms;
    } else if (current_ && now_ms < current_->expires_at_unix_ms) {
      result = *current_;  // still valid: serve it, the next request retries the refresh
    }
  }
  for (auto& w : waiters) w(result);
}

std::uint64_t TokenCache::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace llmctl::cloud
