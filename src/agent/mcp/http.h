// MCP over Streamable HTTP at http://HOST:PORT/mcp, on the HTTP server skeleton the gateway and
// the simulator use (src/net/net.h, llmctl_net). One POST per JSON-RPC
// message: requests get a JSON body, or an SSE stream for tools/call (progress and log messages
// before the result); notifications get 202. Legacy sessions: `initialize` returns
// Mcp-Session-Id, later requests must send it (400 without, 404 when unknown), DELETE ends it,
// an unsupported MCP-Protocol-Version header is 400. Requests with the 2026-07-28 `_meta`
// envelope are served statelessly. On a loopback address only loopback Host and Origin headers
// are accepted (403 otherwise: DNS rebinding protection). GET is 405 (no server-initiated
// stream). A client that disconnects mid-call cancels it.
#pragma once

#include <string>

#include "agent/mcp/server.h"

namespace llmctl::agent::mcp {

// Serves until SIGINT/SIGTERM; prints "listening on HOST:PORT" on stdout once it accepts.
// Returns the process exit code.
int serve_http(Server& server, const std::string& host, int port);

}  // namespace llmctl::agent::mcp
