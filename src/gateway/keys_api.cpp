#include "gateway/keys_api.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "common/strings.h"
#include "gateway/protocol.h"
#include "gateway/yaml_fields.h"
#include "store/redis.h"
#include "store/sqlite_store.h"

namespace llmctl::gateway {

namespace json = boost::json;
using store::KeyRecord;

namespace {

json::value opt_time(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  return json::value(rfc3339(ms));
}

bool parse_fixed(std::string_view s, std::size_t at, std::size_t len, int& out) {
  if (at + len > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
  return ec == std::errc() && p == s.data() + at + len;
}

}  // namespace

std::string rfc3339(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds(unix_ms)};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(tp - day)};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

Result<std::int64_t> parse_expiry(std::string_view text) {
  if (text.empty() || text == "never") return std::int64_t{0};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const bool date = text.size() >= 10 && parse_fixed(text, 0, 4, y) && text[4] == '-' &&
                    parse_fixed(text, 5, 2, mo) && text[7] == '-' && parse_fixed(text, 8, 2, d);
  bool ok = date && text.size() == 10;
  if (date && text.size() == 20)
    ok = text[10] == 'T' && parse_fixed(text, 11, 2, h) && text[13] == ':' &&
         parse_fixed(text, 14, 2, mi) && text[16] == ':' && parse_fixed(text, 17, 2, s) &&
         text[19] == 'Z' && h < 24 && mi < 60 && s < 60;
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ok || !ymd.ok())
    return Error{fmt::format(
        "expires: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or never, found \"{}\"", text)};
  return duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count() +
         ((h * 60LL + mi) * 60 + s) * 1000;
}

json::object key_to_api(const KeyRecord& k, std::int64_t now_ms) {
  json::object o;
  o["id"] = k.id;
  o["name"] = k.name;
  o["hint"] = k.hint;
  o["status"] = k.revoked() ? "revoked" : k.expired(now_ms) ? "expired" : "active";
  o["team"] = k.team;
  o["user"] = k.user;
  o["project"] = k.project;
  o["agent"] = k.agent;
  json::array models;
  for (const auto& m : k.models) models.emplace_back(m);
  o["models"] = std::move(models);
  o["rpm"] = k.limits.rpm;
  o["tpm"] = k.limits.tpm;
  o["max_parallel"] = k.limits.max_parallel;
  o["budget_usd"] = store::nanos_to_usd(k.budget.hard);
  o["soft_budget_usd"] = store::nanos_to_usd(k.budget.soft);
  o["budget_period"] = store::period_name(k.budget.period);
  o["expires"] = opt_time(k.expires_ms);
  json::object tags;
  for (const auto& [key, v] : k.tags) tags[key] = v;
  o["tags"] = std::move(tags);
  o["created"] = opt_time(k.created_ms);
  o["updated"] = opt_time(k.updated_ms);
  o["revoked"] = opt_time(k.revoked_ms);
  return o;
}

Result<store::KeyFields> key_fields_from_api(const json::object& body) {
  store::KeyFields f;
  for (const auto& kv : body) {
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    auto bad = [&](std::string_view expected) {
      return Error{fmt::format("{}: expected {}", key, expected)};
    };
    auto str = [&]() -> Result<std::string> {
      if (!v.is_string()) return bad("a string");
      return std::string(v.get_string());
    };
    auto count = [&]() -> Result<std::int64_t> {
      if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
      if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
      return bad("an integer of 0 or more (0: no limit)");
    };
    auto usd = [&]() -> Result<store::Nanos> {
      if (!v.is_number() || v.to_number<double>() < 0) return bad("a number of dollars, 0 or more");
      return store::usd_to_nanos(v.to_number<double>());
    };
    if (key == "name" || key == "team" || key == "user" || key == "project" || key == "agent") {
      auto s = str();
      if (!s) return s.error();
      (key == "name"      ? f.name
       : key == "team"    ? f.team
       : key == "user"    ? f.user
       : key == "project" ? f.project
                          : f.agent) = *s;
    } else if (key == "models") {
      if (!v.is_array()) return bad("a list of model names");
      std::vector<std::string> models;
      for (const auto& m : v.get_array()) {
        if (!m.is_string()) return bad("a list of model names");
        models.emplace_back(m.get_string());
      }
      f.models = std::move(models);
    } else if (key == "rpm" || key == "tpm" || key == "max_parallel") {
      auto n = count();
      if (!n) return n.error();
      (key == "rpm" ? f.rpm : key == "tpm" ? f.tpm : f.max_parallel) = *n;
    } else if (key == "budget_usd" || key == "soft_budget_usd") {
      auto n = usd();
      if (!n) return n.error();
      (key == "budget_usd" ? f.budget : f.soft_budget) = *n;
    } else if (key == "budget_period") {
      auto s = str();
      if (!s) return s.error();
      auto p = store::parse_period(*s);
      if (!p) return bad("day, week, month or total");
      f.budget_period = *p;
    } else if (key == "expires") {
      if (v.is_null()) {
        f.expires_ms = 0;
        continue;
      }
      auto s = str();
      if (!s) return s.error();
      auto ms = parse_expiry(*s);
      if (!ms) return ms.error();
      f.expires_ms = *ms;
    } else if (key == "tags") {
      if (!v.is_object()) return bad("an object of string values");
      std::map<std::string, std::string> tags;
      for (const auto& [tk, tv] : v.get_object()) {
        if (!tv.is_string()) return bad("an object of string values");
        tags[std::string(tk)] = std::string(tv.get_string());
      }
      f.tags = std::move(tags);
    } else {
      static const std::vector<std::string> known = {
          "name",    "team", "user",         "project",    "agent",           "models",
          "rpm",     "tpm",  "max_parallel", "budget_usd", "soft_budget_usd", "budget_period",
          "expires", "tags"};
      std::string hint = llmctl::closest(key, known);
      return Error{fmt::format("{}: unknown field{}", key,
                               hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint))};
    }
  }
  return f;
}

StoreSettings store_settings(const Config& c) {
  StoreSettings s;
  s.kind = c.governance.store;
  s.sqlite_path = c.governance.sqlite_path.empty() ? c.request_log.path : c.governance.sqlite_path;
  s.redis_url = c.governance.redis_url;
  s.redis_prefix = c.governance.redis_prefix;
  return s;
}

Result<StoreSettings> read_store_settings(std::string_view yaml_text, const std::string& file,
                                          const Environment& env) {
  StoreSettings s;
  try {
    YAML::Node root = llmctl::yaml::parse(file, std::string(yaml_text));
    if (root.IsMap()) {
      if (YAML::Node log = root["logging"]; log.IsMap())
        if (YAML::Node rl = log["request_log"]; rl.IsMap() && rl["path"].IsScalar())
          s.sqlite_path = rl["path"].Scalar();
      if (YAML::Node g = root["governance"]; g.IsMap()) {
        auto scalar = [&](const char* k) {
          return g[k].IsScalar() ? g[k].Scalar() : std::string();
        };
        if (scalar("store") == "redis") s.kind = StoreKind::kRedis;
        if (!scalar("path").empty()) s.sqlite_path = scalar("path");
        if (!scalar("redis_prefix").empty()) s.redis_prefix = scalar("redis_prefix");
        s.redis_url = scalar("redis_url");
        if (s.redis_url.empty() && !scalar("redis_url_env").empty()) {
          auto v = env.get(scalar("redis_url_env"));
          if (!v || trim(*v).empty())
            return Error{
                fmt::format("{}: governance.redis_url_env: environment variable {} is "
                            "not set",
                            file, scalar("redis_url_env"))};
          s.redis_url = trim(*v);
        }
        if (s.kind == StoreKind::kRedis && s.redis_url.empty())
          return Error{
              fmt::format("{}: governance: store: redis needs redis_url or redis_url_env", file)};
      }
    }
  } catch (const llmctl::yaml::FieldError& e) {
    return Error{e.message};
  }
  if (s.kind == StoreKind::kSqlite && s.sqlite_path.empty())
    return Error{fmt::format(
        "{}: no key store: set logging.request_log.path or governance.path (the SQLite file "
        "keys live in)",
        file)};
  return s;
}

Result<std::unique_ptr<store::KeyStore>> open_key_store(const StoreSettings& s) {
  if (s.kind == StoreKind::kSqlite) {
    auto st = store::SqliteStore::open(s.sqlite_path);
    if (!st) return st.error();
    return std::unique_ptr<store::KeyStore>(std::move(*st));
  }
  auto o = store::parse_redis_url(s.redis_url);
  if (!o) return o.error().wrap("governance.redis_url");
  o->prefix = s.redis_prefix;
  auto client = store::RedisClient::connect(*o);
  if (!client) return client.error();
  return std::unique_ptr<store::KeyStore>(
      std::make_unique<store::RedisKeyStore>(std::move(*client)));
}

Result<AdminAnswer> admin_call(const std::string& base_url, std::string_view method,
                               std::string_view target, const std::string& token,
                               const std::string& body) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto url = parse_url(base_url);
  if (!url) return url.error().wrap("--admin");
  if (url->tls) return Error{"--admin: https is not supported; use the admin listener's http URL"};
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(url->host, url->port));
    http::request<http::string_body> req{http::string_to_verb(method),
                                         url->base_path + std::string(target), 11};
    req.set(http::field::host, url->host_header);
    req.set(http::field::user_agent, "llmctl-keys");
    req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return AdminAnswer{static_cast<int>(res.result_int()), std::move(res.body())};
  } catch (const std::exception& e) {
    return Error{fmt::format("admin API {}: {}", base_url, e.what())};
  }
}

namespace {

AdminAnswer api_error(int status, const std::string& message, std::string_view code) {
  return AdminAnswer{status, openai_error_body(message, "invalid_request_error", {}, code)};
}

// A store error as an answer: which key or field, and what kind of failure.
AdminAnswer store_error(const Error& e) {
  const std::string& m = e.message;
  if (m.starts_with("no key with")) return api_error(404, m, "key_not_found");
  if (m.find("exists already") != std::string::npos || m.find("is revoked") != std::string::npos ||
      m.find("revision") != std::string::npos)
    return api_error(409, m, "conflict");
  return api_error(400, m, "invalid_key_fields");
}

}  // namespace

AdminAnswer serve_keys_api(store::KeyStore& ks, std::string_view method, std::string_view target,
                           std::string_view body, std::int64_t now_ms) {
  std::string_view rest = target.substr(std::string_view("/admin/keys").size());
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  std::string id(rest), action;
  if (auto slash = id.find('/'); slash != std::string::npos) {
    action = id.substr(slash + 1);
    id.resize(slash);
  }
  auto fields = [&]() -> Result<store::KeyFields> {
    boost::system::error_code ec;
    json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
    if (ec || !v.is_object()) return Error{"the body must be a JSON object of key fields"};
    return key_fields_from_api(v.get_object());
  };
  auto with_secret = [&](const store::CreatedKey& c, int status) {
    json::object o = key_to_api(c.record, now_ms);
    o["key"] = c.secret;
    return AdminAnswer{status, json::serialize(o)};
  };
  if (id.empty()) {
    if (method == "GET") {
      auto all = ks.list();
      if (!all) return api_error(503, all.error().message, "store_unavailable");
      json::array out;
      for (const auto& k : *all) out.push_back(key_to_api(k, now_ms));
      return AdminAnswer{200, json::serialize(json::object{{"keys", std::move(out)}})};
    }
    if (method == "POST") {
      auto kf = fields();
      if (!kf) return api_error(400, kf.error().message, "invalid_key_fields");
      auto created = store::create_key(ks, *kf, store::system_random(), now_ms);
      if (!created) return store_error(created.error());
      return with_secret(*created, 201);
    }
    return api_error(405, "Use GET (list) or POST (create) on /admin/keys.", "method_not_allowed");
  }
  if (action == "rotate") {
    if (method != "POST")
      return api_error(405, "Use POST on /admin/keys/{id}/rotate.", "method_not_allowed");
    auto rotated = store::rotate_key(ks, id, store::system_random(), now_ms);
    if (!rotated) return store_error(rotated.error());
    return with_secret(*rotated, 200);
  }
  if (!action.empty())
    return api_error(404, fmt::format("Unknown admin URL: {}.", target), "unknown_url");
  Result<KeyRecord> k = Error{""};
  if (method == "GET") {
    k = store::find_key(ks, id);
  } else if (method == "PATCH") {
    auto kf = fields();
    if (!kf) return api_error(400, kf.error().message, "invalid_key_fields");
    k = store::update_key(ks, id, *kf, now_ms);
  } else if (method == "DELETE") {
    k = store::revoke_key(ks, id, now_ms);
  } else {
    return api_error(405, "Use GET, PATCH or DELETE on /admin/keys/{id}.", "method_not_allowed");
  }
  if (!k) return store_error(k.error());
  return AdminAnswer{200, json::serialize(key_to_api(*k, now_ms))};
}

}  // namespace llmctl::gateway
