// The Model Context Protocol server core, independent of the transport: JSON-RPC messages in,
// responses and notifications out through a Channel. It serves the tool registry (tools/list,
// tools/call with structuredContent and outputSchema, progress notifications, cancellation),
// resources (catalog entries, knowledge, audit rules, docs), prompts (the four interaction
// scripts), completions and logging. Protocol revisions: 2025-11-25 (current) and the older
// 2025-06-18, 2025-03-26 and 2024-11-05 that clients still send; a session answers in the
// revision it negotiated (docs/AGENT.md lists what differs).
//
// Threads: handle() may be called from any thread (one transport thread per session is usual).
// tools/call runs on its own thread so that a later notifications/cancelled can reach it; its
// progress and its response go out on that thread through the request's Channel, which must be
// thread-safe. Everything else is answered before handle() returns.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/mcp/content.h"
#include "agent/tools/tool.h"

namespace llmctl::agent::mcp {

// Protocol revisions this server speaks, newest first. 2026-07-28 and later are "modern":
// stateless, the revision and client capabilities in every request's _meta, server/discover;
// the older ones are "legacy": a session negotiated by initialize.
const std::vector<std::string>& supported_versions();
inline constexpr std::string_view kFirstModernVersion = "2026-07-28";
inline constexpr std::string_view kLatestLegacyVersion = "2025-11-25";
bool is_modern(std::string_view version);
// True when `version` (a date string) is at least `since`.
bool version_at_least(std::string_view version, std::string_view since);

// Where the messages of one client request go: the response, and the notifications that belong
// to it (progress, log messages). stdio writes both to stdout; Streamable HTTP writes them to the
// request's SSE stream or JSON body. Thread-safe.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual void notify(const boost::json::value& message) = 0;
  // The response; called at most once per request.
  virtual void respond(const boost::json::value& message) = 0;
  // The request was cancelled by the client: no response will come (the protocol says not to
  // send one). A transport that must still finish an exchange (HTTP) ends it here.
  virtual void abandon() = 0;
};

struct ServerOptions {
  FileAccess files = FileAccess::confined(".", std::nullopt);
  std::string version = "0.0.0";  // llmctl's, as serverInfo.version
  int max_concurrent_calls = 4;   // tools/call beyond this waits for a slot
};

// One client's state: the negotiated revision, its log level, and its calls in flight.
class Session {
 public:
  bool initialized() const { return !version_.empty(); }
  const std::string& version() const { return version_; }
  std::string id;  // Streamable HTTP's Mcp-Session-Id ("" on stdio)

 private:
  friend class Server;
  std::string version_;
  boost::json::object client_info_;
  std::optional<int> log_level_;  // index into the syslog levels; nullopt: no log messages
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> in_flight_;  // request id -> cancel
};

class Server {
 public:
  // How one request is answered: the revision that governs it and its log level.
  struct RequestContext {
    std::string version;  // empty: a legacy request before initialize
    bool modern = false;
    std::optional<int> log_level;  // nullopt: send no log messages
  };

  Server(const Registry& tools, const catalog::Catalog& catalog, const Content& content,
         ServerOptions options);
  ~Server();  // cancels and joins calls still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Handles one parsed JSON-RPC message (a request, a notification, or a response to us, which
  // is ignored). Requests are answered through `channel`.
  void handle(const std::shared_ptr<Session>& session, const boost::json::value& message,
              const std::shared_ptr<Channel>& channel);
  // The error response for a message that is not JSON at all.
  static boost::json::value parse_error(const std::string& what);
  // Blocks until no tools/call is running (transports call it before they exit).
  void wait_idle();
  // Cancels every call of `session` (a closed connection or a deleted HTTP session).
  void cancel_all(Session& session);

 private:
  RequestContext context_of(Session& session, const boost::json::object& params) const;
  // Adds what the request's revision requires of a result (resultType, ttlMs, _meta).
  boost::json::value finish(const RequestContext& ctx, const std::string& method,
                            boost::json::value result) const;
  boost::json::value dispatch(Session& session, const RequestContext& ctx,
                              const std::string& method, const boost::json::object& params);
  boost::json::value initialize(Session& session, const boost::json::object& params);
  boost::json::object server_info(std::string_view version) const;
  boost::json::object capabilities(std::string_view version) const;
  boost::json::value list_tools(const std::string& version) const;
  void call_tool(const std::shared_ptr<Session>& session, const RequestContext& ctx,
                 const boost::json::value& id, const boost::json::object& params,
                 const std::shared_ptr<Channel>& channel);
  boost::json::value tool_result(const std::string& version,
                                 const Result<boost::json::value>& r) const;
  void log(const RequestContext& ctx, int level, const std::string& logger, const std::string& text,
           Channel& channel) const;

  const Registry& tools_;
  const catalog::Catalog& catalog_;
  const Content& content_;
  ServerOptions options_;

  std::mutex calls_mutex_;
  std::condition_variable calls_cv_;
  int running_ = 0;  // tools/call threads alive
  int active_ = 0;   // of those, running a tool (at most max_concurrent_calls)
};

}  // namespace llmctl::agent::mcp
