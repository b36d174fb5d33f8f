#include "store/keys.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

namespace llmctl::store {

namespace json = boost::json;

bool KeyRecord::allows_model(std::string_view model) const {
  if (models.empty()) return true;
  return std::find(models.begin(), models.end(), model) != models.end();
}

Scope KeyRecord::scope() const {
  Scope s;
  s.kind = ScopeKind::kKey;
  s.name = id;
  s.limits = limits;
  s.budget = budget;
  return s;
}

namespace {

class SystemRandom final : public RandomSource {
 public:
  void fill(unsigned char* out, std::size_t n) override {
    if (RAND_bytes(out, static_cast<int>(n)) != 1)
      throw std::runtime_error("the system random source failed");  // never on Linux
  }
};

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase32 = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case
constexpr std::size_t kSecretChars = 40;

// Uniform characters from `alphabet` by rejection sampling (no modulo bias).
std::string random_chars(RandomSource& random, std::string_view alphabet, std::size_t n) {
  const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    random.fill(buf, sizeof buf);
    for (unsigned char b : buf) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

json::object limits_json(const KeyRecord& k) {
  json::object o;
  o["rpm"] = k.limits.rpm;
  o["tpm"] = k.limits.tpm;
  o["max_parallel"] = k.limits.max_parallel;
  return o;
}

// Typed reads from a JSON object; errors name the field.
struct Reader {
  const json::object& o;
  std::string error;
  std::string str(std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) {
      if (error.empty()) error = fmt::format("{}: expected a string", key);
      return {};
    }
    return std::string(v->as_string());
  }
  std::int64_t integer(const json::object& from, std::string_view key, std::string_view path) {
    const json::value* v = from.if_contains(key);
    if (!v || v->is_null()) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
    if (error.empty()) error = fmt::format("{}{}: expected an integer", path, key);
    return 0;
  }
  std::int64_t integer(std::string_view key) { return integer(o, key, ""); }
};

}  // namespace

RandomSource& system_random() {
  static SystemRandom r;
  return r;
}

std::string hash_secret(std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(len) * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

bool digests_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool looks_like_key(std::string_view s) {
  return s.size() == kKeyPrefix.size() + kSecretChars && s.starts_with(kKeyPrefix);
}

NewSecret make_secret(RandomSource& random) {
  NewSecret s;
  s.secret = std::string(kKeyPrefix) + random_chars(random, kBase62, kSecretChars);
  s.hash = hash_secret(s.secret);
  s.hint = s.secret.substr(s.secret.size() - 4);
  return s;
}

std::string make_key_id(RandomSource& random) { return "key-" + random_chars(random, kBase32, 12); }

std::string key_to_json(const KeyRecord& k, bool with_hash) {
  json::object o;
  o["id"] = k.id;
  o["name"] = k.name;
  if (with_hash) o["hash"] = k.hash;
  o["hint"] = k.hint;
  o["team"] = k.team;
  o["user"] = k.user;
  o["project"] = k.project;
  o["agent"] = k.agent;
  json::array models;
  for (const auto& m : k.models) models.emplace_back(m);
  o["models"] = std::move(models);
  o["expires_ms"] = k.expires_ms;
  o["limits"] = limits_json(k);
  o["budget"] = json::object{{"hard_nanos", k.budget.hard},
                             {"soft_nanos", k.budget.soft},
                             {"period", period_name(k.budget.period)}};
  json::object tags;
  for (const auto& [key, value] : k.tags) tags[key] = value;
  o["tags"] = std::move(tags);
  o["created_ms"] = k.created_ms;
  o["updated_ms"] = k.updated_ms;
  o["revoked_ms"] = k.revoked_ms;
  o["revision"] = k.revision;
  return json::serialize(o);
}

Result<KeyRecord> key_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Error{"key record: not a JSON object"};
  const json::object& o = v.as_object();
  Reader r{o, {}};
  KeyRecord k;
  k.id = r.str("id");
  k.name = r.str("name");
  k.hash = r.str("hash");
  k.hint = r.str("hint");
  k.team = r.str("team");
  k.user = r.str("user");
  k.project = r.str("project");
  k.agent = r.str("agent");
  if (const json::value* m = o.if_contains("models"); m && m->is_array())
    for (const auto& e : m->as_array())
      if (e.is_string()) k.models.emplace_back(e.as_string());
  k.expires_ms = r.integer("expires_ms");
  if (const json::value* l = o.if_contains("limits"); l && l->is_object()) {
    k.limits.rpm = r.integer(l->as_object(), "rpm", "limits.");
    k.limits.tpm = r.integer(l->as_object(), "tpm", "limits.");
    k.limits.max_parallel = r.integer(l->as_object(), "max_parallel", "limits.");
  }
  if (const json::value* b = o.if_contains("budget"); b && b->is_object()) {
    k.budget.hard = r.integer(b->as_object(), "hard_nanos", "budget.");
    k.budget.soft = r.integer(b->as_object(), "soft_nanos", "budget.");
    if (const json::value* p = b->as_object().if_contains("period"); p && p->is_string()) {
      auto period = parse_period(std::string_view(p->as_string()));
      if (!period) return Error{"key record: budget.period: expected total, day, week or month"};
      k.budget.period = *period;
    }
  }
  if (const json::value* t = o.if_contains("tags"); t && t->is_object())
    for (const auto& [key, value] : t->as_object())
      if (value.is_string()) k.tags[std::string(key)] = std::string(value.as_string());
  k.created_ms = r.integer("created_ms");
  k.updated_ms = r.integer("updated_ms");
  k.revoked_ms = r.integer("revoked_ms");
  k.revision = r.integer("revision");
  if (!r.error.empty()) return Error{"key record: " + r.error};
  if (k.id.empty()) return Error{"key record: id: missing"};
  return k;
}

namespace {

void apply(KeyRecord& k, const KeyFields& f) {
  if (f.name) k.name = *f.name;
  if (f.team) k.team = *f.team;
  if (f.user) k.user = *f.user;
  if (f.project) k.project = *f.project;
  if (f.agent) k.agent = *f.agent;
  if (f.models) k.models = *f.models;
  if (f.expires_ms) k.expires_ms = *f.expires_ms;
  if (f.rpm) k.limits.rpm = *f.rpm;
  if (f.tpm) k.limits.tpm = *f.tpm;
  if (f.max_parallel) k.limits.max_parallel = *f.max_parallel;
  if (f.budget) k.budget.hard = *f.budget;
  if (f.soft_budget) k.budget.soft = *f.soft_budget;
  if (f.budget_period) k.budget.period = *f.budget_period;
  if (f.tags) k.tags = *f.tags;
}

Status check_fields(const KeyRecord& k) {
  if (k.name.empty()) return Error{"name: must not be empty"};
  if (k.name.size() > 200) return Error{"name: at most 200 characters"};
  if (k.limits.rpm < 0 || k.limits.tpm < 0 || k.limits.max_parallel < 0)
    return Error{"limits: rpm, tpm and max_parallel must be 0 (none) or more"};
  if (k.budget.hard < 0 || k.budget.soft < 0) return Error{"budget: must be 0 (none) or more"};
  if (k.budget.hard > 0 && k.budget.soft > k.budget.hard)
    return Error{"soft budget: must not exceed the hard budget"};
  return {};
}

// A name must be unique among keys that are not revoked.
Status check_name_free(KeyStore& store, const KeyRecord& k) {
  auto all = store.list();
  if (!all) return all.error();
  for (const auto& other : *all)
    if (other.id != k.id && !other.revoked() && other.name == k.name)
      return Error{fmt::format("name: a key named \"{}\" exists already ({})", k.name, other.id)};
  return {};
}

}  // namespace

Result<CreatedKey> create_key(KeyStore& store, const KeyFields& fields, RandomSource& random,
                              std::int64_t now_ms) {
  CreatedKey out;
  KeyRecord& k = out.record;
  apply(k, fields);
  if (auto st = check_fields(k); !st.ok()) return st.error();
  if (auto st = check_name_free(store, k); !st.ok()) return st.error();
  NewSecret s = make_secret(random);
  k.id = make_key_id(random);
  k.hash = s.hash;
  k.hint = s.hint;
  k.created_ms = k.updated_ms = now_ms;
  k.revision = 1;
  if (auto st = store.insert(k); !st.ok()) return st.error();
  out.secret = std::move(s.secret);
  return out;
}

Result<KeyRecord> find_key(KeyStore& store, const std::string& id_or_name) {
  auto byid = store.get(id_or_name);
  if (!byid) return byid.error();
  if (*byid) return **byid;
  auto all = store.list();
  if (!all) return all.error();
  for (const auto& k : *all)
    if (!k.revoked() && k.name == id_or_name) return k;
  return Error{fmt::format("no key with id or name \"{}\"", id_or_name)};
}

Result<KeyRecord> update_key(KeyStore& store, const std::string& id_or_name,
                             const KeyFields& fields, std::int64_t now_ms) {
  auto found = find_key(store, id_or_name);
  if (!found) return found.error();
  KeyRecord k = *found;
  if (k.revoked()) return Error{fmt::format("key {} is revoked; create a new one", k.id)};
  apply(k, fields);
  if (auto st = check_fields(k); !st.ok()) return st.error();
  if (fields.name)
    if (auto st = check_name_free(store, k); !st.ok()) return st.error();
  const std::int64_t expected = k.revision;
  k.revision = expected + 1;
  k.updated_ms = now_ms;
  if (auto st = store.replace(k, expected); !st.ok()) return st.error();
  return k;
}

Result<KeyRecord> revoke_key(KeyStore& store, const std::string& id_or_name, std::int64_t now_ms) {
  auto found = find_key(store, id_or_name);
  if (!found) return found.error();
  KeyRecord k = *found;
  if (k.revoked()) return k;  // idempotent
  const std::int64_t expected = k.revision;
  k.revision = expected + 1;
  k.revoked_ms = now_ms;
  k.updated_ms = now_ms;
  if (auto st = store.replace(k, expected); !st.ok()) return st.error();
  return k;
}

Result<CreatedKey> rotate_key(KeyStore& store, const std::string& id_or_name, RandomSource& random,
                              std::int64_t now_ms) {
  auto found = find_key(store, id_or_name);
  if (!found) return found.error();
  CreatedKey out;
  out.record = *found;
  KeyRecord& k = out.record;
  if (k.revoked()) return Error{fmt::format("key {} is revoked; create a new one", k.id)};
  NewSecret s = make_secret(random);
  const std::int64_t expected = k.revision;
  k.revision = expected + 1;
  k.hash = s.hash;
  k.hint = s.hint;
  k.updated_ms = now_ms;
  if (auto st = store.replace(k, expected); !st.ok()) return st.error();
  out.secret = std::move(s.secret);
  return out;
}

}  // namespace llmctl::store
