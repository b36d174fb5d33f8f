// A small blocking HTTP/1.1 GET client for the monitor's sources (a Prometheus server's API,
// metrics endpoints). http and https (peer verified against the system's CAs). One request per
// connection; every step shares one deadline. Thread-safe: each call uses its own I/O context.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace llmctl::monitor {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct Url {
  std::string scheme;  // http | https
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" when empty
};
// Parses http(s)://host[:port][/path][?query]. The error names the URL and what was expected.
Result<Url> parse_url(const std::string& url);

// GET `url`. Transport errors and timeouts are errors naming the URL; any HTTP status is a
// response (the caller decides). Bodies above `max_body_bytes` are an error.
Result<HttpResponse> http_get(const std::string& url, double timeout_s,
                              const std::vector<std::pair<std::string, std::string>>& headers = {},
                              std::size_t max_body_bytes = 256 * 1024 * 1024);

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& s);

}  // namespace llmctl::monitor
