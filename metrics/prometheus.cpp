#include "metrics/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace stockwire::metrics {

namespace {

// Absorbs the rounding of bound * recorded_per_exposed (0.005 * 1e6 may
// come out a hair below 5000).
constexpr double bound_slack = 1e-12;

void append_number(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), x);
    out.append(buf, res.ptr);
  }
}

void append_escaped(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

// `{a="x",b="y"}`, with `le="..."` last when given; nothing when empty.
void append_labels(std::string& out, const label_set& labels,
                   const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr)
    return;
  out += '{';
  auto first = true;
  auto pair = [&](std::string_view name, std::string_view value) {
    if (!first)
      out += ',';
    first = false;
    out.append(name);
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (auto& [name, value] : labels)
    pair(name, value);
  if (le != nullptr)
    pair("le", *le);
  out += '}';
}

void append_sample(std::string& out, const std::string& name,
                   std::string_view suffix, const label_set& labels,
                   const std::string& value, const std::string* le = nullptr) {
  out += name;
  out.append(suffix);
  append_labels(out, labels, le);
  out += ' ';
  out += value;
  out += '\n';
}

std::string number(double x) {
  std::string s;
  append_number(s, x);
  return s;
}

// Recorded values <= `bound` (in the exposed unit).
std::uint64_t count_within(const histogram& h, double bound,
                           double recorded_per_exposed) {
  auto recorded = bound * recorded_per_exposed * (1 + bound_slack);
  if (recorded < 0)
    return 0;
  auto limit = static_cast<double>(histogram::value_max);
  auto b = static_cast<std::uint64_t>(std::floor(std::min(recorded, limit)));
  return h.count_at_or_below(b);
}

void append_histogram(std::string& out, const std::string& name,
                      const histogram_layout& layout, const label_set& labels,
                      const histogram& h) {
  for (auto bound : layout.bounds) {
    auto le = number(bound);
    auto n = count_within(h, bound, layout.recorded_per_exposed);
    append_sample(out, name, "_bucket", labels, std::to_string(n), &le);
  }
  const std::string inf = "+Inf";
  append_sample(out, name, "_bucket", labels, std::to_string(h.count()), &inf);
  auto sum = static_cast<double>(h.sum()) / layout.recorded_per_exposed;
  append_sample(out, name, "_sum", labels, number(sum));
  append_sample(out, name, "_count", labels, std::to_string(h.count()));
}

bool has_series(const registry::family& f) {
  return !f.counters.empty() || !f.gauges.empty() || !f.histograms.empty();
}

} // namespace

std::string render(const registry& r) {
  std::string out;
  for (auto& [name, f] : r.families()) {
    if (!has_series(f))
      continue;
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out.append(metric_type_name(f.type));
    out += '\n';
    for (auto& [labels, value] : f.counters)
      append_sample(out, name, "", labels, std::to_string(value));
    for (auto& [labels, value] : f.gauges)
      append_sample(out, name, "", labels, number(value));
    for (auto& [labels, h] : f.histograms)
      append_histogram(out, name, f.layout, labels, h);
  }
  return out;
}

} // namespace stockwire::metrics
