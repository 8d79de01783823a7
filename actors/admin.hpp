// The admin actor of a node: what `stockctl` talks to (docs/STOCKCTL.md).
// Published with CAF's middleman on the node's `[admin] listen` address.
//
//   stockctl ─BASP─▶ admin ─┬─ SKU commands, get_sku_activity,
//                           │  get_listing_status ─▶ router (cluster: to the
//                           │  SKU's owner) or this node's region/inspector
//                           ├─ get_cluster_report, resync_cluster ─▶ router
//                           │  (every member) or this node's inspector
//                           └─ get_placement: from the router's current
//                              membership (get_membership) or this node's
//                              one-member ring
//
// Accepts (answered as their target answers them; replies go straight to
// the caller through delegation unless said otherwise):
//  - get_stock, get_audit, set_stock, adjust_stock, get_listings,
//    find_order, get_sku_activity: to the router in a cluster, so they
//    reach the SKU's owner from any node (or fail with owner_unavailable
//    naming it, as HTTP does); to the region on a single node;
//  - get_listing_status: to the owner's inspector (its connector of that
//    channel), through the router in a cluster;
//  - get_cluster_report -> cluster_report, resync_cluster -> resync_report:
//    through the router in a cluster; a single node answers them as a
//    cluster of one. resync_cluster of a channel this node does not have
//    is unknown_channel before anything is asked (every node of a cluster
//    has the same channel accounts);
//  - get_placement -> placement_info: in a cluster, from the membership
//    the router routes by now (asked with get_membership: the current ring
//    after any SIGHUP change, and the previous one while a move is under
//    way); from `ring` on a single node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"
#include "cluster/ring.hpp"

namespace stockwire {

struct admin_targets {
  caf::actor router;    // clustered nodes only
  caf::actor region;    // single node: the SKU commands' target
  caf::actor inspector; // this node's (actors/inspector.hpp)
  channel_directory_ptr channels;
  // Single node only: a one-member ring of itself (at its admin address).
  // A clustered node's ring changes (SIGHUP): only its router knows it.
  std::shared_ptr<const cluster::ring> ring;
};

/// Spawns the admin actor. Publish it with publish_router() (any actor).
caf::actor spawn_admin(caf::actor_system& sys, admin_targets targets);

} // namespace stockwire
