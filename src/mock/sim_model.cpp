#include "mock/sim_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <set>

namespace llmctl::mock {

namespace json = boost::json;

namespace {

std::string_view str_of(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

const json::value* member(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : x_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (x_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t x_;
};

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Lower-case words of 3+ letters or digits; snake_case and camelCase split.
std::set<std::string> words(std::string_view text) {
  std::set<std::string> out;
  std::string w;
  auto flush = [&] {
    if (w.size() >= 3) out.insert(w);
    w.clear();
  };
  char prev = 0;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      if (std::isupper(u) && prev && std::islower(static_cast<unsigned char>(prev))) flush();
      w += static_cast<char>(std::tolower(u));
    } else {
      flush();
    }
    prev = c;
  }
  flush();
  return out;
}

const json::value* resolve_ref(std::string_view ref, const json::value& root) {
  if (!ref.starts_with("#")) return nullptr;
  ref.remove_prefix(1);
  const json::value* v = &root;
  while (!ref.empty()) {
    if (ref.front() != '/') return nullptr;
    ref.remove_prefix(1);
    const std::size_t end = ref.find('/');
    std::string token(ref.substr(0, end));
    ref = end == std::string_view::npos ? std::string_view{} : ref.substr(end);
    // JSON pointer escapes: ~1 is '/', ~0 is '~'.
    for (std::size_t p; (p = token.find("~1")) != std::string::npos;) token.replace(p, 2, "/");
    for (std::size_t p; (p = token.find("~0")) != std::string::npos;) token.replace(p, 2, "~");
    v = member(*v, token);
    if (!v) return nullptr;
  }
  return v;
}

std::optional<double> number_of(const json::value* v) {
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

constexpr std::array<std::string_view, 8> kWords = {"alpha", "bravo",   "charlie", "delta",
                                                    "echo",  "foxtrot", "golf",    "hotel"};

json::value sample(const json::value& s, const json::value& root, Rng& rng, int depth);

json::value sample_string(const json::object& o) {
  const std::string_view format = str_of(o.if_contains("format"));
  std::string v;
  if (format == "date-time")
    v = "2026-01-01T00:00:00Z";
  else if (format == "date")
    v = "2026-01-01";
  else if (format == "time")
    v = "12:00:00";
  else if (format == "email")
    v = "user@example.com";
  else if (format == "uri" || format == "url" || format == "uri-reference")
    v = "https://example.com/";
  else if (format == "uuid")
    v = "123e4567-e89b-42d3-a456-426614174000";
  else if (format == "ipv4")
    v = "192.0.2.1";
  else if (format == "ipv6")
    v = "2001:db8::1";
  else if (format == "hostname")
    v = "example.com";
  else
    v = "mock";
  if (auto min = number_of(o.if_contains("minLength")); min && v.size() < *min)
    v.append(static_cast<std::size_t>(*min) - v.size(), 'x');
  if (auto max = number_of(o.if_contains("maxLength")); max && v.size() > *max)
    v.resize(static_cast<std::size_t>(std::max(0.0, *max)));
  return json::value(v);
}

json::value sample_number(const json::object& o, bool integer, Rng& rng) {
  std::optional<double> lo = number_of(o.if_contains("minimum"));
  std::optional<double> hi = number_of(o.if_contains("maximum"));
  if (auto x = number_of(o.if_contains("exclusiveMinimum"))) lo = integer ? *x + 1 : *x + 0.5;
  if (auto x = number_of(o.if_contains("exclusiveMaximum"))) hi = integer ? *x - 1 : *x - 0.5;
  double v;
  if (lo && hi)
    v = *lo + static_cast<double>(
                  rng.below(static_cast<std::uint64_t>(std::max(0.0, std::floor(*hi - *lo)) + 1)));
  else if (lo)
    v = *lo + static_cast<double>(rng.below(10));
  else if (hi)
    v = *hi - static_cast<double>(rng.below(10));
  else
    v = 1;  // no bounds: the simplest valid value
  if (integer) v = lo ? std::ceil(v) : std::floor(v);
  if (auto m = number_of(o.if_contains("multipleOf")); m && *m > 0) {
    v = std::ceil(v / *m) * *m;
    if (hi && v > *hi) v -= *m;
  }
  if (hi && v > *hi) v = *hi;
  if (integer) return json::value(static_cast<std::int64_t>(v));
  return json::value(v);
}

// The object schema of allOf members merged (properties and required united).
json::object merge_all_of(const json::object& o, const json::value& root) {
  json::object merged = o;
  merged.erase("allOf");
  json::object props;
  json::array required;
  if (const json::value* p = o.if_contains("properties"); p && p->is_object())
    props = p->as_object();
  if (const json::value* r = o.if_contains("required"); r && r->is_array())
    required = r->as_array();
  for (const json::value& part0 : o.at("allOf").as_array()) {
    const json::value* part = &part0;
    if (const std::string_view ref = str_of(member(*part, "$ref")); !ref.empty())
      if (const json::value* t = resolve_ref(ref, root)) part = t;
    if (const json::value* p = member(*part, "properties"); p && p->is_object())
      for (const auto& [k, v] : p->as_object()) props[k] = v;
    if (const json::value* r = member(*part, "required"); r && r->is_array())
      for (const auto& v : r->as_array()) required.push_back(v);
    if (const json::value* t = member(*part, "type"); t && !merged.contains("type"))
      merged["type"] = *t;
  }
  if (!props.empty()) merged["properties"] = std::move(props);
  if (!required.empty()) merged["required"] = std::move(required);
  return merged;
}

json::value sample(const json::value& s, const json::value& root, Rng& rng, int depth) {
  if (depth > 48) return nullptr;
  if (s.is_bool()) return json::value(std::string(kWords[rng.below(kWords.size())]));
  if (!s.is_object()) return nullptr;
  const json::object& o = s.as_object();
  if (const std::string_view ref = str_of(o.if_contains("$ref")); !ref.empty())
    if (const json::value* t = resolve_ref(ref, root)) return sample(*t, root, rng, depth + 1);
  if (const json::value* c = o.if_contains("const")) return *c;
  if (const json::value* e = o.if_contains("enum"); e && e->is_array() && !e->as_array().empty())
    return e->as_array()[rng.below(e->as_array().size())];
  if (const json::value* all = o.if_contains("allOf"); all && all->is_array())
    return sample(json::value(merge_all_of(o, root)), root, rng, depth + 1);
  for (const char* key : {"anyOf", "oneOf"})
    if (const json::value* any = o.if_contains(key);
        any && any->is_array() && !any->as_array().empty()) {
      // A non-null alternative when there is one (nullable fields get a value).
      for (const json::value& alt : any->as_array())
        if (str_of(member(alt, "type")) != "null") return sample(alt, root, rng, depth + 1);
      return sample(any->as_array().front(), root, rng, depth + 1);
    }
  std::string type;
  if (const json::value* t = o.if_contains("type")) {
    if (t->is_string()) {
      type = t->as_string();
    } else if (t->is_array()) {
      for (const json::value& x : t->as_array())
        if (x.is_string() && x.as_string() != "null") {
          type = x.as_string();
          break;
        }
      if (type.empty()) type = "null";
    }
  }
  if (type.empty()) {
    if (o.contains("properties") || o.contains("additionalProperties"))
      type = "object";
    else if (o.contains("items") || o.contains("prefixItems"))
      type = "array";
    else
      type = "string";
  }
  if (type == "object") {
    json::object out;
    if (const json::value* props = o.if_contains("properties"); props && props->is_object())
      for (const auto& [k, v] : props->as_object()) out[k] = sample(v, root, rng, depth + 1);
    if (const json::value* req = o.if_contains("required"); req && req->is_array())
      for (const json::value& k : req->as_array())
        if (k.is_string() && !out.contains(k.as_string())) out[k.as_string()] = "mock";
    if (out.empty())
      if (const json::value* ap = o.if_contains("additionalProperties"); ap && ap->is_object())
        out["key"] = sample(*ap, root, rng, depth + 1);
    return out;
  }
  if (type == "array") {
    json::array out;
    std::size_t n = 1;
    if (auto min = number_of(o.if_contains("minItems"))) n = std::max<std::size_t>(n, *min);
    if (auto max = number_of(o.if_contains("maxItems"))) n = std::min<std::size_t>(n, *max);
    const json::value* prefix = o.if_contains("prefixItems");
    const json::value* items = o.if_contains("items");
    for (std::size_t i = 0;
         i < n || (prefix && prefix->is_array() && i < prefix->as_array().size()); ++i) {
      if (prefix && prefix->is_array() && i < prefix->as_array().size())
        out.push_back(sample(prefix->as_array()[i], root, rng, depth + 1));
      else if (items && items->is_object())
        out.push_back(sample(*items, root, rng, depth + 1));
      else if (i < n)
        out.push_back(json::value(std::string(kWords[rng.below(kWords.size())])));
    }
    return out;
  }
  if (type == "integer") return sample_number(o, true, rng);
  if (type == "number") return sample_number(o, false, rng);
  if (type == "boolean") return json::value(true);
  if (type == "null") return nullptr;
  return sample_string(o);
}

std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  std::string out;
  if (content.is_array())
    for (const json::value& part : content.as_array())
      if (const std::string_view t = str_of(member(part, "text")); !t.empty()) {
        if (!out.empty()) out += ' ';
        out += t;
      }
  return out;
}

}  // namespace

json::value sample_schema(const json::value& schema, std::uint64_t seed) {
  Rng rng(seed);
  return sample(schema, schema, rng, 0);
}

SimRequest sim_request_from_chat(const json::object& req) {
  SimRequest r;
  if (const json::value* tools = req.if_contains("tools"); tools && tools->is_array())
    for (const json::value& t : tools->as_array()) {
      const json::value* fn = member(t, "function");
      if (!fn) continue;
      SimTool tool{std::string(str_of(member(*fn, "name"))),
                   std::string(str_of(member(*fn, "description"))), nullptr};
      if (const json::value* p = member(*fn, "parameters")) tool.parameters = *p;
      r.tools.push_back(std::move(tool));
    }
  if (const json::value* tc = req.if_contains("tool_choice")) {
    const std::string_view s = str_of(tc);
    if (s == "none")
      r.tool_choice = SimRequest::ToolChoice::kNone;
    else if (s == "required")
      r.tool_choice = SimRequest::ToolChoice::kRequired;
    else if (const json::value* fn = member(*tc, "function")) {
      r.tool_choice = SimRequest::ToolChoice::kNamed;
      r.named_tool = str_of(member(*fn, "name"));
    }
  }
  if (const json::value* p = req.if_contains("parallel_tool_calls"); p && p->is_bool())
    r.parallel = p->as_bool();
  if (const json::value* rf = req.if_contains("response_format")) {
    const std::string_view type = str_of(member(*rf, "type"));
    if (type == "json_schema") {
      const json::value* js = member(*rf, "json_schema");
      const json::value* schema = js ? member(*js, "schema") : nullptr;
      r.schema = schema ? *schema : json::value(json::object{{"type", "object"}});
    } else if (type == "json_object") {
      r.json_object = true;
    }
  }
  if (const json::value* m = req.if_contains("messages"); m && m->is_array()) {
    const json::array& msgs = m->as_array();
    if (!msgs.empty()) r.after_tool_result = str_of(member(msgs.back(), "role")) == "tool";
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it)
      if (str_of(member(*it, "role")) == "user") {
        if (const json::value* c = member(*it, "content")) r.prompt = text_of(*c);
        break;
      }
  }
  return r;
}

SimRequest sim_request_from_messages(const json::object& req) {
  SimRequest r;
  if (const json::value* tools = req.if_contains("tools"); tools && tools->is_array())
    for (const json::value& t : tools->as_array()) {
      SimTool tool{std::string(str_of(member(t, "name"))),
                   std::string(str_of(member(t, "description"))), nullptr};
      if (const json::value* p = member(t, "input_schema")) tool.parameters = *p;
      r.tools.push_back(std::move(tool));
    }
  if (const json::value* tc = req.if_contains("tool_choice")) {
    const std::string_view type = str_of(member(*tc, "type"));
    if (type == "none")
      r.tool_choice = SimRequest::ToolChoice::kNone;
    else if (type == "any")
      r.tool_choice = SimRequest::ToolChoice::kRequired;
    else if (type == "tool") {
      r.tool_choice = SimRequest::ToolChoice::kNamed;
      r.named_tool = str_of(member(*tc, "name"));
    }
    if (const json::value* d = member(*tc, "disable_parallel_tool_use"); d && d->is_bool())
      r.parallel = !d->as_bool();
  }
  if (const json::value* oc = req.if_contains("output_config"))
    if (const json::value* f = member(*oc, "format");
        f && str_of(member(*f, "type")) == "json_schema")
      if (const json::value* schema = member(*f, "schema")) r.schema = *schema;
  if (const json::value* m = req.if_contains("messages"); m && m->is_array()) {
    const json::array& msgs = m->as_array();
    // Ends with a tool's result: the last user turn's last block (text after it is a new ask).
    if (!msgs.empty() && str_of(member(msgs.back(), "role")) == "user")
      if (const json::value* c = member(msgs.back(), "content");
          c && c->is_array() && !c->as_array().empty())
        r.after_tool_result = str_of(member(c->as_array().back(), "type")) == "tool_result";
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it)
      if (str_of(member(*it, "role")) == "user") {
        if (const json::value* c = member(*it, "content")) r.prompt = text_of(*c);
        if (!r.prompt.empty()) break;
      }
  }
  return r;
}

SimAnswer sim_answer(const SimRequest& r, std::uint64_t seed) {
  SimAnswer a;
  const std::uint64_t base = fnv1a(r.prompt, seed * 0x100000001b3ULL + 0xcbf29ce484222325ULL);
  std::vector<const SimTool*> chosen;
  using TC = SimRequest::ToolChoice;
  if (!r.tools.empty() && r.tool_choice != TC::kNone &&
      !(r.tool_choice == TC::kAuto && r.after_tool_result)) {
    if (r.tool_choice == TC::kNamed) {
      for (const SimTool& t : r.tools)
        if (t.name == r.named_tool) chosen.push_back(&t);
      if (chosen.empty()) chosen.push_back(&r.tools.front());
    } else {
      const std::set<std::string> asked = words(r.prompt);
      for (const SimTool& t : r.tools) {
        std::set<std::string> about = words(t.name);
        for (const std::string& w : words(t.description)) about.insert(w);
        if (std::any_of(about.begin(), about.end(),
                        [&](const std::string& w) { return asked.contains(w); }))
          chosen.push_back(&t);
      }
      if (chosen.empty()) chosen.push_back(&r.tools.front());
      if (!r.parallel) chosen.resize(1);
    }
  }
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const SimTool& t = *chosen[i];
    json::value args = t.parameters.is_object()
                           ? sample_schema(t.parameters, fnv1a(t.name, base + i))
                           : json::value(json::object{});
    if (!args.is_object()) args = json::object{};
    a.calls.push_back({t.name, json::serialize(args)});
  }
  if (a.calls.empty()) {
    if (r.schema)
      a.structured = json::serialize(sample_schema(*r.schema, base));
    else if (r.json_object)
      a.structured = json::serialize(json::object{{"answer", "This is a simulated answer."}});
  }
  return a;
}

}  // namespace llmctl::mock
