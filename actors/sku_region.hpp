// The SKU region of a node: the directory of live SKU actors. It activates
// a SKU actor on first use (from its LMDB record), forwards each command to
// it (the reply goes straight back to the caller), and passivates SKUs that
// have been idle for `idle_timeout` or that fall off the end of the LRU when
// more than `active_skus_max` are live. The SKU actor knows nothing of this.
//
// Accepts: place_order, cancel_order, set_stock, adjust_stock, get_stock,
// get_audit, put_listing, delete_listing (validated here; invalid commands get
// invalid_argument without activating anything), get_listings (read from the
// store, committed state), find_order, (stats_atom) -> region_stats,
// get_sku_activity -> sku_activity (answered by the live actor, or here for a
// passivated or passivating SKU; never activates one nor refreshes its LRU
// place).
//
// Membership changes (actors/handoff.hpp): (release_atom, skus) marks the
// SKUs released -- every command for them is refused from then on with
// owner_unavailable ("moving") -- passivates their live actors and answers
// once none is live, so every change of theirs is durable and none can
// follow. (unrelease_atom, skus) lifts the mark.
//
// Passivation handshake (one live actor per SKU, never two): the region
// marks the entry stopping and sends (passivate_atom); commands for the SKU
// that arrive meanwhile are stashed; the actor finishes its pending
// commits, answers (stopped_atom, sku) and quits; then the region either
// forgets the SKU or activates a fresh actor for the stash. A new actor
// therefore always loads a record that holds every change of the old one.
#pragma once

#include <chrono>
#include <cstddef>

#include <caf/fwd.hpp>

#include "actors/channel_directory.hpp"

namespace stockwire {

class store;
class wal;

struct region_config {
  // A SKU with no command for this long is passivated (0: never by time).
  std::chrono::milliseconds idle_timeout{30'000};
  // Live SKU actors at most; the least recently used beyond are passivated.
  std::size_t active_skus_max = 200'000;
  // The node's connectors; null: no channels (changes are not pushed).
  channel_directory_ptr channels;
  // The log the journal writes ahead to (see spawn_sku_actor); null: none.
  const wal* log = nullptr;
};

caf::actor spawn_region(caf::actor_system& sys, caf::actor journal,
                        const store* db, region_config cfg);

} // namespace stockwire
