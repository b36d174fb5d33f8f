// Pure parts of the simulator: scenario parsing, validation and deterministic content.
#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>

#include "mock/mock.h"
#include "mock/mock_fields.h"

namespace llmctl::mock {

void read_mock_fields(yaml::Fields& f, MockOptions& o, bool network_fields) {
  if (network_fields) {
    o.host = f.str("host", o.host);
    o.port = static_cast<int>(f.integer("port", o.port, 0, 65535));
  }
  o.workers = static_cast<int>(f.integer("workers", o.workers, 1, 256));
  o.seed = static_cast<std::uint64_t>(f.integer("seed", static_cast<long long>(o.seed), 0));
  o.ttft_ms = f.num("ttft_ms", o.ttft_ms, 0);
  o.ttft_jitter_ms = f.num("ttft_jitter_ms", o.ttft_jitter_ms, 0);
  o.tpot_ms = f.num("tpot_ms", o.tpot_ms, 0);
  o.tpot_jitter_ms = f.num("tpot_jitter_ms", o.tpot_jitter_ms, 0);
  o.slow_headers_ms = f.num("slow_headers_ms", o.slow_headers_ms, 0);
  o.output_tokens = static_cast<int>(f.integer("output_tokens", o.output_tokens, 1, 1000000));
  o.output_tokens_jitter =
      static_cast<int>(f.integer("output_tokens_jitter", o.output_tokens_jitter, 0, 1000000));
  o.fail_rate = f.num("fail_rate", o.fail_rate, 0, 1);
  o.fail_status = static_cast<int>(f.integer("fail_status", o.fail_status, 400, 599));
  o.rate_limit_rate = f.num("rate_limit_rate", o.rate_limit_rate, 0, 1);
  o.retry_after_s = static_cast<int>(f.integer("retry_after_s", o.retry_after_s, 0, 86400));
  o.hang_rate = f.num("hang_rate", o.hang_rate, 0, 1);
  o.hang_ms = f.num("hang_ms", o.hang_ms, 0);
  o.disconnect_rate = f.num("disconnect_rate", o.disconnect_rate, 0, 1);
  o.disconnect_after =
      static_cast<int>(f.integer("disconnect_after", o.disconnect_after, 0, 1000000));
  o.fail_first_n = static_cast<int>(f.integer("fail_first_n", o.fail_first_n, 0, 1 << 30));
  o.max_context_tokens =
      static_cast<int>(f.integer("max_context_tokens", o.max_context_tokens, 0, 1 << 30));
  o.cache_hit_share = f.num("cache_hit_share", o.cache_hit_share, 0, 1);
  o.embedding_dims = static_cast<int>(f.integer("embedding_dims", o.embedding_dims, 1, 65536));
  o.api_key = f.str("api_key", o.api_key);
  if (f.has("models"))
    o.models = f.str_list("models");
  else
    f.get("models");
}

Result<MockOptions> parse_scenario(std::string_view yaml_text, const std::string& file_name,
                                   MockOptions base) {
  try {
    YAML::Node root = yaml::parse(file_name, std::string(yaml_text));
    if (!root.IsDefined() || root.IsNull()) return base;  // an empty scenario changes nothing
    yaml::Fields f(file_name, root, "");
    read_mock_fields(f, base, true);
    f.finish();
  } catch (const yaml::FieldError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}: invalid YAML: {}", yaml::position(file_name, e.mark), e.msg)};
  }
  if (auto st = validate_mock_options(base); !st.ok()) return st.error().wrap(file_name);
  return base;
}

Status validate_mock_options(const MockOptions& o) {
  auto rate = [](double v) { return v >= 0 && v <= 1; };
  if (o.port < 0 || o.port > 65535)
    return Error{fmt::format("port: must be 0..65535, found {}", o.port)};
  if (o.workers < 1) return Error{fmt::format("workers: must be at least 1, found {}", o.workers)};
  if (!rate(o.fail_rate))
    return Error{fmt::format("fail_rate: must be 0..1, found {}", o.fail_rate)};
  if (!rate(o.rate_limit_rate))
    return Error{fmt::format("rate_limit_rate: must be 0..1, found {}", o.rate_limit_rate)};
  if (!rate(o.hang_rate))
    return Error{fmt::format("hang_rate: must be 0..1, found {}", o.hang_rate)};
  if (!rate(o.disconnect_rate))
    return Error{fmt::format("disconnect_rate: must be 0..1, found {}", o.disconnect_rate)};
  if (!rate(o.cache_hit_share))
    return Error{fmt::format("cache_hit_share: must be 0..1, found {}", o.cache_hit_share)};
  if (o.fail_status < 400 || o.fail_status > 599)
    return Error{
        fmt::format("fail_status: must be an HTTP error status 400..599, found {}", o.fail_status)};
  if (o.output_tokens < 1)
    return Error{fmt::format("output_tokens: must be at least 1, found {}", o.output_tokens)};
  if (o.embedding_dims < 1)
    return Error{fmt::format("embedding_dims: must be at least 1, found {}", o.embedding_dims)};
  for (double v :
       {o.ttft_ms, o.ttft_jitter_ms, o.tpot_ms, o.tpot_jitter_ms, o.slow_headers_ms, o.hang_ms})
    if (!(v >= 0)) return Error{"timings must be non-negative milliseconds"};
  if (o.models.empty()) return Error{"models: must list at least one model"};
  if (o.fail_first_n < 0 || o.max_context_tokens < 0)
    return Error{"fail_first_n and max_context_tokens must be at least 0"};
  return {};
}

Status apply_fault_update(std::string_view json_body, MockOptions& o) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_body, ec);
  if (ec || !v.is_object()) return Error{"/mock/faults: expected a JSON object"};
  MockOptions next = o;
  for (const auto& [key, val] : v.as_object()) {
    if (!val.is_number()) return Error{fmt::format("/mock/faults: {}: expected a number", key)};
    const double x = val.to_number<double>();
    const int n = static_cast<int>(x);
    if (key == "fail_rate")
      next.fail_rate = x;
    else if (key == "fail_status")
      next.fail_status = n;
    else if (key == "rate_limit_rate")
      next.rate_limit_rate = x;
    else if (key == "retry_after_s")
      next.retry_after_s = n;
    else if (key == "hang_rate")
      next.hang_rate = x;
    else if (key == "hang_ms")
      next.hang_ms = x;
    else if (key == "disconnect_rate")
      next.disconnect_rate = x;
    else if (key == "disconnect_after")
      next.disconnect_after = n;
    else if (key == "slow_headers_ms")
      next.slow_headers_ms = x;
    else if (key == "ttft_ms")
      next.ttft_ms = x;
    else if (key == "tpot_ms")
      next.tpot_ms = x;
    else if (key == "fail_first_n")
      next.fail_first_n = n;
    else if (key == "max_context_tokens")
      next.max_context_tokens = n;
    else
      return Error{fmt::format("/mock/faults: {}: unknown field", std::string(key))};
  }
  if (auto st = validate_mock_options(next); !st.ok()) return st.error().wrap("/mock/faults");
  o = std::move(next);
  return {};
}

std::string_view mock_token(int i) {
  static constexpr std::array<std::string_view, 16> kWords = {
      " This", " is",       " a",  " simulated", " answer", " from",       " the",  " llmctl",
      " mock", " upstream", " so", " tests",     " and",    " benchmarks", " need", " no key."};
  return kWords[static_cast<std::size_t>(i) % kWords.size()];
}

namespace {
std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

std::vector<float> mock_embedding(std::string_view input, int dims) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : input) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  std::vector<float> v(static_cast<std::size_t>(std::max(dims, 1)));
  double norm = 0;
  for (auto& x : v) {
    x = static_cast<float>(static_cast<double>(splitmix(h) >> 11) / 9007199254740992.0 * 2 - 1);
    norm += static_cast<double>(x) * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0)
    for (auto& x : v) x = static_cast<float>(x / norm);
  return v;
}

std::string base64_floats(const std::vector<float>& v) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * 4, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t u = 0;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b)
      bytes[i * 4 + static_cast<std::size_t>(b)] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

long long mock_token_count(std::size_t chars) {
  return std::max<long long>(1, static_cast<long long>((chars + 3) / 4));
}

}  // namespace llmctl::mock
