// The node's metrics: counters, gauges and histograms grouped in families.
// A family is a metric name with its type and help text (described once);
// its series are told apart by label sets such as {"channel", "shopify"}.
// prometheus.hpp renders a registry as Prometheus text.
//
// Single-threaded: the registry lives inside one actor, no locks. Names and
// label names are code, so a malformed one, a counter not ending in
// `_total`, a type mismatch or a metric used before describe() is a bug and
// asserts. Label values are data: any string, escaped when rendered.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace stockwire::metrics {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

/// "counter", "gauge", "histogram" (the Prometheus TYPE keyword).
std::string_view metric_type_name(metric_type type);

/// (label name, label value) pairs; the registry sorts them by name, so
/// the order given does not matter. REQUIRES: no label name twice.
using label_set = std::vector<std::pair<std::string, std::string>>;

/// Prometheus bucket bounds for latencies in seconds: 5 ms to 1 min, the
/// range between a fast channel call and a push worth an alert.
inline constexpr std::array<double, 13> latency_bounds_s = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

/// How a histogram family is recorded and exposed.
struct histogram_layout {
  /// Exposed `le` bounds, ascending, in the exposed unit (+Inf is implied).
  std::vector<double> bounds{latency_bounds_s.begin(), latency_bounds_s.end()};
  /// Recorded units per exposed unit: 1e6 records microseconds and exposes
  /// seconds, as Prometheus names (`_seconds`) expect.
  double recorded_per_exposed = 1e6;
  unsigned precision_bits = histogram::precision_bits_default;
};

class registry {
public:
  struct family {
    metric_type type;
    std::string help;
    histogram_layout layout; // histogram families only
    // Series by sorted label set; only the map of `type` is used.
    std::map<label_set, std::uint64_t> counters;
    std::map<label_set, double> gauges;
    std::map<label_set, histogram> histograms;
  };

  /// Declares a family. `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*; a counter's
  /// ends in `_total`. REQUIRES: `name` not described yet.
  void describe(const std::string& name, metric_type type, std::string help,
                histogram_layout layout = {});

  /// Adds `delta` to a counter series (created at 0).
  void counter_add(const std::string& name, const label_set& labels,
                   std::uint64_t delta = 1);

  void gauge_set(const std::string& name, const label_set& labels,
                 double value);

  /// The histogram of a series (created empty); the reference stays valid
  /// as long as the registry.
  histogram& histogram_at(const std::string& name, const label_set& labels);

  /// Current values; 0 for a series never touched.
  std::uint64_t counter_value(const std::string& name,
                              const label_set& labels) const;
  double gauge_value(const std::string& name, const label_set& labels) const;

  /// Every family by name (the rendering order).
  const std::map<std::string, family>& families() const { return families_; }

private:
  family& described(const std::string& name, metric_type type);
  const family& described(const std::string& name, metric_type type) const;

  std::map<std::string, family> families_;
};

} // namespace stockwire::metrics
