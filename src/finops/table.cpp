#include "finops/table.h"

#include <algorithm>

namespace llmctl::finops {

const char* text_column_name(Text t) {
  switch (t) {
    case Text::kModel:
      return "model";
    case Text::kProvider:
      return "provider";
    case Text::kDeployment:
      return "deployment";
    case Text::kEndpoint:
      return "endpoint";
    case Text::kKey:
      return "key";
    case Text::kTeam:
      return "team";
    case Text::kUser:
      return "user";
    case Text::kProject:
      return "project";
    case Text::kAgent:
      return "agent";
    case Text::kSession:
      return "session";
    case Text::kErrorClass:
      return "error_class";
    case Text::kFinishReason:
      return "finish_reason";
    case Text::kPriceId:
      return "price_id";
    case Text::kTags:
      return "tags";
    case Text::kUpstreamModel:
      return "upstream_model";
    case Text::kCount:
      break;
  }
  return "?";
}

const char* column_name(Column c) {
  switch (c) {
    case Column::kTimestamp:
      return "timestamp";
    case Column::kCacheRead:
      return "cache_read_tokens";
    case Column::kCacheWrite:
      return "cache_write_tokens";
    case Column::kReasoning:
      return "reasoning_tokens";
    case Column::kStatus:
      return "status";
    case Column::kStream:
      return "stream";
    case Column::kMaxTokens:
      return "max_tokens";
    case Column::kHasTools:
      return "has_tools";
    case Column::kDuration:
      return "duration_ms";
    case Column::kAttempts:
      return "attempts";
    case Column::kRequestFingerprint:
      return "request_fingerprint";
    case Column::kSystemFingerprint:
      return "system_fingerprint";
    case Column::kPrefixFingerprint:
      return "prefix_fingerprint";
    case Column::kPrefixTokens:
      return "prefix_tokens";
    case Column::kReportedCost:
      return "reported cost";
    case Column::kCount:
      break;
  }
  return "?";
}

Dict::Dict() {
  values_.emplace_back();
  index_.emplace("", 0);
}

std::uint32_t Dict::intern(std::string_view s) {
  if (s.empty()) return 0;
  if (auto it = index_.find(s); it != index_.end()) return it->second;
  auto code = static_cast<std::uint32_t>(values_.size());
  values_.emplace_back(s);
  index_.emplace(std::string(s), code);
  return code;
}

long long Dict::find(std::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? -1 : static_cast<long long>(it->second);
}

void UsageTable::reserve(std::size_t n) {
  ts_ms.reserve(n);
  requests.reserve(n);
  input_tokens.reserve(n);
  cache_read_tokens.reserve(n);
  cache_write_tokens.reserve(n);
  output_tokens.reserve(n);
  reasoning_tokens.reserve(n);
  cost_usd.reserve(n);
  price_index.reserve(n);
  reported_cost_usd.reserve(n);
  status.reserve(n);
  stream.reserve(n);
  has_tools.reserve(n);
  batch.reserve(n);
  max_tokens.reserve(n);
  attempts.reserve(n);
  duration_ms.reserve(n);
  request_fp.reserve(n);
  system_fp.reserve(n);
  prefix_fp.reserve(n);
  prefix_tokens.reserve(n);
  system_tokens.reserve(n);
  for (auto& c : text_) c.reserve(n);
}

void UsageTable::append(const UsageRow& r) {
  ts_ms.push_back(r.ts_ms);
  requests.push_back(r.requests);
  input_tokens.push_back(r.input_tokens);
  cache_read_tokens.push_back(r.cache_read_tokens);
  cache_write_tokens.push_back(r.cache_write_tokens);
  output_tokens.push_back(r.output_tokens);
  reasoning_tokens.push_back(r.reasoning_tokens);
  cost_usd.push_back(0);
  price_index.push_back(-1);
  reported_cost_usd.push_back(r.reported_cost_usd);
  status.push_back(static_cast<std::int16_t>(r.status));
  stream.push_back(static_cast<std::int8_t>(r.stream));
  has_tools.push_back(static_cast<std::int8_t>(r.has_tools));
  batch.push_back(static_cast<std::int8_t>(r.batch));
  max_tokens.push_back(r.max_tokens);
  attempts.push_back(static_cast<std::int16_t>(r.attempts));
  duration_ms.push_back(r.duration_ms);
  request_fp.push_back(r.request_fp);
  system_fp.push_back(r.system_fp);
  prefix_fp.push_back(r.prefix_fp);
  prefix_tokens.push_back(r.prefix_tokens);
  system_tokens.push_back(r.system_tokens);
  for (std::size_t i = 0; i < kTextColumns; ++i) text_[i].push_back(dicts_[i].intern(r.text[i]));
}

namespace {
std::string clean_tag_part(std::string s) {
  std::replace(s.begin(), s.end(), ',', '_');
  std::replace(s.begin(), s.end(), '=', '_');
  return s;
}
}  // namespace

std::string canonical_tags(std::vector<std::pair<std::string, std::string>> tags) {
  for (auto& [k, v] : tags) {
    k = clean_tag_part(k);
    v = clean_tag_part(v);
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; }),
             tags.end());
  std::string out;
  for (const auto& [k, v] : tags) {
    if (k.empty()) continue;
    if (!out.empty()) out += ',';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> split_tags(std::string_view canonical) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!canonical.empty()) {
    std::size_t comma = canonical.find(',');
    std::string_view part = canonical.substr(0, comma);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(std::string(part), "");
    else
      out.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    if (comma == std::string_view::npos) break;
    canonical.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace llmctl::finops
