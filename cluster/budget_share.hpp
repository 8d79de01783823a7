// How a channel account's rate limit is divided among the nodes of a
// cluster (pure, no I/O): every node that may push to the channel paces its
// connector by an equal share of the account's budget, so that the nodes
// together stay within what the channel allows (docs/ARCHITECTURE.md,
// "Channel budgets in a cluster").
//
//   share      1 / N, N = the distinct members of the current ring and of
//              the previous one ([cluster.previous]): a node that is
//              leaving still pushes what it holds until it has handed it
//              off, so it keeps its share until the previous ring is
//              dropped. A single node (no cluster): 1.
//   slice      what one node paces by: rate * share, and burst * share but
//              never below one request's cost, or no request could ever be
//              sent. With many nodes the floor makes the sum of the nodes'
//              bursts exceed the account's burst (N * cost > burst); the
//              rate still holds, and so does the burst as long as
//              burst * share >= cost.
//
// Per-listing caps (eBay's revisions per listing per day) are not divided:
// a SKU has one owner, so only one node revises its listings. Concurrency
// (requests in flight) is per node.
#pragma once

#include <cstddef>
#include <vector>

#include "cluster/membership.hpp"
#include "cluster/ring.hpp"

namespace stockwire::cluster {

/// The nodes that may push to a channel: distinct ids among `current`
/// and `previous` (empty without a previous ring). At least 1.
std::size_t pushing_nodes(const std::vector<member>& current,
                          const std::vector<member>& previous);

/// pushing_nodes() of both rings of `m`.
std::size_t pushing_nodes(const membership& m);

/// 1 / nodes. REQUIRES: nodes >= 1.
double budget_share(std::size_t nodes);

/// One node's part of a request budget.
struct budget_slice {
  double rate_per_s = 0;
  double burst = 1;
};

/// The part of a budget of `rate_per_s` (0: unlimited, stays 0) and
/// `burst` one node paces by when it holds `share` of it: rate * share and
/// max(burst * share, min(burst, cost)) -- one request's cost, or the whole
/// burst where the configuration makes that smaller than a request (a
/// single node's bucket is then exactly as configured) -- and never below
/// 1, the least a token bucket holds. REQUIRES: 0 < share <= 1, burst >= 1,
/// cost > 0.
budget_slice slice_of(double rate_per_s, double burst, double cost,
                      double share);

} // namespace stockwire::cluster
