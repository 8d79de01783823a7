// Which node owns a SKU: the hash ring of one cluster configuration.
//
//   sku ──XXH3-64──▶ hash ──% shard_count──▶ shard ──rendezvous──▶ member
//
// A SKU's 64-bit XXH3 hash (of its bytes, seed 0) picks one of a fixed
// number of virtual shards; each shard belongs to the member with the
// highest rendezvous weight XXH3(member key ‖ shard), where the member key
// is XXH3(member id). Shards, not SKUs, are the unit of ownership: they
// move between nodes as a whole, and the router can list them.
//
// Why this shape (issue 6):
//  - Stable everywhere. XXH3's output is frozen since xxHash 0.8.0 and
//    defined on bytes; the shard number enters the weight as little-endian
//    bytes. Every process on every machine computes the same owner, and
//    ring_test pins known answers. Never std::hash.
//  - Order-free. Owners depend on the set of member ids only: members are
//    kept sorted by id, ties (p = 2^-64) go to the smaller id. Host and port
//    are not hashed, so a node can move to another address without moving
//    a single SKU.
//  - Minimal movement. Each shard ranks all possible nodes by weight and
//    picks the best one present, so adding a node moves to it exactly the
//    shards it now wins (about 1/N) and nothing between the old nodes;
//    removing one moves only its own shards. Any scheme with that property
//    for every add and remove is, per shard, a ranking of node ids: a
//    rendezvous of some kind.
//  - Balance from the shard count. A member holds Binomial(S, 1/N) shards:
//    relative standard deviation sqrt((N - 1) / S). The default 65536 puts
//    the 10% bound of issue 6 at 8.5 sigma for 10 nodes and at 5 sigma up
//    to 27 nodes; larger clusters should raise the shard count (S >=
//    2500 * (N - 1) keeps 5 sigma). 4096 shards would leave 10 nodes at 4.7%
//    per sigma: about one cluster in eight (39 of 300 random 10-node
//    clusters, measured) would break the bound.
//    A classic ring of V virtual nodes per node spreads about 1/sqrt(V):
//    ~2500 points per node for the same margin, and a binary search per
//    lookup; with shards a lookup is one hash, one modulo, one table read.
//
// The shard count is part of the cluster's identity: changing it remaps
// almost every SKU, so it is configuration shared by all nodes, not tuned
// per node. The epoch names the configuration a ring was built from; every
// change of membership must come with a higher epoch, so that writes fenced
// by an older one are refused (DESIGN.md 5).
//
// A ring is an immutable value: build a new one for a new configuration.
// Safe to share between threads once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stockwire::cluster {

// Shards of a ring unless the configuration says otherwise. 2^16: the
// owner table costs 128 KiB and a build hashes 65536 * N pairs (about 1 ms
// per member); balance as argued above.
constexpr std::uint32_t shard_count_default = 65536;

// Most shards a ring may have: 2 MiB of owner table, and a build of 2^20 *
// N hashes (about 0.5 s at 32 members) when the configuration changes.
constexpr std::uint32_t shard_count_max = std::uint32_t{1} << 20;

// Most members of a ring: owners are stored as 16-bit indexes, and every
// node connects to every other, which stops being sensible long before.
constexpr std::size_t members_max = 1024;

/// One node of the cluster as the configuration lists it.
struct member {
  std::string id; // identity: the only field that decides ownership
  std::string host;
  std::uint16_t port = 0;
};

bool operator==(const member& lhs, const member& rhs);
inline bool operator!=(const member& lhs, const member& rhs) {
  return !(lhs == rhs);
}

/// XXH3-64 (seed 0) of the SKU's bytes.
std::uint64_t sku_hash(std::string_view sku);

/// The rendezvous weight of `shard` for the node named `member_id`: the
/// shard belongs to the present member with the highest weight.
std::uint64_t rendezvous_weight(std::uint32_t shard,
                                std::string_view member_id);

/// Why a SKU lives where it does (`stockctl cluster owner SKU`).
struct placement {
  std::uint64_t hash = 0;  // sku_hash(sku)
  std::uint32_t shard = 0; // hash % shard_count
  member owner;
  std::uint64_t owner_weight = 0; // the highest weight for the shard
  // Who would own the shard if `owner` left; empty on a one-node ring.
  std::optional<member> runner_up;
  std::uint64_t runner_up_weight = 0;
  std::uint64_t epoch = 0;
};

/// Checks that a ring can be built from this configuration: 1 to
/// members_max members, ids non-empty and unique, 1 to shard_count_max
/// shards. Returns what is wrong, or empty.
std::string check_ring(const std::vector<member>& members,
                       std::uint32_t shard_count);

class ring {
public:
  /// REQUIRES: check_ring(members, shard_count) is empty.
  ring(std::vector<member> members, std::uint32_t shard_count,
       std::uint64_t epoch);

  std::uint64_t epoch() const { return epoch_; }
  std::uint32_t shard_count() const {
    return static_cast<std::uint32_t>(owners_.size());
  }

  /// The members, sorted by id whatever the configuration's order.
  const std::vector<member>& members() const { return members_; }

  /// The member named `id`, or nullptr.
  const member* find(std::string_view id) const;

  /// sku_hash(sku); the same in every ring.
  std::uint64_t hash(std::string_view sku) const { return sku_hash(sku); }

  std::uint32_t shard_of(std::string_view sku) const {
    return static_cast<std::uint32_t>(sku_hash(sku) % shard_count());
  }

  /// REQUIRES: shard < shard_count().
  const member& owner_of_shard(std::uint32_t shard) const {
    return members_[owner_index(shard)];
  }

  /// The owner's index in members(). REQUIRES: shard < shard_count().
  std::size_t owner_index(std::uint32_t shard) const;

  const member& owner(std::string_view sku) const {
    return owner_of_shard(shard_of(sku));
  }

  /// Shards owned by each member, in the order of members().
  const std::vector<std::uint32_t>& shards_per_member() const {
    return shards_per_member_;
  }

  /// Hash, shard, owner and the weights that chose it.
  placement explain(std::string_view sku) const;

private:
  std::vector<member> members_;       // sorted by id, ids unique
  std::vector<std::uint16_t> owners_; // shard -> index in members_
  std::vector<std::uint32_t> shards_per_member_;
  std::uint64_t epoch_;
};

/// The shards whose owner (by id) differs between two rings, ascending.
/// REQUIRES: before.shard_count() == after.shard_count().
std::vector<std::uint32_t> moved_shards(const ring& before, const ring& after);

} // namespace stockwire::cluster
