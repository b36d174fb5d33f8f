#include "catalog/cost.h"

#include <fmt/format.h>

namespace llmctl::catalog {

Usage normalize_usage(std::string_view usage_semantics, long long reported_input,
                      long long cache_read, long long cache_write, long long output,
                      long long reasoning) {
  Usage u;
  u.cache_read_tokens = cache_read;
  u.cache_write_tokens = cache_write;
  u.input_tokens = usage_semantics == "input_excludes_cached"
                       ? reported_input + cache_read + cache_write
                       : reported_input;
  u.output_tokens = output;
  u.reasoning_tokens = reasoning;
  return u;
}

Result<Cost> cost_of(const Price& price, const Usage& usage, const CostOptions& options) {
  if (usage.input_tokens < 0 || usage.output_tokens < 0 || usage.cache_read_tokens < 0 ||
      usage.cache_write_tokens < 0 || usage.reasoning_tokens < 0)
    return Error{"usage: token counts must not be negative"};
  if (usage.cache_read_tokens + usage.cache_write_tokens > usage.input_tokens)
    return Error{fmt::format(
        "usage: cache read ({}) + cache write ({}) tokens exceed the input tokens ({}); input "
        "must include cached tokens",
        usage.cache_read_tokens, usage.cache_write_tokens, usage.input_tokens)};
  if (usage.reasoning_tokens > usage.output_tokens)
    return Error{fmt::format("usage: reasoning tokens ({}) exceed the output tokens ({})",
                             usage.reasoning_tokens, usage.output_tokens)};
  const double per_token = 1e-6;
  long long uncached = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens;
  Cost c;
  c.price = &price;
  c.batch = options.batch;
  c.input_usd = static_cast<double>(uncached) * price.input_usd_per_mtok * per_token;
  c.cache_read_usd = static_cast<double>(usage.cache_read_tokens) *
                     price.cache_read_usd_per_mtok.value_or(price.input_usd_per_mtok) * per_token;
  c.cache_write_usd = static_cast<double>(usage.cache_write_tokens) *
                      price.cache_write_usd_per_mtok.value_or(price.input_usd_per_mtok) * per_token;
  c.output_usd = static_cast<double>(usage.output_tokens) * price.output_usd_per_mtok * per_token;
  if (options.batch) {
    if (!price.batch_discount)
      return Error{fmt::format("price '{}' has no batch API price", price.id)};
    double factor = 1.0 - *price.batch_discount;
    c.input_usd *= factor;
    c.cache_read_usd *= factor;
    c.cache_write_usd *= factor;
    c.output_usd *= factor;
  }
  c.total_usd = c.input_usd + c.cache_read_usd + c.cache_write_usd + c.output_usd;
  return c;
}

Result<Cost> cost_of(const Catalog& catalog, std::string_view model, std::string_view provider,
                     const Usage& usage, const CostOptions& options) {
  const Price* price = catalog.find_price(model, provider);
  if (!price) {
    std::string who = provider.empty() ? "" : fmt::format(" from provider '{}'", provider);
    return Error{
        fmt::format("no price for model '{}'{} in the catalog (see `llmctl catalog "
                    "list prices`)",
                    model, who)};
  }
  return cost_of(*price, usage, options);
}

double blended_usd_per_mtok(const Price& price, double input_share, double cached_share,
                            bool batch) {
  double cached_price = price.cache_read_usd_per_mtok.value_or(price.input_usd_per_mtok);
  double input_price = (1 - cached_share) * price.input_usd_per_mtok + cached_share * cached_price;
  double blended = input_share * input_price + (1 - input_share) * price.output_usd_per_mtok;
  if (batch && price.batch_discount) blended *= 1 - *price.batch_discount;
  return blended;
}

}  // namespace llmctl::catalog
