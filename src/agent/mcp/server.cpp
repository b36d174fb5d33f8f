#include "agent/mcp/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "common/strings.h"

namespace llmctl::agent::mcp {
namespace {

namespace json = boost::json;

// JSON-RPC 2.0 and MCP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kResourceNotFound = -32002;    // until 2025-11-25; -32602 from 2026-07-28
constexpr int kUnsupportedVersion = -32022;  // 2026-07-28

// The per-request envelope of the modern (2026-07-28) revisions.
constexpr std::string_view kVersionKey = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kLogLevelKey = "io.modelcontextprotocol/logLevel";
constexpr std::string_view kServerInfoKey = "io.modelcontextprotocol/serverInfo";
// Lists and resources do not change while a server runs; a day of caching is safe, and they do
// not vary per client, so shared caches may keep them.
constexpr long long kCacheTtlMs = 24LL * 3600 * 1000;

// Thrown inside this file only and answered as a JSON-RPC error at handle()'s border.
struct RpcError {
  int code;
  std::string message;
  json::value data = nullptr;
};

constexpr std::size_t kPageSize = 100;        // resources/list
constexpr std::size_t kMaxCompletions = 100;  // the protocol's cap

const std::vector<std::string>& log_levels() {
  static const std::vector<std::string> levels = {"debug", "info",     "notice", "warning",
                                                  "error", "critical", "alert",  "emergency"};
  return levels;
}

json::value error_response(const json::value& id, int code, const std::string& message) {
  return json::object{{"jsonrpc", "2.0"},
                      {"id", id},
                      {"error", json::object{{"code", code}, {"message", message}}}};
}

json::value result_response(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::value notification(std::string_view method, json::object params) {
  return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string id_key(const json::value& id) { return json::serialize(id); }

const json::object& object_param(const json::object& params, std::string_view key,
                                 const json::object& fallback) {
  const json::value* v = params.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_object()) throw RpcError{kInvalidParams, fmt::format("{}: expected an object", key)};
  return v->as_object();
}

std::string string_param(const json::object& params, std::string_view key, bool required = true) {
  const json::value* v = params.if_contains(key);
  if (!v || v->is_null()) {
    if (required) throw RpcError{kInvalidParams, fmt::format("{}: is required", key)};
    return "";
  }
  if (!v->is_string()) throw RpcError{kInvalidParams, fmt::format("{}: expected a string", key)};
  return std::string(v->as_string());
}

// Pagination: an opaque cursor (here, the decimal offset of the next page).
std::size_t cursor_offset(const json::object& params, std::size_t size) {
  std::string cursor = string_param(params, "cursor", false);
  if (cursor.empty()) return 0;
  std::size_t offset = 0;
  for (char c : cursor) {
    if (c < '0' || c > '9' || offset > size) throw RpcError{kInvalidParams, "invalid cursor"};
    offset = offset * 10 + static_cast<std::size_t>(c - '0');
  }
  if (offset > size) throw RpcError{kInvalidParams, "invalid cursor"};
  return offset;
}

json::value progress_token(const json::object& params) {
  const json::value* meta = params.if_contains("_meta");
  if (!meta || !meta->is_object()) return nullptr;
  const json::value* token = meta->as_object().if_contains("progressToken");
  if (!token || !(token->is_string() || token->is_int64() || token->is_uint64())) return nullptr;
  return *token;
}

// The CallControl a tool sees over MCP: progress notifications on the request's channel, the
// cancel flag notifications/cancelled sets.
class McpCall : public CallControl {
 public:
  McpCall(std::shared_ptr<std::atomic<bool>> cancel, json::value token, bool with_message,
          std::shared_ptr<Channel> channel)
      : cancel_(std::move(cancel)),
        token_(std::move(token)),
        with_message_(with_message),
        channel_(std::move(channel)) {}

  bool cancelled() const override { return cancel_->load(); }

  void progress(double done, std::optional<double> total, const std::string& message) override {
    if (token_.is_null() || done <= last_) return;  // progress must increase
    last_ = done;
    json::object p{{"progressToken", token_}, {"progress", done}};
    if (total) p["total"] = *total;
    if (with_message_ && !message.empty()) p["message"] = message;
    channel_->notify(notification("notifications/progress", std::move(p)));
  }

 private:
  std::shared_ptr<std::atomic<bool>> cancel_;
  json::value token_;
  bool with_message_;
  std::shared_ptr<Channel> channel_;
  double last_ = -1;
};

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::value completion(std::vector<std::string> values) {
  const std::size_t total = values.size();
  if (values.size() > kMaxCompletions) values.resize(kMaxCompletions);
  return json::object{{"completion", json::object{{"values", string_array(values)},
                                                  {"total", total},
                                                  {"hasMore", total > kMaxCompletions}}}};
}

constexpr std::string_view kInstructions =
    "llmctl computes answers for LLM infrastructure: capacity plans (plan), performance "
    "estimates (perf), deployment bundles (deploy, a dry run unless the server allows writes), "
    "AI-ops audits of manifests, configs and code (audit), catalog facts with sources (catalog_*), "
    "and decision frameworks, anti-patterns and a tool map (explain). Numbers come from a dated, "
    "sourced catalog; every result says why. Deployment requirements go in as a plan spec "
    "(`spec` argument; schema in the plan tool's inputSchema). The prompts deploy, optimize-costs, "
    "monitor and scale run the four interaction scripts.";

}  // namespace

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> versions = {"2026-07-28", "2025-11-25", "2025-06-18",
                                                    "2025-03-26", "2024-11-05"};
  return versions;
}

bool version_at_least(std::string_view version, std::string_view since) {
  return version >= since;  // YYYY-MM-DD compares as text
}

bool is_modern(std::string_view version) { return version_at_least(version, kFirstModernVersion); }

Server::Server(const Registry& tools, const catalog::Catalog& catalog, const Content& content,
               ServerOptions options)
    : tools_(tools), catalog_(catalog), content_(content), options_(std::move(options)) {}

Server::~Server() { wait_idle(); }

json::value Server::parse_error(const std::string& what) {
  return error_response(nullptr, kParseError, "parse error: " + what);
}

void Server::wait_idle() {
  std::unique_lock lock(calls_mutex_);
  calls_cv_.wait(lock, [&] { return running_ == 0; });
}

void Server::cancel_all(Session& session) {
  std::lock_guard lock(session.mutex_);
  for (auto& [id, flag] : session.in_flight_) flag->store(true);
}

json::object Server::server_info(std::string_view version) const {
  json::object info{{"name", "llmctl"}, {"version", options_.version}};
  if (version_at_least(version, "2025-06-18")) info["title"] = "llmctl";
  if (version_at_least(version, "2025-11-25"))
    info["description"] =
        "An AI DevOps engineer for LLM applications: plan, deploy, audit and explain";
  return info;
}

json::object Server::capabilities(std::string_view version) const {
  json::object c{{"tools", json::object{{"listChanged", false}}},
                 {"resources", json::object{{"subscribe", false}, {"listChanged", false}}},
                 {"prompts", json::object{{"listChanged", false}}},
                 {"logging", json::object{}}};
  if (version_at_least(version, "2025-03-26")) c["completions"] = json::object{};
  return c;
}

// Works out which revision governs a request: the modern per-request envelope, or the session's
// negotiated legacy revision. Throws RpcError for an unsupported modern version.
Server::RequestContext Server::context_of(Session& session, const json::object& params) const {
  RequestContext ctx;
  const json::value* meta = params.if_contains("_meta");
  const json::value* version =
      meta && meta->is_object() ? meta->as_object().if_contains(kVersionKey) : nullptr;
  if (version) {
    const std::string v = version->is_string() ? std::string(version->as_string()) : "";
    const auto& all = supported_versions();
    if (!is_modern(v) || std::find(all.begin(), all.end(), v) == all.end())
      throw RpcError{kUnsupportedVersion, "Unsupported protocol version",
                     json::object{{"supported", string_array(all)},
                                  {"requested", version->is_string() ? *version : nullptr}}};
    ctx.version = v;
    ctx.modern = true;
    const json::value* level = meta->as_object().if_contains(kLogLevelKey);
    if (level && level->is_string()) {
      const auto& levels = log_levels();
      auto it = std::find(levels.begin(), levels.end(), std::string(level->as_string()));
      if (it != levels.end()) ctx.log_level = static_cast<int>(it - levels.begin());
    }
    return ctx;
  }
  std::lock_guard lock(session.mutex_);
  ctx.version = session.version_;
  ctx.log_level = session.log_level_;
  return ctx;
}

json::value Server::finish(const RequestContext& ctx, const std::string& method,
                           json::value result) const {
  if (!ctx.modern || !result.is_object()) return result;
  json::object& o = result.as_object();
  o["resultType"] = "complete";
  static const std::vector<std::string> kCacheable = {"tools/list",     "prompts/list",
                                                      "resources/list", "resources/templates/list",
                                                      "resources/read", "server/discover"};
  if (std::find(kCacheable.begin(), kCacheable.end(), method) != kCacheable.end()) {
    o["ttlMs"] = kCacheTtlMs;
    o["cacheScope"] = "public";
  }
  o["_meta"] = json::object{{kServerInfoKey, server_info(ctx.version)}};
  return result;
}

void Server::handle(const std::shared_ptr<Session>& session_ptr, const json::value& message,
                    const std::shared_ptr<Channel>& channel) {
  Session& session = *session_ptr;
  if (!message.is_object()) {
    channel->respond(error_response(
        nullptr, kInvalidRequest,
        message.is_array() ? "invalid request: JSON-RPC batches are not supported (removed in "
                             "protocol revision 2025-06-18)"
                           : "invalid request: expected a JSON-RPC message object"));
    return;
  }
  const json::object& o = message.as_object();
  const json::value* method = o.if_contains("method");
  const json::value* id = o.if_contains("id");
  if (!method) {
    if (o.contains("result") || o.contains("error")) return;  // a response: we sent no requests
    channel->respond(
        error_response(id ? *id : nullptr, kInvalidRequest, "invalid request: no method"));
    return;
  }
  const bool is_request = id != nullptr;
  json::value reply_id = is_request ? *id : json::value(nullptr);
  const json::value* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->as_string() != "2.0" || !method->is_string() ||
      (is_request && !(id->is_string() || id->is_int64() || id->is_uint64()))) {
    if (is_request)
      channel->respond(error_response(
          reply_id, kInvalidRequest,
          "invalid request: expected jsonrpc \"2.0\", a string method and a string or integer id"));
    return;
  }
  const std::string name(method->as_string());
  static const json::object kEmpty;
  const json::value* params_value = o.if_contains("params");
  if (params_value && !params_value->is_object() && !params_value->is_null()) {
    if (is_request)
      channel->respond(error_response(reply_id, kInvalidParams, "params: expected an object"));
    return;
  }
  const json::object& params =
      params_value && params_value->is_object() ? params_value->as_object() : kEmpty;

  if (!is_request) {
    if (name == "notifications/cancelled") {
      const json::value* rid = params.if_contains("requestId");
      if (!rid) return;
      std::lock_guard lock(session.mutex_);
      auto it = session.in_flight_.find(id_key(*rid));
      if (it != session.in_flight_.end()) it->second->store(true);
    }
    // notifications/initialized, progress, roots/list_changed: nothing to do.
    return;
  }
  try {
    RequestContext ctx;
    if (name == "initialize") {
      channel->respond(result_response(reply_id, initialize(session, params)));
      return;
    }
    if (name == "server/discover") {
      ctx.version = std::string(kFirstModernVersion);
      ctx.modern = true;
      channel->respond(result_response(
          reply_id, finish(ctx, name,
                           json::object{{"supportedVersions", string_array(supported_versions())},
                                        {"capabilities", capabilities(kFirstModernVersion)},
                                        {"instructions", kInstructions}})));
      return;
    }
    ctx = context_of(session, params);
    if (ctx.version.empty()) {
      if (name == "ping") {
        channel->respond(result_response(reply_id, json::object{}));
        return;
      }
      throw RpcError{kInvalidRequest,
                     fmt::format("{}: the session is not initialized (send initialize first, or "
                                 "the per-request _meta of protocol 2026-07-28)",
                                 name)};
    }
    if (name == "tools/call") {
      call_tool(session_ptr, ctx, reply_id, params, channel);
      return;
    }
    channel->respond(
        result_response(reply_id, finish(ctx, name, dispatch(session, ctx, name, params))));
  } catch (const RpcError& e) {
    json::object err{{"code", e.code}, {"message", e.message}};
    if (!e.data.is_null()) err["data"] = e.data;
    channel->respond(json::object{{"jsonrpc", "2.0"}, {"id", reply_id}, {"error", err}});
  } catch (const std::exception& e) {
    channel->respond(error_response(reply_id, kInternalError, e.what()));
  }
}

json::value Server::dispatch(Session& session, const RequestContext& ctx, const std::string& method,
                             const json::object& params) {
  const std::string& v = ctx.version;
  const bool titles = version_at_least(v, "2025-06-18");

  if (method == "ping" && !ctx.modern) return json::object{};
  if (method == "tools/list") {
    cursor_offset(params, 1);
    return list_tools(v);
  }
  if (method == "resources/list") {
    auto all = content_.resources();
    std::size_t offset = cursor_offset(params, all.size());
    json::array list;
    for (std::size_t i = offset; i < all.size() && i < offset + kPageSize; ++i) {
      const ResourceInfo& r = all[i];
      json::object o{{"uri", r.uri}, {"name", r.name}};
      if (titles && !r.title.empty()) o["title"] = r.title;
      o["description"] = r.description;
      o["mimeType"] = r.mime_type;
      list.push_back(std::move(o));
    }
    json::object out{{"resources", std::move(list)}};
    if (offset + kPageSize < all.size()) out["nextCursor"] = std::to_string(offset + kPageSize);
    return out;
  }
  if (method == "resources/templates/list") {
    cursor_offset(params, 1);
    json::array list;
    for (const auto& t : content_.resource_templates()) {
      json::object o{{"uriTemplate", t.uri_template}, {"name", t.name}};
      if (titles && !t.title.empty()) o["title"] = t.title;
      o["description"] = t.description;
      o["mimeType"] = t.mime_type;
      list.push_back(std::move(o));
    }
    return json::object{{"resourceTemplates", std::move(list)}};
  }
  if (method == "resources/read") {
    auto r = content_.read(string_param(params, "uri"));
    if (!r) throw RpcError{ctx.modern ? kInvalidParams : kResourceNotFound, r.error().message};
    return json::object{
        {"contents", json::array{json::object{
                         {"uri", r->uri}, {"mimeType", r->mime_type}, {"text", r->text}}}}};
  }
  if (method == "prompts/list") {
    cursor_offset(params, 1);
    json::array list;
    for (const auto& p : content_.prompts()) {
      json::array args;
      for (const auto& a : p.arguments)
        args.push_back(json::object{
            {"name", a.name}, {"description", a.description}, {"required", a.required}});
      json::object o{{"name", p.name}};
      if (titles) o["title"] = p.title;
      o["description"] = p.description;
      o["arguments"] = std::move(args);
      list.push_back(std::move(o));
    }
    return json::object{{"prompts", std::move(list)}};
  }
  if (method == "prompts/get") {
    std::map<std::string, std::string> args;
    static const json::object kNone;
    for (const auto& kv : object_param(params, "arguments", kNone)) {
      if (!kv.value().is_string())
        throw RpcError{kInvalidParams,
                       fmt::format("arguments.{}: expected a string", std::string(kv.key()))};
      args[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    auto p = content_.prompt(string_param(params, "name"), args);
    if (!p) throw RpcError{kInvalidParams, p.error().message};
    json::array messages;
    for (const auto& m : p->messages)
      messages.push_back(json::object{
          {"role", m.role}, {"content", json::object{{"type", "text"}, {"text", m.text}}}});
    return json::object{{"description", p->description}, {"messages", std::move(messages)}};
  }
  if (method == "completion/complete") {
    static const json::object kNone;
    const json::object& ref = object_param(params, "ref", kNone);
    const json::object& argument = object_param(params, "argument", kNone);
    const std::string type = string_param(ref, "type");
    const std::string arg = string_param(argument, "name");
    const std::string value = string_param(argument, "value", false);
    Result<std::vector<std::string>> values = Error{""};
    if (type == "ref/prompt")
      values = content_.complete_prompt(string_param(ref, "name"), arg, value);
    else if (type == "ref/resource")
      values = content_.complete_resource(string_param(ref, "uri"), arg, value);
    else
      throw RpcError{
          kInvalidParams,
          fmt::format("ref.type: expected ref/prompt or ref/resource, found \"{}\"", type)};
    if (!values) throw RpcError{kInvalidParams, values.error().message};
    return completion(std::move(*values));
  }
  if (method == "logging/setLevel" && !ctx.modern) {
    const std::string level = string_param(params, "level");
    const auto& levels = log_levels();
    auto it = std::find(levels.begin(), levels.end(), level);
    if (it == levels.end())
      throw RpcError{kInvalidParams, fmt::format("level: expected one of {}, found \"{}\"",
                                                 join(levels, ", "), level)};
    std::lock_guard lock(session.mutex_);
    session.log_level_ = static_cast<int>(it - levels.begin());
    return json::object{};
  }
  throw RpcError{kMethodNotFound, fmt::format("method not found: {}", method)};
}

json::value Server::initialize(Session& session, const json::object& params) {
  if (session.initialized()) throw RpcError{kInvalidRequest, "the session is already initialized"};
  const std::string requested = string_param(params, "protocolVersion");
  const auto& versions = supported_versions();
  // Legacy clients negotiate here; a modern revision never goes through initialize.
  std::string version = std::string(kLatestLegacyVersion);
  if (!is_modern(requested) &&
      std::find(versions.begin(), versions.end(), requested) != versions.end())
    version = requested;
  static const json::object kNone;
  {
    std::lock_guard lock(session.mutex_);
    session.client_info_ = object_param(params, "clientInfo", kNone);
    session.version_ = version;
  }
  return json::object{{"protocolVersion", version},
                      {"capabilities", capabilities(version)},
                      {"serverInfo", server_info(version)},
                      {"instructions", kInstructions}};
}

json::value Server::list_tools(const std::string& v) const {
  json::array list;
  for (const Tool& t : tools_.tools()) {
    json::object o{{"name", t.name}};
    if (version_at_least(v, "2025-06-18")) o["title"] = t.title;
    o["description"] = t.description;
    o["inputSchema"] = t.input_schema();
    if (version_at_least(v, "2025-06-18")) o["outputSchema"] = t.output_schema;
    if (version_at_least(v, "2025-03-26"))
      o["annotations"] = json::object{{"title", t.title},
                                      {"readOnlyHint", t.hints.read_only},
                                      {"destructiveHint", t.hints.destructive},
                                      {"idempotentHint", t.hints.idempotent},
                                      {"openWorldHint", t.hints.open_world}};
    list.push_back(std::move(o));
  }
  return json::object{{"tools", std::move(list)}};
}

json::value Server::tool_result(const std::string& version, const Result<json::value>& r) const {
  if (!r)
    return json::object{
        {"content", json::array{json::object{{"type", "text"}, {"text", r.error().message}}}},
        {"isError", true}};
  json::object out{
      {"content", json::array{json::object{{"type", "text"}, {"text", json::serialize(*r)}}}}};
  if (version_at_least(version, "2025-06-18")) out["structuredContent"] = *r;
  out["isError"] = false;
  return out;
}

void Server::log(const RequestContext& ctx, int level, const std::string& logger,
                 const std::string& text, Channel& channel) const {
  if (!ctx.log_level || level < *ctx.log_level) return;
  channel.notify(notification(
      "notifications/message",
      json::object{{"level", log_levels()[level]}, {"logger", logger}, {"data", text}}));
}

void Server::call_tool(const std::shared_ptr<Session>& session_ptr, const RequestContext& ctx,
                       const json::value& id, const json::object& params,
                       const std::shared_ptr<Channel>& channel) {
  Session& session = *session_ptr;
  const std::string name = string_param(params, "name");
  const Tool* tool = tools_.find(name);
  if (!tool) {
    std::vector<std::string> names;
    for (const auto& t : tools_.tools()) names.push_back(t.name);
    throw RpcError{kInvalidParams,
                   fmt::format("unknown tool '{}'; tools: {}", name, join(names, ", "))};
  }
  static const json::object kNone;
  json::object args = object_param(params, "arguments", kNone);
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  const std::string key = id_key(id);
  {
    std::lock_guard lock(session.mutex_);
    if (session.in_flight_.count(key))
      throw RpcError{kInvalidRequest, fmt::format("request id {} is already in flight", key)};
    session.in_flight_[key] = cancel;
  }
  auto control = std::make_shared<McpCall>(cancel, progress_token(params),
                                           version_at_least(ctx.version, "2025-03-26"), channel);
  {
    std::lock_guard lock(calls_mutex_);
    ++running_;
  }
  std::thread([this, session_ptr, ctx, tool, args = std::move(args), id, key, cancel, control,
               channel] {
    Session& session = *session_ptr;
    {
      // Wait for a slot among max_concurrent_calls; a cancelled call stops waiting.
      std::unique_lock lock(calls_mutex_);
      calls_cv_.wait(lock,
                     [&] { return active_ < options_.max_concurrent_calls || cancel->load(); });
      ++active_;
    }
    ToolEnv env;
    env.catalog = &catalog_;
    env.files = options_.files;
    env.control = control.get();
    const auto start = std::chrono::steady_clock::now();
    Result<json::value> result = cancel->load()
                                     ? Result<json::value>(Error{std::string(kCancelledMessage)})
                                     : tool->call(args, env);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    {
      std::lock_guard lock(session.mutex_);
      session.in_flight_.erase(key);
    }
    if (cancel->load()) {
      channel->abandon();
    } else {
      if (result)
        log(ctx, 1, tool->name, fmt::format("{} finished in {:.3f} s", tool->name, seconds),
            *channel);
      else
        log(ctx, 4, tool->name, fmt::format("{} failed: {}", tool->name, result.error().message),
            *channel);
      channel->respond(
          result_response(id, finish(ctx, "tools/call", tool_result(ctx.version, result))));
    }
    std::lock_guard lock(calls_mutex_);
    --active_;
    --running_;
    calls_cv_.notify_all();
  }).detach();
}

}  // namespace llmctl::agent::mcp
