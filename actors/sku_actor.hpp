// The SKU actor: the single owner of one SKU's stock on this node. Its
// mailbox is the serialization point of every order for the SKU: no locks.
//
// Accepts (from the region, which delegates callers' requests):
//   place_order   -> order_result | error(unknown_sku, id_conflict, ...)
//   cancel_order  -> cancel_result | error(unknown_order, ...)
//   set_stock     -> stock_result | error(negative_stock, id_conflict, ...)
//   adjust_stock  -> stock_result | error(negative_stock, id_conflict, ...)
//   get_stock     -> stock_view (committed state) | error(unknown_sku)
//   get_audit     -> audit_page (committed records)
//   put_listing   -> listing_result (the SKU need not have stock yet)
//   delete_listing-> listing_result | error(unknown_listing)
//   get_sku_activity -> sku_activity (its mailbox and pending commits)
//   (passivate_atom) from the region: finish pending commits, then send
//                  (stopped_atom, sku) to the region and quit.
// From the journal:
//   (committed_atom, seq), (failed_atom, seq, why)
//
// Pipelining: a command is applied to the in-memory state at once and its
// records are handed to the journal; the actor goes on with the next
// command. Replies are released in command order once the journal reports
// the transaction holding them durable. A retry of an operation whose first
// execution is still in flight waits for the same commit.
//
// Channels: every accepted change writes, in its transaction, an outbox
// entry per listed channel (one per channel per mailbox burst, holding the
// newest state); once durable, each listed channel's connector gets
// sku_changed. A rejected order from a listed channel resyncs that channel
// (it showed stock we do not have), urgently (a polling connector does not
// wait for its tick).
//
// Oversells: a place_order marked from_channel (a channel's webhook) that
// is rejected for lack of stock writes, in its own transaction, a cancel
// record (channel, order, SKU: the channel must cancel that order); once
// durable, the channel's connector gets order_oversold. A replay finds the
// dedup record and writes nothing. The first decision on each such line
// bumps its channel's order-line counter (node_counters.hpp) at the commit.
//
// On a failed commit the actor fails every pending reply with
// store_unavailable, reloads its state from the store (the durable truth)
// and lifts the journal's fence: nothing unacknowledged survives in memory.
#pragma once

#include <optional>
#include <string>

#include "actors/channel_directory.hpp"
#include "core/types.hpp"

#include <caf/fwd.hpp>

namespace stockwire {

class store;
class wal;

/// Spawns the actor of `sku`, loading its record from `db` unless the
/// caller just read it (`loaded`; saves a second read on activation).
/// `log`: the log the journal writes ahead to (null: none). The journal
/// then acknowledges (committed_atom) before the store holds an entry, and
/// the store holds it once the applier released its record
/// (wal::released_lsn(), read after every message; nobody is told): the
/// actor keeps what the store may not show yet (in-flight dedup records,
/// audit reads, its own life) until then, and when something waits for it
/// asks the journal to answer once it does (await_store_atom).
caf::actor spawn_sku_actor(caf::actor_system& sys, std::string sku,
                           caf::actor journal, const store* db,
                           std::optional<stock_state> loaded = std::nullopt,
                           channel_directory_ptr channels = nullptr,
                           const wal* log = nullptr);

} // namespace stockwire
