#include "metrics/registry.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <utility>

namespace stockwire::metrics {

namespace {

bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) {
  if (name.empty() || is_digit(name[0]))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_alpha_or_underscore(c) || is_digit(c) || c == ':';
  });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and not `le` (the bucket label of histograms).
bool valid_label_name(std::string_view name) {
  if (name.empty() || is_digit(name[0]) || name == "le")
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_alpha_or_underscore(c) || is_digit(c);
  });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// The canonical form of a label set: sorted by label name.
label_set sorted(const label_set& labels) {
  auto result = labels;
  std::sort(result.begin(), result.end());
  for (std::size_t i = 0; i < result.size(); ++i) {
    assert(valid_label_name(result[i].first));
    assert(i == 0 || result[i - 1].first != result[i].first);
  }
  return result;
}

bool valid_bounds(const std::vector<double>& bounds) {
  return std::all_of(bounds.begin(), bounds.end(),
                     [](double b) { return std::isfinite(b); }) &&
         std::adjacent_find(bounds.begin(), bounds.end(),
                            std::greater_equal<>{}) == bounds.end();
}

} // namespace

std::string_view metric_type_name(metric_type type) {
  switch (type) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::histogram:
    return "histogram";
  }
  return "untyped";
}

void registry::describe(const std::string& name, metric_type type,
                        std::string help, histogram_layout layout) {
  assert(valid_metric_name(name));
  assert(type != metric_type::counter || ends_with(name, "_total"));
  assert(type != metric_type::histogram ||
         (valid_bounds(layout.bounds) && layout.recorded_per_exposed > 0));
  auto [i, added] = families_.try_emplace(name);
  assert(added && "each metric is described once");
  i->second.type = type;
  i->second.help = std::move(help);
  i->second.layout = std::move(layout);
}

registry::family& registry::described(const std::string& name,
                                      metric_type type) {
  return const_cast<family&>(std::as_const(*this).described(name, type));
}

const registry::family& registry::described(const std::string& name,
                                            metric_type type) const {
  auto i = families_.find(name);
  assert(i != families_.end() && "metric used before describe()");
  assert(i->second.type == type);
  return i->second;
}

void registry::counter_add(const std::string& name, const label_set& labels,
                           std::uint64_t delta) {
  described(name, metric_type::counter).counters[sorted(labels)] += delta;
}

void registry::gauge_set(const std::string& name, const label_set& labels,
                         double value) {
  described(name, metric_type::gauge).gauges[sorted(labels)] = value;
}

histogram& registry::histogram_at(const std::string& name,
                                  const label_set& labels) {
  auto& f = described(name, metric_type::histogram);
  return f.histograms
      .try_emplace(sorted(labels), histogram{f.layout.precision_bits})
      .first->second;
}

std::uint64_t registry::counter_value(const std::string& name,
                                      const label_set& labels) const {
  auto& series = described(name, metric_type::counter).counters;
  auto i = series.find(sorted(labels));
  return i == series.end() ? 0 : i->second;
}

double registry::gauge_value(const std::string& name,
                             const label_set& labels) const {
  auto& series = described(name, metric_type::gauge).gauges;
  auto i = series.find(sorted(labels));
  return i == series.end() ? 0 : i->second;
}

} // namespace stockwire::metrics
