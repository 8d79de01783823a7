// Prometheus text exposition format 0.0.4 of a registry (served at
// GET /metrics). Per family, in name order: `# HELP` (help text with
// backslash and newline escaped), `# TYPE`, then one line per series in
// label order, label values escaped (backslash, double quote, newline).
// Families without series are left out.
//
//   counter    `name{labels} value`, an integer; names end in `_total`.
//   gauge      `name{labels} value`; NaN and infinities as NaN, +Inf, -Inf.
//   histogram  cumulative `name_bucket{labels,le="b"} n` for each bound of
//              the family's layout, then `le="+Inf"` (= the count),
//              `name_sum` and `name_count`. Values recorded in the layout's
//              unit are exposed divided by `recorded_per_exposed` (µs ->
//              seconds); a bucket counts the recorded values <= its bound
//              within the histogram's relative error
//              (histogram::count_at_or_below).
//
// Numbers use the shortest text that reads back as the same double.
#pragma once

#include <string>

#include "metrics/registry.hpp"

namespace stockwire::metrics {

std::string render(const registry& r);

} // namespace stockwire::metrics
