// MCP over stdio: newline-delimited JSON-RPC on stdin/stdout, one client for the life of the
// process. Nothing but protocol messages is written to `out` (diagnostics go to stderr). Returns
// when `in` ends (the client's way to shut the server down), after cancelling calls in flight.
#pragma once

#include <iosfwd>

#include "agent/mcp/server.h"

namespace llmctl::agent::mcp {

void serve_stdio(Server& server, std::istream& in, std::ostream& out);

}  // namespace llmctl::agent::mcp
