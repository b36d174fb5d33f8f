#include "finops/gpu_metrics.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "finops/reader_util.h"

namespace llmctl::finops {
namespace {

namespace json = boost::json;

Result<std::vector<GpuSample>> from_prometheus(const json::value& v, const std::string& name) {
  const json::value* data = v.is_object() ? v.get_object().if_contains("data") : nullptr;
  const json::value* result =
      data && data->is_object() ? data->get_object().if_contains("result") : nullptr;
  if (!result || !result->is_array())
    return Error{name +
                 ": expected a Prometheus query_range answer ({\"data\": {\"result\": "
                 "[...]}})"};
  std::vector<GpuSample> out;
  for (const auto& series : result->get_array()) {
    if (!series.is_object()) continue;
    const auto& so = series.get_object();
    std::string dep, gpu;
    if (const json::value* m = so.if_contains("metric"); m && m->is_object()) {
      const auto& mo = m->get_object();
      for (const char* k : {"deployment", "pod", "Hostname", "instance"})
        if (auto* x = mo.if_contains(k); x && x->is_string() && dep.empty())
          dep = std::string(x->get_string());
      if (auto* x = mo.if_contains("modelName"); x && x->is_string())
        gpu = std::string(x->get_string());
    }
    const json::value* values = so.if_contains("values");
    if (!values || !values->is_array()) continue;
    for (const auto& p : values->get_array()) {
      if (!p.is_array() || p.get_array().size() != 2) continue;
      auto ts = detail::value_number(p.get_array()[0]);
      auto u = detail::value_number(p.get_array()[1]);
      if (!ts || !u) continue;
      GpuSample s;
      s.ts_ms = static_cast<std::int64_t>(*ts * 1000);
      s.deployment = dep;
      s.gpu = gpu;
      s.utilization = *u > 1 ? *u / 100 : *u;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<GpuSample>> parse_gpu_metrics(std::string_view text, const std::string& name,
                                                 std::vector<std::string>& rejected) {
  if (detail::looks_like_json(text)) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return Error{fmt::format("{}: not JSON: {}", name, ec.message())};
    return from_prometheus(v, name);
  }
  detail::CsvReader csv(text, name);
  std::vector<std::string> header, f;
  if (!csv.next(header)) return Error{name + ": empty file"};
  detail::CsvHeader h;
  for (auto& x : header) h.names.push_back(to_lower(trim(x)));
  auto ts = h.find_any({"timestamp", "time", "ts"});
  auto dep = h.find_any({"deployment", "pod", "hostname", "instance"});
  auto gpu = h.find_any({"gpu", "modelname", "gpu_model"});
  auto util = h.find_any({"utilization", "util", "dcgm_fi_dev_gpu_util"});
  auto count = h.find_any({"gpus", "gpu_count"});
  auto price = h.find_any({"usd_per_hour", "usd_per_gpu_hour"});
  if (!ts || !dep || !util || !gpu)
    return Error{
        fmt::format("{}:1:1: GPU metrics need columns timestamp, deployment, gpu and "
                    "utilization; found {}",
                    name, join(header, ", "))};
  std::vector<GpuSample> out;
  while (csv.next(f)) {
    int line = csv.record_line();
    auto bad = [&](std::size_t col, const std::string& what) {
      rejected.push_back(
          fmt::format("{}:{}:{}: {}: {}", name, line, csv.field_column(col), header[col], what));
    };
    if (f.size() != header.size()) {
      rejected.push_back(fmt::format("{}:{}:1: expected {} fields, found {}", name, line,
                                     header.size(), f.size()));
      continue;
    }
    GpuSample s;
    auto t = parse_timestamp(f[*ts]);
    if (!t) {
      bad(*ts, t.error().message);
      continue;
    }
    s.ts_ms = *t;
    s.deployment = trim(f[*dep]);
    s.gpu = trim(f[*gpu]);
    bool b = false;
    auto u = detail::cell_number(f[*util], b);
    if (b || !u || *u < 0 || *u > 100) {
      bad(*util, fmt::format("expected a utilisation in 0-1 or 0-100, found \"{}\"", f[*util]));
      continue;
    }
    s.utilization = *u > 1 ? *u / 100 : *u;
    if (count) {
      auto n = detail::cell_integer(f[*count], b);
      if (b || (n && *n < 1)) {
        bad(*count, fmt::format("expected a GPU count of 1 or more, found \"{}\"", f[*count]));
        continue;
      }
      if (n) s.gpus = static_cast<int>(*n);
    }
    if (price) {
      auto p = detail::cell_number(f[*price], b);
      if (b || (p && *p < 0)) {
        bad(*price, fmt::format("expected $/GPU-hour, found \"{}\"", f[*price]));
        continue;
      }
      if (p) s.usd_per_hour = *p;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace llmctl::finops
