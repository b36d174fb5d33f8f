#include "cloud/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "common/strings.h"

namespace llmctl::cloud {

namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
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

// Query parameters sorted by encoded name, then value.
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    params.emplace_back(aws_uri_encode(percent_decode(k), false),
                        aws_uri_encode(percent_decode(v), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::map<std::string, std::string> canonical_headers(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    std::string& v = out[lower(name)];
    if (!v.empty()) v += ',';
    v += canonical_value(value);
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(std::span<const std::uint8_t>(digest, sizeof digest));
}

std::string aws_uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string sigv4_amz_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string sigv4_canonical_request(const SigV4Request& req, std::string_view payload_hash) {
  // Non-S3 services: the path as sent is encoded once more, segment by segment.
  std::string path = req.path.empty() ? "/" : aws_uri_encode(req.path, true);
  std::map<std::string, std::string> headers = canonical_headers(req.headers);
  std::string canonical, signed_names;
  for (const auto& [name, value] : headers) {
    canonical += name + ":" + value + "\n";
    if (!signed_names.empty()) signed_names += ';';
    signed_names += name;
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", req.method, path, canonical_query(req.query),
                     canonical, signed_names, payload_hash);
}

std::vector<std::pair<std::string, std::string>> sigv4_sign(const SigV4Request& req,
                                                            const SigV4Scope& scope,
                                                            const AwsCredentials& creds,
                                                            std::int64_t unix_seconds) {
  const std::string amz_date = sigv4_amz_date(unix_seconds);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload_hash = sha256_hex(req.payload);

  std::vector<std::pair<std::string, std::string>> added;
  added.emplace_back("x-amz-date", amz_date);
  if (!creds.session_token.empty()) added.emplace_back("x-amz-security-token", creds.session_token);
  if (req.content_sha256_header) added.emplace_back("x-amz-content-sha256", payload_hash);

  SigV4Request full = req;
  for (const auto& h : added) full.headers.push_back(h);
  const std::string canonical = sigv4_canonical_request(full, payload_hash);
  std::string signed_names;
  for (const auto& [name, value] : canonical_headers(full.headers)) {
    if (!signed_names.empty()) signed_names += ';';
    signed_names += name;
  }

  const std::string credential_scope =
      fmt::format("{}/{}/{}/aws4_request", date, scope.region, scope.service);
  const std::string to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date,
                                          credential_scope, sha256_hex(canonical));
  std::string key = hmac("AWS4" + creds.secret_access_key, date);
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, "aws4_request");
  const std::string sig = hmac(key, to_sign);
  added.emplace_back(
      "authorization",
      fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                  creds.access_key_id, credential_scope, signed_names,
                  to_hex(std::span<const std::uint8_t>(
                      reinterpret_cast<const std::uint8_t*>(sig.data()), sig.size()))));
  return added;
}

}  // namespace llmctl::cloud
