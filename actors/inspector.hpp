// The inspector of a node: answers what stockctl asks about this node's
// own state, for the admin actor of this node and, through the routers,
// of any other node (actors/admin.hpp, actors/router.hpp). Spawned on every
// node with a cluster or an [admin] port; it changes nothing but what a
// resync asks of a connector.
//
// Accepts:
//   get_node_report    -> node_report: the node's counters (orders,
//                         cancels, stock changes since start), live SKU
//                         actors (region), every connector's status,
//                         every channel's raw lag histograms (metrics
//                         actor); with count_skus, its stored SKUs split
//                         by what the ring says of their owner (a walk of
//                         the store on a thread of its own: one seek per
//                         SKU, so never on a scheduler worker);
//   get_listing_status, get_channel_status, resync_channel
//                      -> delegated to this node's connector of that
//                         channel; unknown_channel when there is none;
//   change_membership  (node-local, from the router after a SIGHUP
//                         change) -> the SKU count goes by its current
//                         ring from now on.
// A part of a report that does not answer within report_part_timeout fails
// the report with owner_unavailable naming the part.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"
#include "cluster/ring.hpp"

namespace stockwire {

class store;

// How long each part of a node report (region, metrics actor, a
// connector, the SKU count) may take. The SKU count walks the store: a
// million SKUs take about a second on this kind of machine.
constexpr std::chrono::milliseconds report_part_timeout{4000};

// What any answer of an inspector may take, asked from another node: its
// slowest (a node report's SKU count) and a round trip.
constexpr std::chrono::milliseconds inspector_reply_timeout =
    report_part_timeout + std::chrono::milliseconds{1000};

struct inspector_targets {
  std::string node_id;
  caf::actor region;
  caf::actor metrics;
  channel_directory_ptr channels; // may be null: no channels
  const store* db = nullptr;      // outlives the actor system
  // The cluster's current ring at start (the router sends each change);
  // null on a single node (every stored SKU is its own).
  std::shared_ptr<const cluster::ring> ring;
};

caf::actor spawn_inspector(caf::actor_system& sys, inspector_targets targets);

} // namespace stockwire
