// A small blocking HTTP/1.1 client for `llmctl ask --llm`: one POST to an OpenAI-compatible
// endpoint (http:// for the local gateway or mock, https:// with certificate verification for
// hosted ones), bounded by a deadline. Asio/Beast stay inside the .cpp.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace llmctl::agent::ask {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Errors: a malformed URL, DNS, connect, TLS, or the deadline ("... after 60000 ms").
Result<HttpResponse> http_post(const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body, std::chrono::milliseconds timeout);

}  // namespace llmctl::agent::ask
