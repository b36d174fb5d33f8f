#include "gateway/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace llmctl::gateway {

namespace gm = protocol::gateway_metrics;

namespace {
constexpr std::size_t kStatusSlots = kStatusCodes.size() + 1;  // + "other"

std::size_t status_slot(int status) {
  for (std::size_t i = 0; i < kStatusCodes.size(); ++i)
    if (kStatusCodes[i] == status) return i;
  return kStatusCodes.size();
}

std::vector<std::unique_ptr<OwnedHistogram>> histograms(std::size_t n, std::span<const double> b) {
  std::vector<std::unique_ptr<OwnedHistogram>> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(std::make_unique<OwnedHistogram>(b));
  return v;
}
}  // namespace

void OwnedHistogram::observe(double v) {
  std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                           bounds_.begin());
  counts_[i].add();
  count_.add();
  sum_.add(v);
}

MetricsShard::MetricsShard(std::size_t models, std::size_t deployments)
    : models_(models),
      deployments_(deployments),
      requests_(new OwnedCounter[(models + 1) * kEndpointCount * kStatusSlots]),
      errors_(new OwnedCounter[(models + 1) * kErrorClassCount]),
      tokens_(new OwnedCounter[(models + 1) * kTokenTypeCount]),
      estimated_(new OwnedCounter[models + 1]),
      cost_(new OwnedSum[models + 1]),
      request_duration_(histograms(models + 1, kDurationBounds)),
      ttft_(histograms(models + 1, kTtftBounds)),
      tpot_(histograms(models + 1, kTpotBounds)),
      upstream_duration_(histograms(deployments, kDurationBounds)),
      pools_(new PoolStats[std::max<std::size_t>(deployments, 1)]) {}

void MetricsShard::count_request(int model, Endpoint endpoint, int status) {
  requests_[(slot(model) * kEndpointCount + static_cast<std::size_t>(endpoint)) * kStatusSlots +
            status_slot(status)]
      .add();
}

void MetricsShard::count_error(int model, ErrorClass c) {
  if (c == ErrorClass::kNone) return;
  errors_[slot(model) * kErrorClassCount + static_cast<std::size_t>(c)].add();
}

void MetricsShard::add_usage(int model, const catalog::Usage& u, bool estimated, double cost_usd) {
  std::size_t s = slot(model) * kTokenTypeCount;
  // Input here is uncached input, so the types add up to the tokens billed.
  tokens_[s + 0].add(
      static_cast<std::uint64_t>(u.input_tokens - u.cache_read_tokens - u.cache_write_tokens));
  tokens_[s + 1].add(static_cast<std::uint64_t>(u.output_tokens));
  tokens_[s + 2].add(static_cast<std::uint64_t>(u.cache_read_tokens));
  tokens_[s + 3].add(static_cast<std::uint64_t>(u.cache_write_tokens));
  tokens_[s + 4].add(static_cast<std::uint64_t>(u.reasoning_tokens));
  if (estimated) estimated_[slot(model)].add();
  cost_[slot(model)].add(cost_usd);
}

std::uint64_t MetricsShard::requests(std::size_t model, int endpoint, std::size_t status) const {
  return requests_[(model * kEndpointCount + static_cast<std::size_t>(endpoint)) * kStatusSlots +
                   status]
      .get();
}
std::uint64_t MetricsShard::errors(std::size_t model, int c) const {
  return errors_[model * kErrorClassCount + static_cast<std::size_t>(c)].get();
}
std::uint64_t MetricsShard::tokens(std::size_t model, int type) const {
  return tokens_[model * kTokenTypeCount + static_cast<std::size_t>(type)].get();
}

namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string num(double v) {
  std::string s = fmt::format("{}", v);
  return s;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, std::string_view labels, double v) {
    if (labels.empty())
      out_ += fmt::format("{} {}\n", name, num(v));
    else
      out_ += fmt::format("{}{{{}}} {}\n", name, labels, num(v));
  }
  // Sums one histogram over shards and writes its _bucket/_sum/_count lines.
  template <typename Get>
  void histogram(std::string_view name, std::string_view labels, const MetricsView& view, Get get) {
    const OwnedHistogram& first = get(*view.shards.front());
    std::vector<std::uint64_t> buckets(first.bounds().size() + 1, 0);
    std::uint64_t count = 0;
    double sum = 0;
    for (const MetricsShard* s : view.shards) {
      const OwnedHistogram& h = get(*s);
      for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += h.bucket(i);
      count += h.count();
      sum += h.sum();
    }
    if (count == 0) return;
    std::string sep = labels.empty() ? "" : ",";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < first.bounds().size(); ++i) {
      cumulative += buckets[i];
      out_ += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                          num(first.bounds()[i]), cumulative);
    }
    out_ += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, count);
    if (labels.empty()) {
      out_ += fmt::format("{}_sum {}\n{}_count {}\n", name, num(sum), name, count);
    } else {
      out_ += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, num(sum), name,
                          labels, count);
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr std::array<std::string_view, kTokenTypeCount> kTokenTypeNames = {
    "input", "output", "cache_read", "cache_write", "reasoning"};

}  // namespace

std::string render_prometheus(const MetricsView& view) {
  Writer w;
  const Config& cfg = *view.config;
  if (view.shards.empty()) return {};
  const std::size_t models = view.shards.front()->models();
  const std::size_t deployments = view.shards.front()->deployments();
  auto model_label = [&](std::size_t m) {
    return escape_label(m < cfg.models.size() ? cfg.models[m].name : "_unknown");
  };
  auto sum = [&](auto get) {
    double total = 0;
    for (const MetricsShard* s : view.shards) total += static_cast<double>(get(*s));
    return total;
  };

  w.family(gm::kRequestsTotal, "counter",
           "Requests answered, by public model, endpoint and HTTP status code.");
  for (std::size_t m = 0; m <= models; ++m)
    for (int e = 0; e < kEndpointCount; ++e)
      for (std::size_t st = 0; st < kStatusSlots; ++st) {
        double v = sum([&](const MetricsShard& s) { return s.requests(m, e, st); });
        if (v == 0) continue;
        std::string code = st < kStatusCodes.size() ? std::to_string(kStatusCodes[st]) : "other";
        w.sample(gm::kRequestsTotal,
                 fmt::format("model=\"{}\",endpoint=\"{}\",code=\"{}\"", model_label(m),
                             endpoint_name(static_cast<Endpoint>(e)), code),
                 v);
      }

  w.family(gm::kErrorsTotal, "counter",
           "Failed requests and attempts, by public model and error class.");
  for (std::size_t m = 0; m <= models; ++m)
    for (int c = 1; c < kErrorClassCount; ++c) {
      double v = sum([&](const MetricsShard& s) { return s.errors(m, c); });
      if (v == 0) continue;
      w.sample(gm::kErrorsTotal,
               fmt::format("model=\"{}\",class=\"{}\"", model_label(m),
                           error_class_name(static_cast<ErrorClass>(c))),
               v);
    }

  w.family(
      gm::kTokensTotal, "counter",
      "Tokens by public model and type (input is uncached input; reasoning is part of output).");
  for (std::size_t m = 0; m <= models; ++m)
    for (int t = 0; t < kTokenTypeCount; ++t) {
      double v = sum([&](const MetricsShard& s) { return s.tokens(m, t); });
      if (v == 0) continue;
      w.sample(gm::kTokensTotal,
               fmt::format("model=\"{}\",type=\"{}\"", model_label(m),
                           kTokenTypeNames[static_cast<std::size_t>(t)]),
               v);
    }

  w.family(gm::kUsageEstimatedTotal, "counter",
           "Requests whose upstream reported no usage, so tokens were estimated (chars/4).");
  for (std::size_t m = 0; m <= models; ++m) {
    double v = sum([&](const MetricsShard& s) { return s.estimated(m); });
    if (v > 0) w.sample(gm::kUsageEstimatedTotal, fmt::format("model=\"{}\"", model_label(m)), v);
  }

  w.family(gm::kCostUsdTotal, "counter",
           "Cost in US dollars from the catalog price of each deployment, by public model.");
  for (std::size_t m = 0; m < models; ++m) {
    double v = 0;
    for (const MetricsShard* s : view.shards) v += s->cost(m);
    w.sample(gm::kCostUsdTotal, fmt::format("model=\"{}\"", model_label(m)), v);
  }

  w.family(gm::kRequestDurationSeconds, "histogram",
           "Time from request received to response complete, by public model.");
  for (std::size_t m = 0; m <= models; ++m)
    w.histogram(
        gm::kRequestDurationSeconds, fmt::format("model=\"{}\"", model_label(m)), view,
        [m](const MetricsShard& s) -> const OwnedHistogram& { return s.request_duration(m); });

  w.family(gm::kTimeToFirstTokenSeconds, "histogram",
           "Streams: time from request received to the first chunk with output, by public model.");
  for (std::size_t m = 0; m < models; ++m)
    w.histogram(gm::kTimeToFirstTokenSeconds, fmt::format("model=\"{}\"", model_label(m)), view,
                [m](const MetricsShard& s) -> const OwnedHistogram& { return s.ttft(m); });

  w.family(
      gm::kTimePerOutputTokenSeconds, "histogram",
      "Streams: time after the first token divided by the further output tokens, by public model.");
  for (std::size_t m = 0; m < models; ++m)
    w.histogram(gm::kTimePerOutputTokenSeconds, fmt::format("model=\"{}\"", model_label(m)), view,
                [m](const MetricsShard& s) -> const OwnedHistogram& { return s.tpot(m); });

  w.family(gm::kUpstreamDurationSeconds, "histogram",
           "Upstream exchange time (request sent to last byte read), by deployment.");
  for (std::size_t d = 0; d < deployments; ++d)
    w.histogram(
        gm::kUpstreamDurationSeconds,
        fmt::format("deployment=\"{}\"", escape_label(cfg.deployments[d].name)), view,
        [d](const MetricsShard& s) -> const OwnedHistogram& { return s.upstream_duration(d); });

  w.family(gm::kOverheadSeconds, "histogram",
           "Time a request spent in the gateway itself: total minus time waiting on upstreams.");
  w.histogram(gm::kOverheadSeconds, "", view,
              [](const MetricsShard& s) -> const OwnedHistogram& { return s.overhead(); });

  struct PoolMetric {
    std::string_view name;
    const char* type;
    const char* help;
    double (*get)(const PoolStats&);
  };
  static const PoolMetric kPool[] = {
      {gm::kUpstreamConnectionsIdle, "gauge",
       "Keep-alive upstream connections parked in the pools, by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.idle.get()); }},
      {gm::kUpstreamConnectionsActive, "gauge",
       "Upstream connections carrying a request, by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.active.get()); }},
      {gm::kUpstreamConnectionsOpenedTotal, "counter",
       "Upstream connections opened (TCP, plus TLS for https), by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.opened.get()); }},
      {gm::kUpstreamConnectionReusesTotal, "counter",
       "Upstream requests sent on a kept-alive connection, by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.reused.get()); }},
      {gm::kUpstreamConnectErrorsTotal, "counter",
       "Failed upstream connects (resolve, TCP, TLS), by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.connect_errors.get()); }},
      {gm::kUpstreamQueueTimeoutsTotal, "counter",
       "Requests that waited past queue_timeout_ms for a max_concurrency slot, by deployment.",
       [](const PoolStats& p) { return static_cast<double>(p.queue_timeouts.get()); }},
  };
  for (const auto& pm : kPool) {
    w.family(pm.name, pm.type, pm.help);
    for (std::size_t d = 0; d < deployments; ++d) {
      double v = 0;
      for (const MetricsShard* s : view.shards) v += pm.get(s->pool(d));
      w.sample(pm.name, fmt::format("deployment=\"{}\"", escape_label(cfg.deployments[d].name)), v);
    }
  }

  w.family(gm::kUpstreamInflightRequests, "gauge",
           "Requests holding a max_concurrency slot, by deployment (all workers).");
  for (std::size_t d = 0; d < deployments && d < view.deployment_inflight.size(); ++d)
    if (cfg.deployments[d].max_concurrency > 0)
      w.sample(gm::kUpstreamInflightRequests,
               fmt::format("deployment=\"{}\"", escape_label(cfg.deployments[d].name)),
               static_cast<double>(view.deployment_inflight[d]));

  w.family(gm::kInflightRequests, "gauge", "Client requests being served.");
  w.sample(gm::kInflightRequests, "", sum([](const MetricsShard& s) { return s.inflight_now(); }));
  w.family(gm::kWorkers, "gauge", "Worker threads (one io_context each).");
  w.sample(gm::kWorkers, "", static_cast<double>(view.shards.size()));
  w.family(gm::kDraining, "gauge", "1 while a graceful shutdown is draining requests.");
  w.sample(gm::kDraining, "", view.draining ? 1 : 0);
  w.family(gm::kRequestLogWrittenTotal, "counter",
           "Request records written to the SQLite request log.");
  w.sample(gm::kRequestLogWrittenTotal, "", static_cast<double>(view.log_written));
  w.family(gm::kRequestLogDroppedTotal, "counter",
           "Request records dropped because a worker's log queue was full (never blocks).");
  w.sample(gm::kRequestLogDroppedTotal, "",
           sum([](const MetricsShard& s) { return s.log_dropped_count(); }));
  w.family(gm::kRequestLogWriteErrorsTotal, "counter", "SQLite batches that failed to write.");
  w.sample(gm::kRequestLogWriteErrorsTotal, "", static_cast<double>(view.log_write_errors));
  return w.take();
}

}  // namespace llmctl::gateway
