#include "measured_rows.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace llmctl::bench {
namespace {

YAML::Node load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const std::exception& e) {
    throw RowsError(fmt::format("{}: {}", path, e.what()));
  }
}

template <typename T>
T get_or(const YAML::Node& n, const char* key, T fallback) {
  return n[key] ? n[key].as<T>() : fallback;
}

perf::LoadMode load_mode(const std::string& mode, const std::string& where) {
  if (mode == "offline") return perf::LoadMode::kOffline;
  if (mode == "qps") return perf::LoadMode::kQps;
  if (mode == "concurrency") return perf::LoadMode::kConcurrency;
  if (mode == "batch") return perf::LoadMode::kBatch;
  throw RowsError(
      fmt::format("{}: load mode `{}`: expected offline, qps, concurrency or batch", where, mode));
}

}  // namespace

int min_drawn_length(double length_range_ratio, int nominal) {
  return std::max(1, static_cast<int>(length_range_ratio * nominal));
}

double mean_drawn_length(double length_range_ratio, int nominal) {
  if (length_range_ratio <= 0) return nominal;
  return (min_drawn_length(length_range_ratio, nominal) + nominal) / 2.0;
}

std::map<std::string, BenchmarkClient> load_clients(const std::vector<std::string>& paths) {
  std::map<std::string, BenchmarkClient> defined;
  std::map<std::string, std::pair<std::string, std::string>> aliases;  // id -> (same_as, where)
  for (const std::string& path : paths) {
    const YAML::Node root = load_file(path);
    if (!root["clients"]) continue;
    for (const auto& kv : root["clients"]) {
      const YAML::Node& n = kv.second;
      const std::string where = fmt::format("{}:{}", path, n.Mark().line + 1);
      try {
        const std::string id = kv.first.as<std::string>();
        if (!n["source"]) throw RowsError(where + ": a client needs its `source`");
        if (n["same_as"]) {
          aliases[id] = {n["same_as"].as<std::string>(), where};
          continue;
        }
        BenchmarkClient c;
        c.tool = n["tool"].as<std::string>();
        c.prompt_pool = get_or(n, "prompt_pool", 0);
        c.warmup_per_client = get_or(n, "warmup_per_client", 0.0);
        c.requests_per_client = get_or(n, "requests_per_client", 10.0);
        c.duration_s = get_or(n, "duration_s", 0.0);
        c.length_range_ratio = get_or(n, "length_range_ratio", 0.0);
        if (c.prompt_pool < 0 || c.warmup_per_client < 0 || c.requests_per_client <= 0 ||
            c.duration_s < 0 || c.length_range_ratio < 0 || c.length_range_ratio > 1)
          throw RowsError(where +
                          ": expected prompt_pool, warmup_per_client and duration_s >= 0, "
                          "requests_per_client > 0, length_range_ratio in [0, 1]");
        defined[id] = c;
      } catch (const YAML::Exception& e) {
        throw RowsError(fmt::format("{}: {}", where, e.what()));
      }
    }
  }
  auto out = defined;
  for (const auto& [id, alias] : aliases) {
    const auto it = defined.find(alias.first);
    if (it == defined.end())
      throw RowsError(fmt::format(
          "{}: client {} is the same_as `{}`, which is no client of its own in any rows file",
          alias.second, id, alias.first));
    out[id] = it->second;
  }
  return out;
}

std::vector<MeasuredRow> load_rows(const catalog::Catalog& catalog, const std::string& path,
                                   const EngineLookup& engine,
                                   const std::vector<perf::LoadMode>& modes) {
  const YAML::Node root = load_file(path);
  const YAML::Node rows = root["rows"];
  if (!rows.IsSequence()) throw RowsError(path + ": expected a `rows:` list");
  std::vector<MeasuredRow> out;
  out.reserve(rows.size());
  for (const auto& n : rows) {
    MeasuredRow r;
    r.where = fmt::format("{}:{}", path, n.Mark().line + 1);
    try {
      r.id = n["id"].as<std::string>();
      const std::string at = fmt::format("{}: row {}", r.where, r.id);
      const std::string mode = n["load"]["mode"].as<std::string>();
      auto& w = r.workload;
      w.mode = load_mode(mode, at);
      if (!modes.empty() && std::find(modes.begin(), modes.end(), w.mode) == modes.end()) continue;
      if (w.mode != perf::LoadMode::kOffline) w.value = n["load"][mode].as<double>();
      r.fit = get_or(n, "fit", false);
      r.source = get_or(n, "source", std::string());
      r.client_id = get_or(n, "client", r.source);
      auto& d = r.deployment;
      const auto model = n["model"].as<std::string>(), gpu = n["gpu"].as<std::string>(),
                 engine_id = n["engine"].as<std::string>();
      d.model = catalog.find_model(model);
      d.gpu = catalog.find_gpu(gpu);
      d.engine = engine ? engine(engine_id) : catalog.find_engine(engine_id);
      if (!d.model) throw RowsError(fmt::format("{}: model `{}` is not in the catalog", at, model));
      if (!d.gpu) throw RowsError(fmt::format("{}: gpu `{}` is not in the catalog", at, gpu));
      if (!d.engine)
        throw RowsError(fmt::format("{}: engine `{}` is not in the catalog", at, engine_id));
      d.engine_version = get_or(n, "engine_version", std::string());
      d.dtype = n["dtype"].as<std::string>();
      d.kv_dtype = get_or(n, "kv_dtype", std::string());
      if (n["max_num_seqs"]) d.max_num_seqs = n["max_num_seqs"].as<int>();
      if (n["gpu_memory_fraction"]) d.gpu_memory_fraction = n["gpu_memory_fraction"].as<double>();
      d.gpus = n["gpus"].as<int>();
      d.tp = get_or(n, "tp", 1);
      d.pp = get_or(n, "pp", 1);
      w.input_tokens = n["input_tokens"].as<int>();
      w.output_tokens = n["output_tokens"].as<int>();
      w.explain = false;
      for (const auto& m : n["measured"])
        r.measured.emplace_back(m.first.as<std::string>(), m.second.as<double>());
      if (n["max_batched_tokens"]) r.max_batched_tokens = n["max_batched_tokens"].as<int>();
      if (n["prefix_caching"]) r.prefix_caching = n["prefix_caching"].as<bool>();
      r.scheduler_recv_interval = get_or(n, "scheduler_recv_interval", 1);
      r.stream_interval = get_or(n, "stream_interval", 1);
      r.batch_wait_timeout_iters = get_or(n, "batch_wait_timeout_iters", 0);
      r.batch_wait_max_tokens_ratio = get_or(n, "batch_wait_max_tokens_ratio", 0.0);
    } catch (const YAML::Exception& e) {
      throw RowsError(fmt::format("{}: {}", r.where, e.what()));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace llmctl::bench
