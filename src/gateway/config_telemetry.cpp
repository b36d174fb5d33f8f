#include "gateway/config_telemetry.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace llmctl::gateway::yaml {

namespace {

// "{base}/v1/traces", the OTLP/HTTP traces path under a base endpoint.
std::string traces_under(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/traces";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// OTEL_EXPORTER_OTLP_HEADERS: "name=value,name2=value2" (W3C Baggage-like, values
// percent-encoded). Malformed members are an error naming the variable.
Result<std::vector<std::pair<std::string, std::string>>> env_headers(const std::string& var,
                                                                     const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& member : split(text, ',')) {
    const std::string m = trim(member);
    if (m.empty()) continue;
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{fmt::format("{}: \"{}\" is not name=value", var, m)};
    out.emplace_back(trim(m.substr(0, eq)), percent_decode(trim(m.substr(eq + 1))));
  }
  return out;
}

bool valid_header_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

void read_telemetry(Fields& f, Config& c, const Environment& env) {
  TelemetryConfig& t = c.telemetry;
  auto env_value = [&](const char* name) -> std::string {
    auto v = env.get(name);
    return v ? trim(*v) : std::string();
  };
  bool enabled = true;
  if (const std::string d = env_value("OTEL_SDK_DISABLED"); d == "true" || d == "TRUE")
    enabled = false;
  if (const std::string name = env_value("OTEL_SERVICE_NAME"); !name.empty()) t.service_name = name;
  for (const char* var : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}) {
    const std::string text = env_value(var);
    if (text.empty()) continue;
    auto h = env_headers(var, text);
    if (!h) f.fail(f.node(), "telemetry", h.error().message);
    for (auto& kv : *h) t.headers.push_back(std::move(kv));
  }

  auto block = f.map("telemetry");
  std::string url_field;
  YAML::Node url_node;
  if (block) {
    Fields& b = *block;
    b.only({"enabled", "otlp_endpoint", "traces_endpoint", "headers", "headers_env", "service_name",
            "sample_ratio", "batch", "queue", "retry"});
    enabled = b.boolean("enabled", enabled);
    if (b.has("otlp_endpoint") && b.has("traces_endpoint"))
      b.fail(b.get("traces_endpoint"), "traces_endpoint",
             "give otlp_endpoint (spans go to {endpoint}/v1/traces) or traces_endpoint (the "
             "full URL), not both");
    if (b.has("otlp_endpoint")) {
      url_node = b.get("otlp_endpoint");
      t.traces_url = traces_under(trim(b.str("otlp_endpoint")));
      url_field = "otlp_endpoint";
    } else if (b.has("traces_endpoint")) {
      url_node = b.get("traces_endpoint");
      t.traces_url = trim(b.str("traces_endpoint"));
      url_field = "traces_endpoint";
    }
    if (!url_field.empty()) t.source = b.path(url_field);
    if (auto h = b.map("headers")) {
      for (const auto& kv : h->node()) {
        const std::string name = kv.first.as<std::string>();
        if (!valid_header_name(name))
          h->fail(kv.first, name, "not an HTTP header name (letters, digits, - and _)");
        t.headers.emplace_back(name, h->str(name));
      }
      h->finish();
    }
    if (auto h = b.map("headers_env")) {
      for (const auto& kv : h->node()) {
        const std::string name = kv.first.as<std::string>();
        if (!valid_header_name(name))
          h->fail(kv.first, name, "not an HTTP header name (letters, digits, - and _)");
        const std::string var = h->str(name);
        auto v = env.get(var);
        if (!v || trim(*v).empty())
          h->fail(h->get(name), name, fmt::format("environment variable {} is not set", var));
        t.headers.emplace_back(name, trim(*v));
      }
      h->finish();
    }
    t.service_name = b.str("service_name", t.service_name);
    t.sample_ratio = b.num("sample_ratio", t.sample_ratio, 0, 1);
    if (auto bt = b.map("batch")) {
      t.max_batch_spans = static_cast<int>(bt->integer("max_spans", t.max_batch_spans, 1, 100000));
      t.delay_ms = static_cast<int>(bt->integer("delay_ms", t.delay_ms, 1, 600000));
      t.timeout_ms = static_cast<int>(bt->integer("timeout_ms", t.timeout_ms, 1, 600000));
      bt->finish();
    }
    t.queue =
        static_cast<std::size_t>(b.integer("queue", static_cast<long long>(t.queue), 1, 1 << 22));
    if (auto r = b.map("retry")) {
      t.max_attempts = static_cast<int>(r->integer("max_attempts", t.max_attempts, 1, 100));
      t.initial_backoff_ms =
          static_cast<int>(r->integer("initial_backoff_ms", t.initial_backoff_ms, 1, 600000));
      t.max_backoff_ms =
          static_cast<int>(r->integer("max_backoff_ms", t.max_backoff_ms, 1, 600000));
      r->finish();
    }
    b.finish();
  }
  if (t.traces_url.empty()) {
    if (const std::string u = env_value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); !u.empty()) {
      t.traces_url = u;
      t.source = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    } else if (const std::string base = env_value("OTEL_EXPORTER_OTLP_ENDPOINT"); !base.empty()) {
      t.traces_url = traces_under(base);
      t.source = "OTEL_EXPORTER_OTLP_ENDPOINT";
    }
  }
  if (t.traces_url.empty()) {
    if (block && block->has("enabled") && enabled)
      f.fail(block->node(), "telemetry",
             "enabled, but no endpoint: set otlp_endpoint or OTEL_EXPORTER_OTLP_ENDPOINT");
    t.enabled = false;
    return;
  }
  if (auto u = parse_url(t.traces_url); !u) {
    if (!url_field.empty()) block->fail(url_node, url_field, u.error().message);
    f.fail(f.node(), "telemetry", fmt::format("{}: {}", t.source, u.error().message));
  }
  t.enabled = enabled;
}

}  // namespace llmctl::gateway::yaml
