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
// On a failed commit the actor fails every pending reply with
// store_unavailable, reloads its state from the store (the durable truth)
// and lifts the journal's fence: nothing unacknowledged survives in memory.
#pragma once

#include <optional>
#include <string>

#include "core/types.hpp"

#include <caf/fwd.hpp>

namespace stockwire {

class store;

/// Spawns the actor of `sku`, loading its record from `db` unless the
/// caller just read it (`loaded`; saves a second read on activation).
caf::actor spawn_sku_actor(caf::actor_system& sys, std::string sku,
                           caf::actor journal, const store* db,
                           std::optional<stock_state> loaded = std::nullopt);

} // namespace stockwire
