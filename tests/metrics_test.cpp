// Pure unit tests of the metrics core: histogram error bounds and
// percentiles, the windowed histogram's rotation (fake clock), the registry
// and its Prometheus rendering (metrics/*.hpp).
#define CAF_SUITE metrics
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"
#include "metrics/prometheus.hpp"
#include "metrics/registry.hpp"

using namespace stockwire::metrics;

namespace {

// Values worth checking at every precision: 0, 1, each power of two and its
// neighbours up to value_max, plus `random_count` log-uniform values.
std::vector<std::uint64_t> sweep_values(int random_count) {
  std::vector<std::uint64_t> values{0, 1};
  for (unsigned k = 1; k < 40; ++k) {
    auto p = std::uint64_t{1} << k;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  values.insert(values.end(), {histogram::value_max - 1, histogram::value_max});
  std::mt19937_64 rng{2026};
  std::uniform_real_distribution<double> exponent{0, 40};
  for (int i = 0; i < random_count; ++i)
    values.push_back(static_cast<std::uint64_t>(std::exp2(exponent(rng))));
  return values;
}

// The value percentile() reports for `v` alone below value_max, so the
// result is the bucket's upper bound, not clamped to max(). Reuses `h`.
std::uint64_t reported(histogram& h, std::uint64_t v) {
  h.reset();
  h.record(v);
  h.record(histogram::value_max);
  return h.percentile(0.5);
}

// True when got is within `h`'s relative error above `expected`.
bool within(const histogram& h, std::uint64_t got, std::uint64_t expected) {
  return got >= expected &&
         static_cast<double>(got - expected) <=
             static_cast<double>(expected) * h.relative_error();
}

// The sample lines of `name` in `text` ("name{...} value" or "name value").
std::vector<std::string> lines_of(const std::string& text,
                                  const std::string& name) {
  std::vector<std::string> result;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name, 0) == 0)
      result.push_back(line);
  return result;
}

std::uint64_t sample_value(const std::string& line) {
  return std::stoull(line.substr(line.rfind(' ') + 1));
}

} // namespace

// -- histogram ----------------------------------------------------------------

CAF_TEST(the relative error bound holds over a sweep of values) {
  // Finer precisions have more buckets to walk: fewer random values.
  for (auto [bits, random_count] :
       {std::pair{1u, 20'000}, std::pair{6u, 20'000}, std::pair{10u, 5'000},
        std::pair{16u, 0}}) {
    CAF_MESSAGE("precision bits " << bits);
    histogram h{bits};
    auto failures = 0;
    for (auto v : sweep_values(random_count)) {
      auto got = reported(h, v);
      // got - v <= v / 2^bits, in integers.
      if (got < v || ((got - v) << bits) > v)
        ++failures;
    }
    CAF_CHECK_EQUAL(failures, 0);
  }
}

CAF_TEST(small values are counted exactly) {
  histogram h;
  for (std::uint64_t v = 0; v < 128; ++v)
    CAF_CHECK_EQUAL(reported(h, v), v);
  CAF_CHECK_EQUAL(h.relative_error(), 1.0 / 64);
}

CAF_TEST(values above the maximum are recorded as the maximum) {
  histogram h;
  h.record(histogram::value_max);
  h.record(std::numeric_limits<std::uint64_t>::max());
  CAF_CHECK_EQUAL(h.max(), histogram::value_max);
  CAF_CHECK_EQUAL(h.percentile(0.0), histogram::value_max);
  CAF_CHECK_EQUAL(h.sum(), 2 * histogram::value_max);
}

CAF_TEST(count sum min and max are exact) {
  histogram h;
  CAF_CHECK_EQUAL(h.min(), 0u);
  CAF_CHECK_EQUAL(h.percentile(0.5), 0u);
  h.record(1234, 3);
  h.record(7);
  h.record(99, 0);
  CAF_CHECK_EQUAL(h.count(), 4u);
  CAF_CHECK_EQUAL(h.sum(), 3 * 1234u + 7);
  CAF_CHECK_EQUAL(h.min(), 7u);
  CAF_CHECK_EQUAL(h.max(), 1234u);
}

CAF_TEST(percentiles of a uniform distribution) {
  histogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v)
    h.record(v);
  CAF_CHECK(within(h, h.percentile(0.5), 50'000));
  CAF_CHECK(within(h, h.percentile(0.9), 90'000));
  CAF_CHECK(within(h, h.percentile(0.99), 99'000));
  CAF_CHECK(within(h, h.percentile(0.999), 99'900));
  CAF_CHECK_EQUAL(h.percentile(1.0), 100'000u);
  CAF_CHECK_EQUAL(h.percentile(0.0), 1u);
  auto s = percentiles(h);
  CAF_CHECK_EQUAL(s.count, 100'000u);
  CAF_CHECK_EQUAL(s.p50, h.percentile(0.5));
  CAF_CHECK_EQUAL(s.p999, h.percentile(0.999));
  CAF_CHECK_EQUAL(s.max, 100'000u);
}

CAF_TEST(percentiles of a bimodal distribution) {
  histogram h;
  h.record(1000, 990); // fast pushes
  h.record(2'000'000, 9);
  h.record(30'000'000); // one push stuck behind a 429
  CAF_CHECK(within(h, h.percentile(0.5), 1000));
  CAF_CHECK(within(h, h.percentile(0.99), 1000));
  CAF_CHECK(within(h, h.percentile(0.995), 2'000'000));
  CAF_CHECK_EQUAL(h.percentile(0.9999), 30'000'000u);
  CAF_CHECK_EQUAL(percentiles(h).p999, h.percentile(0.999));
}

CAF_TEST(the rank of a quantile is not lost to rounding) {
  histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v)
    h.record(v * 1000);
  // The 999th value, not the 1000th.
  CAF_CHECK(within(h, h.percentile(0.999), 999'000));
  CAF_CHECK_LESS(h.percentile(0.999), 1'000'000u);
}

CAF_TEST(merge equals recording everything in one histogram) {
  std::mt19937_64 rng{5};
  std::lognormal_distribution<double> latency{9, 1.5};
  histogram a;
  histogram b;
  histogram all;
  for (int i = 0; i < 10'000; ++i) {
    auto v = static_cast<std::uint64_t>(latency(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  histogram merged;
  merged.merge(a);
  merged.merge(histogram{});
  merged.merge(b);
  CAF_CHECK_EQUAL(merged.count(), all.count());
  CAF_CHECK_EQUAL(merged.sum(), all.sum());
  CAF_CHECK_EQUAL(merged.min(), all.min());
  CAF_CHECK_EQUAL(merged.max(), all.max());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0})
    CAF_CHECK_EQUAL(merged.percentile(q), all.percentile(q));
}

CAF_TEST(reset empties a histogram) {
  histogram h;
  h.record(5000, 10);
  h.reset();
  CAF_CHECK_EQUAL(h.count(), 0u);
  CAF_CHECK_EQUAL(h.sum(), 0u);
  CAF_CHECK_EQUAL(h.max(), 0u);
  h.record(3);
  CAF_CHECK_EQUAL(h.min(), 3u);
  CAF_CHECK_EQUAL(h.percentile(1.0), 3u);
}

CAF_TEST(count at or below is exact on bucket upper bounds) {
  histogram h;
  for (std::uint64_t v = 0; v < 10'000; ++v)
    h.record(v);
  CAF_CHECK_EQUAL(h.count_at_or_below(100), 101u);
  // 4992..5055 is one bucket: its upper bound is exact.
  CAF_CHECK_EQUAL(h.count_at_or_below(5055), 5056u);
  // Inside the bucket, the whole bucket counts.
  CAF_CHECK_EQUAL(h.count_at_or_below(5000), 5056u);
  CAF_CHECK_EQUAL(h.count_at_or_below(1'000'000), 10'000u);
}

// -- windowed_histogram -------------------------------------------------------

CAF_TEST(the window drops samples older than 60 s) {
  windowed_histogram w;
  w.record(100, 0);
  w.record(200, 9'999);
  w.record(300, 10'000);
  CAF_CHECK_EQUAL(w.snapshot(59'999).count(), 3u);
  CAF_CHECK_EQUAL(w.snapshot(60'000).count(), 1u); // slot [0, 10 s) aged out
  CAF_CHECK_EQUAL(w.snapshot(69'999).count(), 1u);
  CAF_CHECK_EQUAL(w.snapshot(70'000).count(), 0u);
  CAF_CHECK_EQUAL(w.total().count(), 3u);
}

CAF_TEST(a reused slot forgets its old samples) {
  windowed_histogram w;
  w.record(100, 5'000);  // slot 0
  w.record(900, 65'000); // slot 6 reuses the ring position of slot 0
  auto s = w.snapshot(65'000);
  CAF_CHECK_EQUAL(s.count(), 1u);
  CAF_CHECK_EQUAL(s.max(), 900u);
  CAF_CHECK_EQUAL(w.total().count(), 2u);
  CAF_CHECK_EQUAL(w.total().min(), 100u);
}

CAF_TEST(the window spans the current slot and the five before it) {
  windowed_histogram w;
  for (std::int64_t t = 0; t < 120'000; t += 1000)
    w.record(static_cast<std::uint64_t>(t), t);
  auto s = w.snapshot(119'999);
  CAF_CHECK_EQUAL(s.count(), 60u); // 60 s to 119 s
  CAF_CHECK_EQUAL(s.min(), 60'000u);
  CAF_CHECK_EQUAL(w.total().count(), 120u);
}

CAF_TEST(a clock going back records into the latest slot) {
  windowed_histogram w;
  w.record(1, 65'000);
  w.record(2, 1'000); // before the latest slot: counted as now
  CAF_CHECK_EQUAL(w.snapshot(65'000).count(), 2u);
  CAF_CHECK_EQUAL(w.snapshot(1'000).count(), 2u);
}

// -- registry and Prometheus text ---------------------------------------------

CAF_TEST(a tiny registry renders as exact Prometheus text) {
  registry r;
  r.describe("stockwire_pushes_total", metric_type::counter,
             "Stock pushes sent to channels.");
  r.describe("stockwire_queue_depth", metric_type::gauge,
             "Pushes waiting.\nPer node, C:\\ style.");
  r.describe("stockwire_push_latency_seconds", metric_type::histogram,
             "Push latency.", histogram_layout{{0.001, 0.01, 0.1}, 1e6, 6});
  r.describe("stockwire_unused_total", metric_type::counter, "No series.");
  r.counter_add("stockwire_pushes_total",
                {{"result", "ok"}, {"channel", "shopify"}}, 3);
  r.counter_add("stockwire_pushes_total",
                {{"channel", "amazon"}, {"result", "ok"}});
  r.gauge_set("stockwire_queue_depth", {}, 2.5);
  auto& h =
      r.histogram_at("stockwire_push_latency_seconds", {{"channel", "ebay"}});
  for (std::uint64_t us : {500, 1000, 20'000, 2'000'000})
    h.record(us);
  CAF_CHECK_EQUAL(
      render(r),
      "# HELP stockwire_push_latency_seconds Push latency.\n"
      "# TYPE stockwire_push_latency_seconds histogram\n"
      "stockwire_push_latency_seconds_bucket{channel=\"ebay\",le=\"0.001\"} 2\n"
      "stockwire_push_latency_seconds_bucket{channel=\"ebay\",le=\"0.01\"} 2\n"
      "stockwire_push_latency_seconds_bucket{channel=\"ebay\",le=\"0.1\"} 3\n"
      "stockwire_push_latency_seconds_bucket{channel=\"ebay\",le=\"+Inf\"} 4\n"
      "stockwire_push_latency_seconds_sum{channel=\"ebay\"} 2.0215\n"
      "stockwire_push_latency_seconds_count{channel=\"ebay\"} 4\n"
      "# HELP stockwire_pushes_total Stock pushes sent to channels.\n"
      "# TYPE stockwire_pushes_total counter\n"
      "stockwire_pushes_total{channel=\"amazon\",result=\"ok\"} 1\n"
      "stockwire_pushes_total{channel=\"shopify\",result=\"ok\"} 3\n"
      "# HELP stockwire_queue_depth Pushes waiting.\\nPer node, C:\\\\ style.\n"
      "# TYPE stockwire_queue_depth gauge\n"
      "stockwire_queue_depth 2.5\n");
}

CAF_TEST(label values are escaped) {
  registry r;
  r.describe("stockwire_x", metric_type::gauge, "x");
  r.gauge_set("stockwire_x", {{"sku", "a\\b\"c\nd"}}, 1);
  CAF_CHECK_EQUAL(render(r), "# HELP stockwire_x x\n"
                             "# TYPE stockwire_x gauge\n"
                             "stockwire_x{sku=\"a\\\\b\\\"c\\nd\"} 1\n");
}

CAF_TEST(gauges render special values the Prometheus way) {
  registry r;
  r.describe("stockwire_g", metric_type::gauge, "g");
  r.gauge_set("stockwire_g", {{"k", "nan"}},
              std::numeric_limits<double>::quiet_NaN());
  r.gauge_set("stockwire_g", {{"k", "neg"}},
              -std::numeric_limits<double>::infinity());
  r.gauge_set("stockwire_g", {{"k", "pos"}},
              std::numeric_limits<double>::infinity());
  r.gauge_set("stockwire_g", {{"k", "small"}}, 0.1);
  auto lines = lines_of(render(r), "stockwire_g{");
  CAF_REQUIRE_EQUAL(lines.size(), 4u);
  CAF_CHECK_EQUAL(lines[0], "stockwire_g{k=\"nan\"} NaN");
  CAF_CHECK_EQUAL(lines[1], "stockwire_g{k=\"neg\"} -Inf");
  CAF_CHECK_EQUAL(lines[2], "stockwire_g{k=\"pos\"} +Inf");
  CAF_CHECK_EQUAL(lines[3], "stockwire_g{k=\"small\"} 0.1");
}

CAF_TEST(counters accumulate per sorted label set) {
  registry r;
  r.describe("stockwire_orders_total", metric_type::counter, "Orders.");
  r.counter_add("stockwire_orders_total", {{"a", "1"}, {"b", "2"}}, 2);
  r.counter_add("stockwire_orders_total", {{"b", "2"}, {"a", "1"}}, 5);
  CAF_CHECK_EQUAL(
      r.counter_value("stockwire_orders_total", {{"b", "2"}, {"a", "1"}}), 7u);
  CAF_CHECK_EQUAL(r.counter_value("stockwire_orders_total", {{"a", "9"}}), 0u);
  r.describe("stockwire_depth", metric_type::gauge, "Depth.");
  r.gauge_set("stockwire_depth", {}, 4);
  r.gauge_set("stockwire_depth", {}, 3);
  CAF_CHECK_EQUAL(r.gauge_value("stockwire_depth", {}), 3.0);
}

CAF_TEST(histogram bucket lines are cumulative and +Inf equals the count) {
  registry r;
  r.describe("stockwire_lag_seconds", metric_type::histogram, "Lag.");
  auto& h = r.histogram_at("stockwire_lag_seconds", {});
  std::mt19937_64 rng{11};
  std::lognormal_distribution<double> lag_us{12, 2};
  for (int i = 0; i < 5000; ++i)
    h.record(static_cast<std::uint64_t>(lag_us(rng)));
  auto text = render(r);
  auto buckets = lines_of(text, "stockwire_lag_seconds_bucket");
  CAF_REQUIRE_EQUAL(buckets.size(), latency_bounds_s.size() + 1);
  for (std::size_t i = 1; i < buckets.size(); ++i)
    CAF_CHECK_LESS_OR_EQUAL(sample_value(buckets[i - 1]),
                            sample_value(buckets[i]));
  CAF_CHECK_EQUAL(buckets.front(),
                  "stockwire_lag_seconds_bucket{le=\"0.005\"} " +
                      std::to_string(h.count_at_or_below(5000)));
  CAF_CHECK(buckets.back().rfind("stockwire_lag_seconds_bucket{le=\"+Inf\"} ",
                                 0) == 0);
  CAF_CHECK_EQUAL(sample_value(buckets.back()), 5000u);
  auto count = lines_of(text, "stockwire_lag_seconds_count");
  CAF_REQUIRE_EQUAL(count.size(), 1u);
  CAF_CHECK_EQUAL(sample_value(count[0]), 5000u);
}
