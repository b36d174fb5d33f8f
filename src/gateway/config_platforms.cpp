#include "gateway/config_platforms.h"

#include <fmt/format.h>

#include <cctype>

#include "cloud/oauth.h"
#include "common/strings.h"

namespace llmctl::gateway::yaml {

namespace {

std::string env_value(const Environment& env, const std::string& name) {
  auto v = env.get(name);
  return v ? trim(*v) : std::string();
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

// A field, else an environment variable; empty when neither.
std::string field_or_env(Fields& d, const std::string& key, const std::string& var,
                         const Environment& env) {
  if (d.get(key).IsDefined()) return trim(d.str(key));
  return env_value(env, var);
}

}  // namespace

std::string read_vertex(Fields& d, Deployment& dep, const Environment& env) {
  const std::string model = d.str("model", "");
  const bool claude = model.rfind("claude", 0) == 0;
  const std::string publisher =
      d.one_of("publisher", {"google", "anthropic"}, claude ? "anthropic" : "google");
  dep.kind = publisher == "anthropic" ? ProviderKind::kVertexAnthropic : ProviderKind::kVertex;

  // Credentials first: a key file also names its project.
  YAML::Node token_env = d.get("access_token_env");
  YAML::Node key_file = d.get("credentials_file");
  if (token_env.IsDefined() && key_file.IsDefined())
    d.fail(key_file, "credentials_file", "give credentials_file or access_token_env, not both");
  std::string key_project;
  if (token_env.IsDefined()) {
    const std::string name = d.str("access_token_env");
    dep.api_key = env_value(env, name);
    if (dep.api_key.empty())
      d.fail(token_env, "access_token_env",
             fmt::format("environment variable {} is not set (e.g. export {}=$(gcloud auth "
                         "print-access-token))",
                         name, name));
  } else {
    std::string path = key_file.IsDefined() ? d.str("credentials_file") : std::string();
    if (path.empty()) path = env_value(env, "GOOGLE_APPLICATION_CREDENTIALS");
    if (path.empty())
      d.fail(d.node(), "credentials_file",
             "provider vertex needs credentials: credentials_file (a service-account key), "
             "GOOGLE_APPLICATION_CREDENTIALS, or access_token_env");
    YAML::Node where = key_file.IsDefined() ? key_file : d.node();
    auto text = env.read_file(path);
    if (!text) d.fail(where, "credentials_file", text.error().message);
    auto key = cloud::parse_service_account_key(*text, path);
    if (!key) d.fail(where, "credentials_file", key.error().message);
    // Sign once now: a key OpenSSL cannot use is a load error, not a failure per request.
    if (auto probe = cloud::service_account_assertion(*key, cloud::kGoogleCloudPlatformScope, 0);
        !probe)
      d.fail(where, "credentials_file", fmt::format("{}: {}", path, probe.error().message));
    key_project = key->project_id;
    dep.credentials = std::make_shared<cloud::TokenCache>(cloud::google_service_account(
        std::move(*key), path, std::string(cloud::kGoogleCloudPlatformScope)));
  }

  dep.project = field_or_env(d, "project", "GOOGLE_CLOUD_PROJECT", env);
  if (dep.project.empty()) dep.project = key_project;
  if (dep.project.empty())
    d.fail(d.node(), "project",
           "provider vertex needs a project: set project: or GOOGLE_CLOUD_PROJECT");
  if (!is_name(dep.project))
    d.fail(d.get("project"), "project",
           fmt::format("\"{}\" is not a Google Cloud project id", dep.project));
  dep.location = field_or_env(d, "location", "GOOGLE_CLOUD_LOCATION", env);
  if (dep.location.empty()) dep.location = "us-central1";
  if (!is_name(dep.location))
    d.fail(d.get("location"), "location",
           fmt::format("\"{}\" is not a Vertex AI location (us-central1, europe-west4, global, "
                       "...)",
                       dep.location));
  return dep.location == "global"
             ? std::string("https://aiplatform.googleapis.com/v1")
             : fmt::format("https://{}-aiplatform.googleapis.com/v1", dep.location);
}

bool read_entra(Fields& d, Deployment& dep, const Environment& env) {
  auto e = d.map("entra");
  if (!e) return false;
  const std::string tenant = field_or_env(*e, "tenant_id", "AZURE_TENANT_ID", env);
  if (!is_name(tenant))
    e->fail(e->node(), "tenant_id",
            tenant.empty() ? "is required (or AZURE_TENANT_ID)"
                           : fmt::format("\"{}\" is not a tenant id or domain", tenant));
  const std::string client = field_or_env(*e, "client_id", "AZURE_CLIENT_ID", env);
  if (client.empty()) e->fail(e->node(), "client_id", "is required (or AZURE_CLIENT_ID)");
  const std::string secret_var = e->str("client_secret_env", "AZURE_CLIENT_SECRET");
  const std::string secret = env_value(env, secret_var);
  if (secret.empty())
    e->fail(e->get("client_secret_env").IsDefined() ? e->get("client_secret_env") : e->node(),
            "client_secret_env", fmt::format("environment variable {} is not set", secret_var));
  std::string authority = field_or_env(*e, "authority_host", "AZURE_AUTHORITY_HOST", env);
  if (authority.empty()) authority = "https://login.microsoftonline.com";
  const std::string url = cloud::entra_token_url(authority, tenant);
  if (auto u = parse_url(url); !u)
    e->fail(e->get("authority_host"), "authority_host", u.error().message);
  const std::string scope = e->str("scope", "https://cognitiveservices.azure.com/.default");
  e->finish();
  dep.credentials = std::make_shared<cloud::TokenCache>(
      cloud::entra_client_credentials(tenant, client, secret, url, scope));
  return true;
}

std::shared_ptr<cloud::TokenCache> aws_runtime_credentials(const Environment& env,
                                                           std::string& why) {
  const std::string relative = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::string full = env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative.empty() || !full.empty()) {
    // The relative form is under the ECS agent's fixed address.
    std::string url = !relative.empty() ? "http://169.254.170.2" + relative : full;
    std::string auth = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (const std::string file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        !file.empty()) {
      // EKS Pod Identity rotates this file: read once here; a reload reads it again.
      auto text = env.read_file(file);
      if (!text) {
        why = fmt::format("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: {}", text.error().message);
        return nullptr;
      }
      auth = trim(*text);
    }
    if (auto u = parse_url(url.substr(0, url.find('/', url.find("://") + 3))); !u) {
      why = fmt::format("the container credential URI {}: {}", url, u.error().message);
      return nullptr;
    }
    return std::make_shared<cloud::TokenCache>(
        cloud::aws_container_credentials(std::move(url), std::move(auth)));
  }
  std::string disabled = env_value(env, "AWS_EC2_METADATA_DISABLED");
  for (char& c : disabled) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (disabled == "true") {
    why = "AWS_EC2_METADATA_DISABLED is true, so the instance metadata service is not asked";
    return nullptr;
  }
  std::string endpoint = env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) endpoint = "http://169.254.169.254";
  if (auto u = parse_url(endpoint); !u) {
    why = fmt::format("AWS_EC2_METADATA_SERVICE_ENDPOINT: {}", u.error().message);
    return nullptr;
  }
  return std::make_shared<cloud::TokenCache>(cloud::aws_instance_metadata(endpoint));
}

}  // namespace llmctl::gateway::yaml
