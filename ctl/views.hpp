// The cluster's figures, computed from the node reports of its members
// (actors/messages.hpp, node_report). Pure: no actor system, no I/O.
//
// Lag histograms are merged bucket by bucket before percentiles are read,
// so the cluster's p99 is the p99 of all its changes (within the buckets'
// 1.6% relative error); averaging the nodes' percentiles would not be.
// Counters and gauges are summed; rates come from two samples.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace stockwire::ctl {

struct lag_figures {
  std::uint64_t count = 0;
  std::uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0; // us
};

struct lag_view {
  std::string channel;
  lag_figures last_minute;
  lag_figures since_start;
};

/// Every channel's sync lag over all `reports`, sorted by channel.
std::vector<lag_view> merge_lag(const std::vector<node_report>& reports);

/// One channel account over all nodes.
struct channel_view {
  std::string channel;
  std::string kind;
  std::string breaker = "closed"; // the worst: open, half_open, closed
  std::uint64_t listings = 0;
  std::uint64_t backlog = 0;
  std::uint64_t inflight = 0;
  std::uint64_t parked_listings = 0;
  std::uint64_t backing_off = 0;
  std::uint64_t acked = 0; // since each node started
  std::uint64_t retried = 0;
  std::uint64_t parked = 0;
  std::uint64_t throttled = 0;
  std::uint64_t requests = 0;
  // Request budget left and its size, summed over the nodes (each node
  // paces its own connector); -1: no client-side limit.
  double rate_available = -1;
  double rate_max = -1;
  // Shares of the account's budget of the nodes that answered, summed (1
  // when all did and agree on the membership), and the rate their buckets
  // restore, summed (-1: no client-side limit).
  double budget_share = 0;
  double requests_per_s = -1;
  std::string last_error; // "node: error" of the first node with one
  // "event" or "poll"; "mixed" when the nodes' connectors differ.
  std::string sync;
  std::uint64_t poll_interval_s = 0; // the longest of the polling nodes
  std::uint64_t cancellations_pending = 0; // oversold orders not cancelled
};

/// Every channel over all `reports`, sorted by channel.
std::vector<channel_view>
merge_channels(const std::vector<node_report>& reports);

/// What is wrong with a channel, worst first: "circuit_open" (a node's
/// breaker is open or probing), "backing_off" (SKUs wait out a retry
/// backoff or a 429), "parked_listings" (listings refused for good).
/// Empty: ok.
std::vector<std::string> health_of(const channel_view& c);

/// Share of the request budget left (0..1); -1 without a limit.
double headroom_of(const channel_view& c);

/// Counters summed over all `reports`.
struct totals {
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t backlog = 0; // every channel
};

totals sum_totals(const std::vector<node_report>& reports);

/// Rates per second between two samples `seconds` apart, over the nodes
/// present in both with counters that did not go back (a node that
/// restarted in between is left out). -1: unknown (no interval).
struct rates {
  double orders_per_s = -1; // order lines accepted
  double rejected_per_s = -1;
  std::map<std::string, double> pushes_per_s; // SKU pushes acknowledged
};

rates rates_between(const std::vector<node_report>& before,
                    const std::vector<node_report>& after, double seconds);

} // namespace stockwire::ctl
