// The handoff actor of a clustered node: moves SKUs when membership changes
// (issue 6; DESIGN.md "Cluster", invariant 5). Spawned by the router and
// linked to it; it reaches other nodes only through the router, which
// relays its messages to the router of the node they name (`to`).
//
//   old owner P                                   new owner N
//   ───────────                                   ───────────
//   region: release(skus) — no live actor,
//     commands refused as "moving"
//   export from LMDB (stock slot, audit trail,
//     dedup records, listings, outbox entries,
//     pending cancellations)
//   import_skus{epoch, bundles} ───────────────▶  check epoch, ownership,
//                                                 every key; write all in ONE
//                                                 journal transaction; tell
//                                                 its connectors what the
//                                                 SKUs owe (outbox, poll-mode
//                                                 listings, cancellations)
//                         ◀─────────────────────  import_ack{skus} (durable)
//   delete the exported records (one journal
//   transaction); tell its connectors the
//   listings are gone and the cancellations
//   moved (cancellations_moved)
//
// Who pushes: each node's sweep walks the SKUs its store holds and pushes
// every one it does not own by the current ring to its owner, in batches of
// handoff_batch_skus_max; a pass that finds none (and nothing in flight)
// means the node's sweep is done for this epoch. On demand: a command for a
// SKU this node owns but does not hold waits (the router delegates it here
// while the move is incomplete) while this node sends pull_sku to the
// SKU's owner by the previous ring, which pushes it at once; the command
// then runs on the imported state. A previous owner that does not hold the
// SKU answers "not found" (after releasing it, so no command of its own
// can still create it), and the new owner may then create it. Commands
// whose pull fails get owner_unavailable (503): never a second owner.
//
// Inbound completeness: this node asks each previous owner (handoff_poll)
// until every one reports its sweep done; from then on every SKU it owns is
// here, the router stops delegating commands to it, and the epoch is
// written to meta as `settled_epoch` so that a restart does not ask again.
//
// Crash safety (SIGKILL anywhere): the old owner deletes its copy only
// after the new owner's commit is acknowledged, so a SKU always has a
// durable copy on its owner or on its previous owner, and its previous
// owner still holds it until then. A crash between the new owner's commit
// and the old owner's delete leaves a stale copy on the old owner that no
// ring routes to; the old owner's sweep after the restart pushes it again,
// the new owner answers "already held" without writing, and the copy is
// deleted. An import is never written over a SKU the receiver holds.
//
// Accepts:
//  - From the router (delegated SKU commands, while the move is
//    incomplete): place_order, cancel_order, set_stock, adjust_stock,
//    get_stock, get_audit, put_listing, delete_listing, get_listings —
//    delegated to the region once the SKU is known to be here.
//  - From other nodes (relayed): import_skus -> import_ack; pull_sku ->
//    pull_result; handoff_poll -> handoff_progress. Refused with
//    owner_unavailable at another epoch, naming both.
//  - change_membership (from the router, which checked it).
//  - get_cluster_status -> cluster_status; list_held_skus -> held_sku_page.
// Sends to the router: (moved_atom, epoch, sweep_done, inbound_complete)
// whenever one of them changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"
#include "cluster/membership.hpp"

namespace stockwire {

class store;

struct handoff_config {
  cluster::membership membership;
  std::string self_id;
  // A request to another node (through the router) fails after this.
  std::chrono::milliseconds request_timeout{2500};
  // meta `settled_epoch` at start: equal to the epoch means every SKU this
  // node owns is already here (no pulls, no polls).
  std::uint64_t settled_epoch = 0;
};

/// Spawns the handoff actor linked to `router` (which must be `self` of
/// the router's behavior).
caf::actor spawn_handoff(caf::local_actor* router, caf::actor region,
                         caf::actor journal, const store* db,
                         channel_directory_ptr channels, handoff_config cfg);

} // namespace stockwire
