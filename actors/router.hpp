// The shard router of a clustered node (DESIGN.md "Cluster", invariant 5):
// the gateway's bridge sends it every SKU command, and it hands each one to
// the node that owns the command's SKU on the hash ring (cluster/ring.hpp).
//
//   bridge ─▶ router ─┬─ this node owns the SKU ─▶ region (delegated: the
//                     │                            SKU actor answers the
//                     │                            bridge directly)
//                     └─ node N owns it ─▶ (forward_atom, epoch, origin, cmd)
//                          ─▶ router of N ─▶ its region ─▶ SKU actor
//                          ─▶ reply to this router ─▶ the bridge
//
// Accepts: place_order, cancel_order, set_stock, adjust_stock, get_stock,
// get_audit, put_listing, delete_listing, get_listings, get_sku_activity —
// answered as the owner's region answers them — get_listing_status,
// answered by the owner's inspector (its connectors know the SKUs it owns),
// and find_order, asked of every node (an order's lines live on their
// SKUs' owners), lines merged and sorted by SKU. From other routers:
// (forward_atom, epoch, origin node id, cmd) for each of those commands,
// and for get_node_report and resync_channel (this node's inspector).
//
// Cluster-wide queries (stockctl, through the admin actor) go by the
// current membership (a SIGHUP change included): each member's inspector
// is asked, and so is, while this node still has a peer for it, each
// member of the previous ring that is leaving (once this node's move is
// complete every node that left holds nothing more: it is listed as left,
// not asked). The members that are not connected, fail or stay silent are
// named in the reply as unreachable, with the reason, and the others'
// answers are kept:
//  - get_cluster_report -> cluster_report: the epochs, every member
//    (address, shards, leaving, reachable) and the node_report of each
//    reachable one, with that node's own view of the move (its handoff
//    actor's cluster_status);
//  - resync_cluster -> resync_report: resync_channel on every member.
// And, node-local (the admin actor, for `stockctl cluster owner`):
// get_membership -> cluster::membership, the one it routes by now.
//
// Failures are owner_unavailable (503 + Retry-After at the gateway) with a
// detail naming the node ("node2 at 127.0.0.1:4102 is unreachable"):
//  - the owner is not connected: refused at once, nothing is sent;
//  - no answer within forward_timeout: the command reached the owner's SKU
//    actor or it did not; a retry replays (dedup), so it is applied once;
//  - find_order while any other node is not connected: a partial answer
//    could make a cancellation miss lines;
//  - the fence: a forwarded command whose epoch differs from the receiving
//    node's is refused before it reaches a SKU actor, naming both epochs;
//    so is one for a SKU the receiver does not own on its own ring (member
//    lists that differ under one epoch).
// Errors of the owner (unknown_sku, id_conflict, ...) come back unchanged.
//
// Membership changes (docs/ARCHITECTURE.md, "Membership changes"):
// change_membership (from the daemon, on SIGHUP) switches the router to a
// new ring at once — refused when the epoch is not higher or this node has
// not finished the previous move — and hands it to the handoff actor
// (actors/handoff.hpp), which the router spawns and which moves the SKUs
// whose owner changed. Until the handoff actor reports that every SKU this
// node owns is here, commands for SKUs it owns go through the handoff
// actor (it pulls a missing SKU from its previous owner first) instead of
// straight to the region. The router relays the handoff actors' messages
// (import_skus, pull_sku, handoff_poll) to the node they name and answers
// get_cluster_status and list_held_skus through its handoff actor. It
// stays connected to members of the previous ring that left, so that what
// they hold can still move. It passes each change on to the node's
// inspector too (its SKU count goes by the current ring), and tells every
// connector of the node its new share of its account's budget
// (set_budget_share: 1 / the members of both rings,
// cluster/budget_share.hpp). stockctl's
// get_sku_activity and get_listing_status never wait behind a move: they
// report what this node has now.
//
// Connections: the router connects to every other member through CAF's
// middleman actor (asynchronously: no worker blocks), monitors the proxy,
// and after a failed attempt or a lost connection tries again with
// exponential backoff. Once connected it sends (hello_atom, its id), so a
// restarted node is connected back at once rather than after the other
// side's backoff. Requests in flight to a node that died are not failed by
// CAF; their forward_timeout fails them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"
#include "cluster/membership.hpp"
#include "tls/credentials.hpp"

namespace stockwire {

class store;
struct placement_info;

struct router_config {
  cluster::membership membership;
  std::string self_id; // a member of the current or of the previous ring
  std::chrono::milliseconds forward_timeout{2000};
  // For the handoff actor: the node's store, journal and connectors, and
  // meta `settled_epoch` (actors/handoff.hpp).
  const store* db = nullptr;
  caf::actor journal;
  channel_directory_ptr channels;
  std::uint64_t settled_epoch = 0;
  caf::actor inspector; // this node's (actors/inspector.hpp)
};

/// Loads CAF's networking module (the middleman) and turns on BASP
/// heartbeats, so that a hung peer is detected, not only a dead one. With
/// `tls.enabled()` also CAF's OpenSSL module: every published port and
/// every connection to a member then requires mutual TLS. Call before the
/// actor system is constructed. REQUIRES: tls::check_credentials(tls)
/// passed.
void configure_cluster_networking(caf::actor_system_config& cfg,
                                  const tls::credentials& tls);

/// Spawns the router in front of the node's `region` and starts connecting
/// to the other members. REQUIRES: the actor system was configured with
/// configure_cluster_networking().
caf::actor spawn_router(caf::actor_system& sys, caf::actor region,
                        router_config cfg);

/// How `m` places `sku` (the current ring's explain(), and the owner by the
/// previous ring while one is set): what `stockctl cluster owner` shows.
placement_info placement_of(const cluster::membership& m,
                            const std::string& sku, bool clustered);

/// Publishes `router` on host:port (with address reuse: a restarted node
/// gets its port back at once), through TLS when the system has CAF's
/// OpenSSL module. Returns false with the reason otherwise.
bool publish_router(caf::actor_system& sys, const caf::actor& router,
                    const std::string& host, std::uint16_t port,
                    std::string* error);

} // namespace stockwire
