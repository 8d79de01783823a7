#include "ctl/views.hpp"

#include <algorithm>

#include "actors/histogram_wire.hpp"
#include "metrics/histogram.hpp"

namespace stockwire::ctl {

namespace {

lag_figures figures_of(const metrics::histogram& h) {
  auto s = metrics::percentiles(h);
  return lag_figures{s.count, s.p50, s.p90, s.p99, s.p999, s.max};
}

int breaker_rank(const std::string& state) {
  if (state == "open")
    return 2;
  if (state == "half_open")
    return 1;
  return 0;
}

// Adds a budget figure; -1 (no limit) anywhere makes the sum -1.
void add_budget(double* sum, double x, bool first) {
  if (first)
    *sum = x;
  else if (*sum < 0 || x < 0)
    *sum = -1;
  else
    *sum += x;
}

const node_report* find_node(const std::vector<node_report>& reports,
                             const std::string& node) {
  for (auto& r : reports)
    if (r.node == node)
      return &r;
  return nullptr;
}

} // namespace

std::vector<lag_view> merge_lag(const std::vector<node_report>& reports) {
  struct merged {
    metrics::histogram last_minute;
    metrics::histogram since_start;
  };
  std::map<std::string, merged> by_channel;
  for (auto& r : reports)
    for (auto& c : r.lag) {
      auto minute = from_wire(c.last_minute);
      auto total = from_wire(c.since_start);
      auto [i, added] = by_channel.try_emplace(
          c.channel, merged{metrics::histogram{minute.precision_bits()},
                            metrics::histogram{total.precision_bits()}});
      // Histograms of another precision cannot be merged bucket by
      // bucket; every node runs the same build, so they never differ.
      if (i->second.last_minute.precision_bits() == minute.precision_bits())
        i->second.last_minute.merge(minute);
      if (i->second.since_start.precision_bits() == total.precision_bits())
        i->second.since_start.merge(total);
    }
  std::vector<lag_view> out;
  for (auto& [channel, m] : by_channel)
    out.push_back(lag_view{channel, figures_of(m.last_minute),
                           figures_of(m.since_start)});
  return out;
}

std::vector<channel_view>
merge_channels(const std::vector<node_report>& reports) {
  std::map<std::string, channel_view> by_channel;
  for (auto& r : reports)
    for (auto& s : r.channels) {
      auto [i, first] = by_channel.try_emplace(s.channel);
      auto& v = i->second;
      v.channel = s.channel;
      v.kind = s.kind;
      if (breaker_rank(s.breaker) > breaker_rank(v.breaker))
        v.breaker = s.breaker;
      v.listings += s.listings;
      v.backlog += s.backlog;
      v.inflight += s.inflight;
      v.parked_listings += s.parked_listings;
      v.backing_off += s.backing_off;
      v.acked += s.acked;
      v.retried += s.retried;
      v.parked += s.parked;
      v.throttled += s.throttled;
      v.requests += s.requests;
      add_budget(&v.rate_available, s.rate_available, first);
      add_budget(&v.rate_max, s.rate_max, first);
      add_budget(&v.requests_per_s, s.requests_per_s, first);
      v.budget_share += s.budget_share;
      if (v.last_error.empty() && !s.last_error.empty())
        v.last_error = r.node + ": " + s.last_error;
      v.sync = first || v.sync == s.sync ? s.sync : "mixed";
      v.poll_interval_s = std::max(v.poll_interval_s, s.poll_interval_s);
      v.cancellations_pending += s.cancellations_pending;
    }
  std::vector<channel_view> out;
  for (auto& [channel, v] : by_channel)
    out.push_back(std::move(v));
  return out;
}

std::vector<std::string> health_of(const channel_view& c) {
  std::vector<std::string> out;
  if (c.breaker != "closed")
    out.emplace_back("circuit_open");
  if (c.backing_off > 0)
    out.emplace_back("backing_off");
  if (c.parked_listings > 0)
    out.emplace_back("parked_listings");
  return out;
}

double headroom_of(const channel_view& c) {
  if (c.rate_max <= 0 || c.rate_available < 0)
    return -1;
  return std::clamp(c.rate_available / c.rate_max, 0.0, 1.0);
}

totals sum_totals(const std::vector<node_report>& reports) {
  totals t;
  for (auto& r : reports) {
    t.orders_accepted += r.orders_accepted;
    t.orders_rejected += r.orders_rejected;
    for (auto& c : r.channels)
      t.backlog += c.backlog;
  }
  return t;
}

rates rates_between(const std::vector<node_report>& before,
                    const std::vector<node_report>& after, double seconds) {
  rates out;
  if (seconds <= 0)
    return out;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::map<std::string, std::uint64_t> acked;
  for (auto& now : after) {
    auto* then = find_node(before, now.node);
    if (then == nullptr || now.orders_accepted < then->orders_accepted ||
        now.orders_rejected < then->orders_rejected)
      continue;
    accepted += now.orders_accepted - then->orders_accepted;
    rejected += now.orders_rejected - then->orders_rejected;
    for (auto& c : now.channels) {
      auto& sum = acked[c.channel];
      for (auto& p : then->channels)
        if (p.channel == c.channel && c.acked >= p.acked)
          sum += c.acked - p.acked;
    }
  }
  out.orders_per_s = static_cast<double>(accepted) / seconds;
  out.rejected_per_s = static_cast<double>(rejected) / seconds;
  for (auto& [channel, n] : acked)
    out.pushes_per_s[channel] = static_cast<double>(n) / seconds;
  return out;
}

} // namespace stockwire::ctl
