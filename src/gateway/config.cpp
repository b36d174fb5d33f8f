#include "gateway/config.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "cloud/aws_credentials.h"
#include "common/strings.h"
#include "gateway/config_governance.h"
#include "gateway/config_platforms.h"
#include "gateway/config_resilience.h"
#include "gateway/config_telemetry.h"
#include "gateway/routing.h"
#include "gateway/yaml_fields.h"
#include "mock/mock_fields.h"

namespace llmctl::gateway {

namespace {

class ProcessEnvironment : public Environment {
 public:
  std::optional<std::string> get(const std::string& name) const override {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  }
  Result<std::string> read_file(const std::string& path) const override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot read", path)};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

using yaml::FieldError;
using yaml::Fields;

void parse_listen(Fields& f, Config& c) {
  YAML::Node n = f.get("listen");
  if (!n.IsDefined()) return;
  if (n.IsMap()) {
    Fields l(f.file(), n, f.path("listen"));
    c.host = l.str("host", c.host);
    c.port = static_cast<int>(l.integer("port", c.port, 0, 65535));
    l.finish();
    return;
  }
  if (!n.IsScalar()) f.fail(n, "listen", "expected \"HOST:PORT\" or a map with host and port");
  std::string s = n.Scalar();
  std::size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size())
    f.fail(n, "listen", fmt::format("expected \"HOST:PORT\", found \"{}\"", s));
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535 || host.empty())
    f.fail(n, "listen",
           fmt::format("expected \"HOST:PORT\" with a port 0..65535, found \"{}\"", s));
  c.host = host;
  c.port = port;
}

void parse_logging(Fields& f, Config& c) {
  YAML::Node n = f.get("logging");
  if (!n.IsDefined()) return;
  Fields l(f.file(), n, "logging");
  c.access_log = l.boolean("access_log", c.access_log);
  YAML::Node rn = l.get("request_log");
  if (rn.IsDefined()) {
    Fields r(f.file(), rn, "logging.request_log");
    RequestLogConfig& rl = c.request_log;
    rl.path = r.str("path", rl.path);
    rl.queue_capacity = static_cast<std::size_t>(
        r.integer("queue_capacity", static_cast<long long>(rl.queue_capacity), 16, 1 << 24));
    rl.batch_size = static_cast<int>(r.integer("batch_size", rl.batch_size, 1, 100000));
    rl.flush_interval_ms =
        static_cast<int>(r.integer("flush_interval_ms", rl.flush_interval_ms, 1, 60000));
    rl.retention_days = static_cast<int>(r.integer("retention_days", rl.retention_days, 0, 36500));
    rl.max_rows = r.integer("max_rows", rl.max_rows, 0);
    r.finish();
  }
  l.finish();
}

ProviderKind parse_kind(Fields& d) {
  YAML::Node n = d.get("provider", true);
  std::string v = n.IsScalar() ? n.Scalar() : "";
  if (v == "openai") return ProviderKind::kOpenAI;
  if (v == "openai-compatible") return ProviderKind::kOpenAICompatible;
  if (v == "simulated") return ProviderKind::kSimulated;
  if (v == "anthropic") return ProviderKind::kAnthropic;
  if (v == "azure-openai") return ProviderKind::kAzureOpenAI;
  if (v == "bedrock") return ProviderKind::kBedrock;
  if (v == "gemini") return ProviderKind::kGemini;
  if (v == "vertex") return ProviderKind::kVertex;  // read_vertex picks the publisher's kind
  d.fail(n, "provider",
         fmt::format("expected one of openai, openai-compatible, anthropic, azure-openai, "
                     "bedrock, gemini, vertex, simulated, found {}",
                     yaml::describe(n)));
}

// Bedrock: the region (for the endpoint and the signature) and the AWS credentials.
void read_bedrock(Fields& d, Deployment& dep, const Environment& env) {
  YAML::Node rn = d.get("region");
  if (rn.IsDefined()) {
    dep.region = trim(d.str("region"));
  } else {
    for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
      if (auto v = env.get(name); v && !trim(*v).empty()) {
        dep.region = trim(*v);
        break;
      }
  }
  if (dep.region.empty())
    d.fail(rn.IsDefined() ? rn : d.node(), "region",
           "provider bedrock needs a region: set region: or AWS_REGION");
  for (char c : dep.region)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      d.fail(rn, "region", fmt::format("\"{}\" is not an AWS region name", dep.region));
  std::string profile = d.str("aws_profile", "");
  auto creds = cloud::resolve_aws_credentials(
      [&](const std::string& name) { return env.get(name); },
      [&](const std::string& path) { return env.read_file(path); }, profile);
  YAML::Node pn = d.get("aws_profile");
  const auto env_profile = env.get("AWS_PROFILE");
  const bool named_profile = pn.IsDefined() || (env_profile && !trim(*env_profile).empty());
  if (!creds && !named_profile) {
    // The SDKs' chain goes on: the container endpoint, then the instance metadata service.
    std::string why;
    dep.credentials = yaml::aws_runtime_credentials(env, why);
    if (dep.credentials) {
      dep.aws_source = dep.credentials->source().describe();
      return;
    }
    d.fail(d.node(), "aws_profile", fmt::format("{}; {}", creds.error().message, why));
  }
  if (!creds) d.fail(pn.IsDefined() ? pn : d.node(), "aws_profile", creds.error().message);
  dep.aws = std::move(creds->credentials);
  dep.aws_source = std::move(creds->source);
}

// Azure OpenAI: the api-version every request carries.
void read_azure(Fields& d, Deployment& dep) {
  YAML::Node vn = d.get("api_version");
  dep.api_version = trim(d.str("api_version", std::string(kAzureDefaultApiVersion)));
  for (char c : dep.api_version)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
      d.fail(vn, "api_version",
             fmt::format("\"{}\" is not an api-version (e.g. {})", dep.api_version,
                         kAzureDefaultApiVersion));
}

Deployment parse_deployment(Fields& d, const std::string& group, int index,
                            const catalog::Catalog& cat, const Environment& env) {
  Deployment dep;
  dep.line = d.line();
  dep.kind = parse_kind(d);
  const bool sim = dep.kind == ProviderKind::kSimulated;
  dep.name = d.str("name", fmt::format("{}/{}", group, index));
  if (trim(dep.name).empty()) d.fail(d.get("name"), "name", "must not be empty");

  // Upstream address.
  YAML::Node url_node = d.get("base_url");
  if (sim) {
    if (url_node.IsDefined())
      d.fail(url_node, "base_url", "not allowed for provider simulated (the gateway runs it)");
  } else {
    if (!url_node.IsDefined() && dep.kind == ProviderKind::kOpenAICompatible)
      d.fail(d.node(), "base_url", "is required for provider openai-compatible");
    if (!url_node.IsDefined() && dep.kind == ProviderKind::kAzureOpenAI)
      d.fail(d.node(), "base_url",
             "is required for provider azure-openai: https://<resource>.openai.azure.com");
    // Anthropic's base URL has no /v1: the path /v1/messages is added, as its SDKs do.
    std::string default_url = dep.kind == ProviderKind::kAnthropic ? "https://api.anthropic.com"
                                                                   : "https://api.openai.com/v1";
    if (dep.kind == ProviderKind::kBedrock) {
      read_bedrock(d, dep, env);
      default_url = fmt::format("https://bedrock-runtime.{}.amazonaws.com", dep.region);
    }
    if (dep.kind == ProviderKind::kAzureOpenAI) {
      read_azure(d, dep);
      yaml::read_entra(d, dep, env);
    }
    if (dep.kind == ProviderKind::kVertex) default_url = yaml::read_vertex(d, dep, env);
    if (dep.kind == ProviderKind::kGemini)
      default_url = "https://generativelanguage.googleapis.com/v1beta";
    dep.base_url = url_node.IsDefined() ? d.str("base_url") : default_url;
    auto url = parse_url(dep.base_url);
    if (!url) d.fail(url_node, "base_url", url.error().message);
    dep.url = *url;
  }
  dep.model = d.str("model", sim ? group : "");
  if (dep.model.empty()) d.fail(d.node(), "model", "is required (the upstream model name)");

  // Credentials: from the environment or a file, never inline.
  YAML::Node key_env = d.get("api_key_env");
  YAML::Node key_file = d.get("api_key_file");
  if (key_env.IsDefined() && key_file.IsDefined())
    d.fail(key_file, "api_key_file", "give api_key_env or api_key_file, not both");
  const bool vertex =
      dep.kind == ProviderKind::kVertex || dep.kind == ProviderKind::kVertexAnthropic;
  const bool entra = dep.kind == ProviderKind::kAzureOpenAI && dep.credentials;
  if ((sim || dep.kind == ProviderKind::kBedrock || vertex || entra) &&
      (key_env.IsDefined() || key_file.IsDefined()))
    d.fail(key_env.IsDefined() ? key_env : key_file,
           key_env.IsDefined() ? "api_key_env" : "api_key_file",
           sim      ? "not used by provider simulated"
           : vertex ? "not used by provider vertex (credentials_file, "
                      "GOOGLE_APPLICATION_CREDENTIALS or access_token_env)"
           : entra  ? "not used with entra: (the deployment authenticates with Entra ID)"
                    : "not used by provider bedrock (AWS credentials: aws_profile or the "
                      "AWS_ACCESS_KEY_ID environment)");
  if (key_env.IsDefined()) {
    std::string name = d.str("api_key_env");
    auto v = env.get(name);
    if (!v || trim(*v).empty())
      d.fail(key_env, "api_key_env", fmt::format("environment variable {} is not set", name));
    dep.api_key = trim(*v);
  } else if (key_file.IsDefined()) {
    std::string path = d.str("api_key_file");
    auto text = env.read_file(path);
    if (!text) d.fail(key_file, "api_key_file", text.error().message);
    dep.api_key = trim(*text);
    if (dep.api_key.empty()) d.fail(key_file, "api_key_file", fmt::format("{} is empty", path));
  } else if (dep.kind == ProviderKind::kOpenAI ||
             (dep.kind == ProviderKind::kAzureOpenAI && !entra)) {
    d.fail(
        d.node(), "api_key_env",
        fmt::format("provider {} needs api_key_env or api_key_file", provider_kind_name(dep.kind)));
  } else if (dep.kind == ProviderKind::kAnthropic || dep.kind == ProviderKind::kGemini) {
    const char* var = dep.kind == ProviderKind::kAnthropic ? "ANTHROPIC_API_KEY" : "GEMINI_API_KEY";
    auto v = env.get(var);
    if (!v || trim(*v).empty())
      d.fail(d.node(), "api_key_env",
             fmt::format("provider {} needs a key: {} is not set (or give api_key_env or "
                         "api_key_file)",
                         provider_kind_name(dep.kind), var));
    dep.api_key = trim(*v);
  }

  dep.weight = d.num("weight", 1, 0);
  dep.max_concurrency = static_cast<int>(d.integer("max_concurrency", 0, 0, 1000000));
  dep.queue_timeout_ms = static_cast<int>(d.integer("queue_timeout_ms", dep.queue_timeout_ms, 0));
  dep.pool_max_idle = static_cast<int>(d.integer("pool_max_idle", dep.pool_max_idle, 0, 100000));
  YAML::Node tn = d.get("timeouts");
  if (tn.IsDefined()) {
    Fields t(d.file(), tn, d.path("timeouts"));
    UpstreamTimeouts& to = dep.timeouts;
    to.connect_ms = static_cast<int>(t.integer("connect_ms", to.connect_ms, 1));
    to.first_byte_ms = static_cast<int>(t.integer("first_byte_ms", to.first_byte_ms, 1));
    to.idle_ms = static_cast<int>(t.integer("idle_ms", to.idle_ms, 1));
    to.total_ms = static_cast<int>(t.integer("total_ms", to.total_ms, 1));
    t.finish();
  }
  YAML::Node ca = d.get("ca_file");
  if (ca.IsDefined()) {
    if (sim || !dep.url.tls) d.fail(ca, "ca_file", "only applies to https base_url");
    dep.ca_file = d.str("ca_file");
    auto text = env.read_file(dep.ca_file);
    if (!text) d.fail(ca, "ca_file", text.error().message);
  }

  // Price: what the cost of every request through this deployment is computed with.
  YAML::Node pn = d.get("price");
  std::string price = pn.IsDefined() ? d.str("price") : "";
  if (sim) {
    if (pn.IsDefined() && price != "none")
      d.fail(pn, "price", "provider simulated has no cost; leave price out or set none");
  } else if (price == "none") {
    // Explicitly free (self-hosted).
  } else if (!price.empty()) {
    dep.price = cat.find_price(price);
    if (!dep.price)
      d.fail(pn, "price",
             fmt::format("no catalog price \"{}\" (see `llmctl catalog list prices`), or none",
                         price));
  } else if (dep.kind != ProviderKind::kOpenAICompatible) {
    // The catalog lists the Gemini API's prices under Google.
    // vertex: the catalog's provider: vertex entries (Vertex's own prices and model ids).
    std::string_view provider =
        dep.kind == ProviderKind::kGemini ? "google" : provider_kind_name(dep.kind);
    dep.price = cat.find_price(dep.model, provider);
    if (!dep.price)
      d.fail(d.node(), "price",
             fmt::format("no catalog price for {} model \"{}\"; set price: <catalog id> or "
                         "price: none",
                         provider, dep.model));
  } else {
    d.fail(d.node(), "price",
           "is required for provider openai-compatible: a catalog price id, or none");
  }
  if (dep.price) dep.price_id = dep.price->id;
  yaml::read_deployment_resilience(d, dep);
  d.finish();
  return dep;
}

void parse_models(Fields& f, Config& c, const catalog::Catalog& cat, const Environment& env) {
  YAML::Node list = f.get("models", true);
  if (!list.IsSequence() || list.size() == 0)
    f.fail(list, "models", "expected a non-empty list of model groups");
  std::set<std::string> names, deployment_names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields m(f.file(), list[i], fmt::format("models[{}]", i));
    ModelGroup g;
    YAML::Node name_node = m.get("name", true);
    g.name = m.str("name");
    if (trim(g.name).empty()) m.fail(name_node, "name", "must not be empty");
    if (!names.insert(g.name).second)
      m.fail(name_node, "name", fmt::format("model \"{}\" is defined twice", g.name));
    YAML::Node deps = m.get("deployments", true);
    if (!deps.IsSequence() || deps.size() == 0)
      m.fail(deps, "deployments", "expected a non-empty list of deployments");
    for (std::size_t j = 0; j < deps.size(); ++j) {
      Fields d(f.file(), deps[j], fmt::format("models[{}].deployments[{}]", i, j));
      Deployment dep = parse_deployment(d, g.name, static_cast<int>(j), cat, env);
      if (!deployment_names.insert(dep.name).second)
        d.fail(d.node(), "name", fmt::format("deployment name \"{}\" is used twice", dep.name));
      g.deployments.push_back(static_cast<int>(c.deployments.size()));
      c.deployments.push_back(std::move(dep));
    }
    double total_weight = 0;
    for (int idx : g.deployments)
      total_weight += c.deployments[static_cast<std::size_t>(idx)].weight;
    if (total_weight <= 0) m.fail(deps, "deployments", "at least one deployment needs weight > 0");
    g.max_attempts = static_cast<int>(m.integer("max_attempts", 2, 1, 100));
    BreakerPolicy breaker;
    yaml::read_group_resilience(m, g, breaker);
    for (int idx : g.deployments) c.deployments[static_cast<std::size_t>(idx)].breaker = breaker;
    m.finish();
    c.models.push_back(std::move(g));
  }
}

}  // namespace

const Environment& process_environment() {
  static const ProcessEnvironment env;
  return env;
}

std::string_view provider_kind_name(ProviderKind k) {
  switch (k) {
    case ProviderKind::kOpenAI:
      return "openai";
    case ProviderKind::kOpenAICompatible:
      return "openai-compatible";
    case ProviderKind::kSimulated:
      return "simulated";
    case ProviderKind::kAnthropic:
      return "anthropic";
    case ProviderKind::kAzureOpenAI:
      return "azure-openai";
    case ProviderKind::kBedrock:
      return "bedrock";
    case ProviderKind::kGemini:
      return "gemini";
    case ProviderKind::kVertex:
    case ProviderKind::kVertexAnthropic:
      return "vertex";
  }
  return "openai";
}

Result<Url> parse_url(std::string_view text) {
  Url u;
  std::string_view rest = text;
  if (starts_with(rest, "https://")) {
    u.tls = true;
    rest.remove_prefix(8);
  } else if (starts_with(rest, "http://")) {
    rest.remove_prefix(7);
  } else {
    return Error{
        fmt::format("expected a URL starting with http:// or https://, found \"{}\"", text)};
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return Error{"credentials in the URL are not allowed; use api_key_env or api_key_file"};
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{fmt::format("unclosed '[' in \"{}\"", text)};
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{fmt::format("bad port in \"{}\"", text)};
      port = after.substr(1);
    }
  } else {
    std::size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return Error{fmt::format("no host in \"{}\"", text)};
  if (!port.empty()) {
    for (char ch : port)
      if (ch < '0' || ch > '9') return Error{fmt::format("bad port in \"{}\"", text)};
    int p = std::stoi(std::string(port.substr(0, 6)));
    if (p < 1 || p > 65535) return Error{fmt::format("port out of range in \"{}\"", text)};
    u.port = std::string(port);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  if (path.find_first_of("?#") != std::string_view::npos)
    return Error{fmt::format("no query or fragment allowed in \"{}\"", text)};
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  u.base_path = std::string(path);
  std::string host_for_header = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  bool default_port = (u.tls && u.port == "443") || (!u.tls && u.port == "80");
  u.host_header = default_port ? host_for_header : host_for_header + ":" + u.port;
  return u;
}

const ModelGroup* Config::find_model(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &models[static_cast<std::size_t>(it->second)];
}

bool Config::uses_simulator() const {
  for (const auto& d : deployments)
    if (d.kind == ProviderKind::kSimulated) return true;
  return false;
}

void Config::attach_simulator(int port) {
  for (auto& d : deployments) {
    if (d.kind != ProviderKind::kSimulated) continue;
    d.base_url = fmt::format("http://127.0.0.1:{}/v1", port);
    d.url = *parse_url(d.base_url);
  }
}

void Config::index() {
  by_name_.clear();
  for (std::size_t i = 0; i < models.size(); ++i) by_name_[models[i].name] = static_cast<int>(i);
  for (auto& g : models) {
    g.fallback_groups.clear();
    g.context_groups.clear();
    for (const auto& n : g.fallbacks)
      if (auto it = by_name_.find(n); it != by_name_.end()) g.fallback_groups.push_back(it->second);
    for (const auto& n : g.context_window_fallbacks)
      if (auto it = by_name_.find(n); it != by_name_.end()) g.context_groups.push_back(it->second);
    g.policy = make_group_policy(*this, g);
  }
}

Result<Config> parse_config(std::string_view yaml_text, const std::string& file_name,
                            std::shared_ptr<const catalog::Catalog> cat, const Environment& env) {
  Config c;
  c.source = file_name;
  c.catalog = std::move(cat);
  try {
    YAML::Node root = yaml::parse(file_name, std::string(yaml_text));
    if (!root.IsDefined() || root.IsNull())
      return Error{fmt::format("{}: empty config; it needs at least `models:`", file_name)};
    Fields f(file_name, root, "");
    parse_listen(f, c);
    c.workers = static_cast<int>(f.integer("workers", 0, 0, 1024));
    YAML::Node ln = f.get("limits");
    if (ln.IsDefined()) {
      Fields l(file_name, ln, "limits");
      c.max_body_bytes = static_cast<std::size_t>(
          l.integer("max_body_bytes", static_cast<long long>(c.max_body_bytes), 1024));
      c.read_timeout_ms = static_cast<int>(l.integer("read_timeout_ms", c.read_timeout_ms, 1));
      c.keepalive_timeout_ms =
          static_cast<int>(l.integer("keepalive_timeout_ms", c.keepalive_timeout_ms, 1));
      c.min_timeout_ms = static_cast<int>(l.integer("min_timeout_ms", c.min_timeout_ms, 1));
      l.finish();
    }
    YAML::Node sn = f.get("shutdown");
    if (sn.IsDefined()) {
      Fields s(file_name, sn, "shutdown");
      c.drain_timeout_ms = static_cast<int>(s.integer("drain_timeout_ms", c.drain_timeout_ms, 0));
      s.finish();
    }
    parse_logging(f, c);
    YAML::Node sim = f.get("simulator");
    if (sim.IsDefined()) {
      Fields s(file_name, sim, "simulator");
      mock::read_mock_fields(s, c.simulator, false);
      s.finish();
      if (auto st = mock::validate_mock_options(c.simulator); !st.ok())
        s.fail(sim, "", st.error().message);
    }
    parse_models(f, c, *c.catalog, env);
    c.index();
    yaml::check_group_links(f, c);
    yaml::read_admin_and_reload(f, c, env);
    yaml::read_governance(f, c, env);
    yaml::read_telemetry(f, c, env);
    f.finish();
  } catch (const FieldError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: invalid YAML: {}", yaml::position(file_name, e.mark), e.msg)};
  }
  c.index();
  return c;
}

std::string default_config_yaml(const Environment& env) {
  std::string y =
      "# llmctl up: the built-in configuration.\n"
      "listen: 127.0.0.1:8080\n"
      "logging:\n"
      "  request_log:\n"
      "    path: ./llmctl.db\n"
      "models:\n"
      "  - name: llmctl-sim\n"
      "    deployments:\n"
      "      - provider: simulated\n";
  auto key = env.get("OPENAI_API_KEY");
  if (key && !trim(*key).empty()) {
    for (const char* m : {"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "gpt-5-mini"})
      y += fmt::format(
          "  - name: {0}\n"
          "    deployments:\n"
          "      - provider: openai\n"
          "        model: {0}\n"
          "        api_key_env: OPENAI_API_KEY\n",
          m);
    // Embeddings, so RAG clients (LangChain's OpenAIEmbeddings, the AI SDK's embed) work too.
    for (const char* m : {"text-embedding-3-small", "text-embedding-3-large"})
      y += fmt::format(
          "  - name: {0}\n"
          "    deployments:\n"
          "      - provider: openai\n"
          "        model: {0}\n"
          "        api_key_env: OPENAI_API_KEY\n",
          m);
  }
  // Current Claude models with catalog prices (data/prices.yaml, provider anthropic).
  auto anthropic_key = env.get("ANTHROPIC_API_KEY");
  if (anthropic_key && !trim(*anthropic_key).empty()) {
    for (const char* m : {"claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"})
      y += fmt::format(
          "  - name: {0}\n"
          "    deployments:\n"
          "      - provider: anthropic\n"
          "        model: {0}\n"
          "        api_key_env: ANTHROPIC_API_KEY\n",
          m);
  }
  return y;
}

}  // namespace llmctl::gateway
