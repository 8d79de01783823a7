// A node's view of cluster membership during and after a change: the ring
// of the current configuration and, while SKUs may still be moving, the
// ring of the configuration before it (pure, no I/O).
//
// A change of membership is a new configuration with a higher epoch
// (docs/CONFIG.md, `[cluster.previous]`). From the moment a node has it, it
// routes by the new ring; a SKU whose owner changed is moved from its
// previous owner (by the previous ring) to its new one (actors/handoff.hpp).
// These functions decide who sends what where; the actors do the I/O.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/ring.hpp"

namespace stockwire::cluster {

struct membership {
  std::shared_ptr<const ring> current; // never null
  // The configuration the current one replaced; null when no move is
  // expected (a new cluster, or the previous table was dropped).
  std::shared_ptr<const ring> previous;

  std::uint64_t epoch() const { return current->epoch(); }

  /// `id` is a member of the current ring.
  bool is_member(const std::string& id) const {
    return current->find(id) != nullptr;
  }

  /// Members of the previous ring that left (still reachable for moves),
  /// sorted by id.
  std::vector<member> leaving() const;

  /// Where `sku` lived before the change: its owner by the previous ring,
  /// or nullptr without one.
  const member* previous_owner(const std::string& sku) const;
};

/// Checks that `self` may move from `from` to the configuration `to`: a
/// higher epoch, the same shard count, `self` a member of `to`'s current
/// or previous ring, and a previous ring (if any) older than `to`'s
/// current one. Returns what is wrong, or empty. `from` may be null (the
/// node's first configuration).
std::string check_transition(const membership* from, const membership& to,
                             const std::string& self);

/// The SKUs among `held` that `self` does not own by `r`, grouped by their
/// owner's id (each group in the order of `held`).
std::map<std::string, std::vector<std::string>>
foreign_skus(const ring& r, const std::string& self,
             const std::vector<std::string>& held);

} // namespace stockwire::cluster
