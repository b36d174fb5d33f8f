#include "cloud/oauth.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cctype>
#include <memory>

namespace llmctl::cloud {

namespace json = boost::json;

namespace {

std::string_view str_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  auto encode = [](std::string_view s, std::string& out) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode(name, out);
    out += '=';
    encode(value, out);
  }
  return out;
}

Result<ServiceAccountKey> parse_service_account_key(std::string_view text,
                                                    std::string_view file_name) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    return Error{
        fmt::format("{}: not a JSON object (expected a service-account key file)", file_name)};
  const json::object& o = v.as_object();
  const std::string_view type = str_field(o, "type");
  if (type != "service_account")
    return Error{fmt::format(
        "{}: type is \"{}\", expected \"service_account\" (a key file from IAM > Service accounts "
        "> Keys; for gcloud user credentials give a token with access_token_env instead)",
        file_name, type)};
  ServiceAccountKey k;
  k.client_email = str_field(o, "client_email");
  k.private_key = str_field(o, "private_key");
  k.private_key_id = str_field(o, "private_key_id");
  k.token_uri = str_field(o, "token_uri");
  k.project_id = str_field(o, "project_id");
  if (k.client_email.empty()) return Error{fmt::format("{}: client_email is missing", file_name)};
  if (k.private_key.find("-----BEGIN PRIVATE KEY-----") == std::string::npos)
    return Error{fmt::format("{}: private_key is missing or not a PEM PKCS#8 key", file_name)};
  if (k.token_uri.empty()) k.token_uri = kGoogleTokenUri;
  return k;
}

Result<std::string> sign_jwt_rs256(std::string_view header_json, std::string_view claims_json,
                                   std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return Error{"cannot read the private key: " + openssl_error()};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return Error{"private_key is not a readable PEM key: " + openssl_error()};
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
    return Error{"private_key is not an RSA key (RS256 needs one)"};
  const std::string signing_input = base64url(header_json) + "." + base64url(claims_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return Error{"RS256 signing failed: " + openssl_error()};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return Error{"RS256 signing failed: " + openssl_error()};
  sig.resize(len);
  return signing_input + "." + base64url(sig);
}

Result<std::string> service_account_assertion(const ServiceAccountKey& key, std::string_view scope,
                                              std::int64_t now, std::int64_t lifetime_s) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  const json::object claims{{"iss", key.client_email},
                            {"scope", scope},
                            {"aud", key.token_uri},
                            {"iat", now},
                            {"exp", now + lifetime_s}};
  return sign_jwt_rs256(json::serialize(header), json::serialize(claims), key.private_key);
}

Result<AccessToken> parse_token_response(unsigned status, std::string_view body, std::int64_t now) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  if (status < 200 || status >= 300) {
    std::string why = o ? std::string(str_field(*o, "error")) : std::string();
    if (o && !str_field(*o, "error_description").empty())
      why += fmt::format(": {}", str_field(*o, "error_description"));
    if (why.empty()) why = std::string(body.substr(0, 300));
    return Error{fmt::format("the token endpoint answered HTTP {}: {}", status, why)};
  }
  if (!o) return Error{"the token endpoint's answer is not a JSON object"};
  AccessToken t;
  t.token = str_field(*o, "access_token");
  if (t.token.empty()) return Error{"the token endpoint's answer has no access_token"};
  std::int64_t expires_in = 3600;
  if (const json::value* e = o->if_contains("expires_in")) {
    if (e->is_int64())
      expires_in = e->as_int64();
    else if (e->is_uint64())
      expires_in = static_cast<std::int64_t>(e->as_uint64());
    else if (e->is_string())  // Entra's v1 endpoint sends it as a string
      expires_in = std::atoll(e->as_string().c_str());
  }
  if (expires_in <= 0) return Error{"the token endpoint's answer has expires_in <= 0"};
  t.expires_at_unix_s = now + expires_in;
  return t;
}

}  // namespace llmctl::cloud
