// The admin actor of a node: what `stockctl` talks to (docs/STOCKCTL.md).
// Published with CAF's middleman on the node's `[admin] listen` address.
//
//   stockctl ─BASP─▶ admin ─┬─ SKU commands ─▶ router (cluster) or region
//                           ├─ connector queries ─▶ this node's connector
//                           ├─ get_lag ─▶ this node's metrics actor
//                           └─ get_placement: answered from the ring
//
// Accepts (each answered as its target answers it; replies go straight to
// the caller through delegation):
//  - get_stock, get_audit, set_stock, adjust_stock, get_listings,
//    find_order: to `sku_target`, so in a cluster they reach the SKU's
//    owner (or fail with owner_unavailable naming it, as HTTP does);
//  - get_listing_status, get_channel_status, resync_channel: to the
//    connector of this node for that channel, unknown_channel otherwise.
//    v1: in a cluster the connector asked is the one of the node stockctl
//    connected to, which knows only the SKUs that node owns;
//  - get_lag: this node's metrics actor (not merged across nodes in v1);
//  - get_placement: placement_info from `ring`.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"
#include "cluster/ring.hpp"

namespace stockwire {

struct admin_targets {
  caf::actor sku_target; // the router of a clustered node, else the region
  caf::actor metrics;
  channel_directory_ptr channels;
  // The cluster's ring; a single node passes a one-member ring of itself.
  std::shared_ptr<const cluster::ring> ring;
  bool clustered = false;
};

/// Spawns the admin actor. Publish it with publish_router() (any actor).
caf::actor spawn_admin(caf::actor_system& sys, admin_targets targets);

} // namespace stockwire
