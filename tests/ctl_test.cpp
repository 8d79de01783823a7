// Pure unit tests of stockctl's core (ctl/since.hpp, ctl/views.hpp,
// ctl/output.hpp) and of shipping histograms between nodes
// (actors/histogram_wire.hpp): no actor system, no network.
#define CAF_SUITE ctl
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "actors/histogram_wire.hpp"
#include "ctl/output.hpp"
#include "ctl/since.hpp"
#include "ctl/views.hpp"
#include "metrics/histogram.hpp"

using namespace stockwire;
using namespace stockwire::ctl;

namespace {

// 2026-05-01T12:00:00Z in ms since the epoch.
constexpr std::int64_t may_day_noon_ms = 1'777'636'800'000;

std::int64_t since(const std::string& text, std::int64_t now_ms) {
  std::string why;
  auto t = parse_since(text, now_ms, &why);
  if (!t)
    CAF_FAIL(text << ": " << why);
  return *t;
}

bool refused(const std::string& text) {
  std::string why;
  auto t = parse_since(text, may_day_noon_ms, &why);
  return !t && !why.empty();
}

// A node's report with one channel's lag: `values` recorded in both the
// last minute and since start, and the given connector figures.
node_report node_with(const std::string& node,
                      const std::vector<std::uint64_t>& values,
                      connector_status status = {}) {
  metrics::histogram h;
  for (auto v : values)
    h.record(v);
  node_report r;
  r.node = node;
  r.lag.push_back(channel_lag{"shop", to_wire(h), to_wire(h)});
  status.channel = "shop";
  r.channels.push_back(status);
  return r;
}

} // namespace

CAF_TEST(since reads ISO - 8601 UTC times) {
  CAF_CHECK_EQUAL(since("2026-05-01T12:00:00Z", 0), may_day_noon_ms);
  CAF_CHECK_EQUAL(since("2026-05-01T12:00:00", 0), may_day_noon_ms);
  CAF_CHECK_EQUAL(since("2026-05-01T12:00:00+00:00", 0), may_day_noon_ms);
  CAF_CHECK_EQUAL(since("2026-05-01T14:30:00+02:30", 0), may_day_noon_ms);
  CAF_CHECK_EQUAL(since("2026-05-01T12:00:00.250Z", 0), may_day_noon_ms + 250);
  CAF_CHECK_EQUAL(since("2026-05-01T12:00:00.5Z", 0), may_day_noon_ms + 500);
  CAF_CHECK_EQUAL(since("2026-05-01", 0), may_day_noon_ms - 12 * 3'600'000);
  CAF_CHECK_EQUAL(since("1970-01-01T00:00:00Z", 0), 0);
  CAF_CHECK_EQUAL(since("2024-02-29T00:00:00Z", 0), 1'709'164'800'000);
}

CAF_TEST(since reads ages before now) {
  auto now = may_day_noon_ms;
  CAF_CHECK_EQUAL(since("10m", now), now - 600'000);
  CAF_CHECK_EQUAL(since("90s", now), now - 90'000);
  CAF_CHECK_EQUAL(since("1h30m", now), now - 5'400'000);
  CAF_CHECK_EQUAL(since("2d", now), now - 172'800'000);
  CAF_CHECK_EQUAL(since("500ms", now), now - 500);
  CAF_CHECK_EQUAL(since("0s", now), now);
}

CAF_TEST(since refuses what it cannot read) {
  for (auto text :
       {"", "10", "m", "10x", "-5m", "1h30", "2026-05-01T12:00Z", "2026-13-01",
        "2026-02-30", "2026-05-01T25:00:00Z", "2026-05-01 12:00",
        "2026-05-01T12:00:00.Z", "99999999999d", "yesterday"})
    CAF_CHECK_EQUAL(std::string{text} + (refused(text) ? " refused" : ""),
                    std::string{text} + " refused");
}

CAF_TEST(a histogram crosses the wire unchanged) {
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<std::uint64_t> us{0, 5'000'000};
  metrics::histogram h;
  for (int i = 0; i < 10'000; ++i)
    h.record(us(rng));
  auto back = from_wire(to_wire(h));
  CAF_CHECK_EQUAL(back.count(), h.count());
  CAF_CHECK_EQUAL(back.sum(), h.sum());
  CAF_CHECK_EQUAL(back.min(), h.min());
  CAF_CHECK_EQUAL(back.max(), h.max());
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0})
    CAF_CHECK_EQUAL(back.percentile(q), h.percentile(q));
  CAF_CHECK_EQUAL(from_wire(to_wire(metrics::histogram{})).count(), 0u);
}

CAF_TEST(an inconsistent histogram from the wire is empty) {
  metrics::histogram h;
  h.record(100);
  h.record(5000);
  auto d = to_wire(h);
  auto short_counts = d;
  short_counts.counts.pop_back();
  CAF_CHECK_EQUAL(from_wire(short_counts).count(), 0u);
  auto descending = d;
  std::swap(descending.indexes[0], descending.indexes[1]);
  CAF_CHECK_EQUAL(from_wire(descending).count(), 0u);
  auto huge = d;
  huge.indexes.back() = std::uint64_t{1} << 40;
  CAF_CHECK_EQUAL(from_wire(huge).count(), 0u);
  auto inverted = d;
  std::swap(inverted.min, inverted.max);
  CAF_CHECK_EQUAL(from_wire(inverted).count(), 0u);
  auto bad_precision = d;
  bad_precision.precision_bits = 99;
  CAF_CHECK_EQUAL(from_wire(bad_precision).count(), 0u);
}

CAF_TEST(merged lag is the lag of all changes not an average of nodes) {
  // node1: 99 fast changes; node2: one slow one. Averaging the nodes'
  // p99 would say ~0.5 s; over all 100 changes the p99 is fast and only
  // the max is slow.
  std::vector<std::uint64_t> fast(99, 1000);
  auto views =
      merge_lag({node_with("node1", fast), node_with("node2", {1'000'000})});
  CAF_REQUIRE_EQUAL(views.size(), 1u);
  auto& m = views[0].last_minute;
  CAF_CHECK_EQUAL(m.count, 100u);
  CAF_CHECK_LESS_OR_EQUAL(m.p99, 1016u); // 1000 within 1.6%
  CAF_CHECK_EQUAL(m.max, 1'000'000u);
  // The same as one histogram holding every value.
  metrics::histogram all;
  for (auto v : fast)
    all.record(v);
  all.record(1'000'000);
  CAF_CHECK_EQUAL(m.p50, all.percentile(0.5));
  CAF_CHECK_EQUAL(m.p999, all.percentile(0.999));
  CAF_CHECK_EQUAL(views[0].since_start.count, 100u);
}

CAF_TEST(channel figures are summed and the worst state wins) {
  connector_status a;
  a.kind = "shopify";
  a.breaker = "closed";
  a.backlog = 3;
  a.listings = 10;
  a.acked = 100;
  a.rate_available = 10;
  a.rate_max = 40;
  a.sync = "event";
  a.cancellations_pending = 1;
  connector_status b = a;
  b.breaker = "open";
  b.sync = "poll";
  b.poll_interval_s = 60;
  b.cancellations_pending = 2;
  b.backlog = 4;
  b.parked_listings = 1;
  b.last_error = "HTTP 500";
  b.rate_available = 30;
  auto views =
      merge_channels({node_with("node1", {}, a), node_with("node2", {}, b)});
  CAF_REQUIRE_EQUAL(views.size(), 1u);
  auto& v = views[0];
  CAF_CHECK_EQUAL(v.backlog, 7u);
  CAF_CHECK_EQUAL(v.listings, 20u);
  CAF_CHECK_EQUAL(v.breaker, "open");
  CAF_CHECK_EQUAL(v.last_error, "node2: HTTP 500");
  CAF_CHECK_EQUAL(headroom_of(v), 0.5);
  CAF_CHECK_EQUAL(v.sync, "mixed");
  CAF_CHECK_EQUAL(v.poll_interval_s, 60u);
  CAF_CHECK_EQUAL(v.cancellations_pending, 3u);
  auto h = health_of(v);
  CAF_CHECK_EQUAL(
      h, (std::vector<std::string>{"circuit_open", "parked_listings"}));
  a.rate_available = -1; // one node without a limit: no budget figure
  a.rate_max = -1;
  auto unlimited =
      merge_channels({node_with("node1", {}, a), node_with("node2", {}, b)});
  CAF_CHECK_EQUAL(headroom_of(unlimited[0]), -1.0);
}

CAF_TEST(rates count only nodes present in both samples) {
  connector_status c;
  c.acked = 100;
  auto n1 = node_with("node1", {}, c);
  n1.orders_accepted = 1000;
  auto n2 = node_with("node2", {}, c);
  n2.orders_accepted = 50;
  auto later1 = n1;
  later1.orders_accepted = 1200;
  later1.orders_rejected = 10;
  later1.channels[0].acked = 150;
  auto restarted2 = n2;
  restarted2.orders_accepted = 5;      // went back: node2 restarted
  auto n3 = node_with("node3", {}, c); // joined the second sample only
  auto r = rates_between({n1, n2}, {later1, restarted2, n3}, 2.0);
  CAF_CHECK_EQUAL(r.orders_per_s, 100.0);
  CAF_CHECK_EQUAL(r.rejected_per_s, 5.0);
  CAF_CHECK_EQUAL(r.pushes_per_s["shop"], 25.0);
  CAF_CHECK_EQUAL(rates_between({n1}, {later1}, 0).orders_per_s, -1.0);
}

CAF_TEST(a progress line shows what is done of the total) {
  CAF_CHECK_EQUAL(progress_line(0, 4, 8), "[........] 0/4");
  CAF_CHECK_EQUAL(progress_line(2, 4, 8), "[####....] 2/4");
  CAF_CHECK_EQUAL(progress_line(9, 4, 8), "[########] 4/4");
  CAF_CHECK_EQUAL(progress_line(0, 0, 4), "[####] 0/0");
}

CAF_TEST(durations read well) {
  CAF_CHECK_EQUAL(human_us(850), "850us");
  CAF_CHECK_EQUAL(human_us(12'345), "12.3ms");
  CAF_CHECK_EQUAL(human_us(1'250'000), "1.25s");
}
