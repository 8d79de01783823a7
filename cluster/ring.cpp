#include "cluster/ring.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

#include <xxhash.h>

namespace stockwire::cluster {

static_assert(members_max <= std::numeric_limits<std::uint16_t>::max() + 1u,
              "owners are stored as 16-bit member indexes");

namespace {

void put_le64(unsigned char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<unsigned char>(value >> (8 * i));
}

std::uint64_t member_key(std::string_view id) {
  return XXH3_64bits(id.data(), id.size());
}

// The weight from a precomputed member key. The input is spelled out as
// little-endian bytes so that the weight is the same on every machine.
std::uint64_t weight_of(std::uint64_t key, std::uint32_t shard) {
  unsigned char bytes[16];
  put_le64(bytes, key);
  put_le64(bytes + 8, shard);
  return XXH3_64bits(bytes, sizeof bytes);
}

bool by_id(const member& lhs, const member& rhs) {
  return lhs.id < rhs.id;
}

} // namespace

bool operator==(const member& lhs, const member& rhs) {
  return lhs.id == rhs.id && lhs.host == rhs.host && lhs.port == rhs.port;
}

std::uint64_t sku_hash(std::string_view sku) {
  return XXH3_64bits(sku.data(), sku.size());
}

std::uint64_t rendezvous_weight(std::uint32_t shard,
                                std::string_view member_id) {
  return weight_of(member_key(member_id), shard);
}

std::string check_ring(const std::vector<member>& members,
                       std::uint32_t shard_count) {
  if (members.empty())
    return "a cluster needs at least one member";
  if (members.size() > members_max)
    return "at most " + std::to_string(members_max) + " members";
  if (shard_count == 0 || shard_count > shard_count_max)
    return "shards must be between 1 and " + std::to_string(shard_count_max);
  std::vector<std::string_view> ids;
  ids.reserve(members.size());
  for (const auto& m : members) {
    if (m.id.empty())
      return "a member has an empty id";
    ids.emplace_back(m.id);
  }
  std::sort(ids.begin(), ids.end());
  auto dup = std::adjacent_find(ids.begin(), ids.end());
  if (dup != ids.end())
    return "member id '" + std::string{*dup} + "' appears twice";
  return {};
}

ring::ring(std::vector<member> members, std::uint32_t shard_count,
           std::uint64_t epoch)
    : members_(std::move(members)), owners_(shard_count),
      shards_per_member_(members_.size()), epoch_(epoch) {
  assert(check_ring(members_, shard_count).empty());
  std::sort(members_.begin(), members_.end(), by_id);
  std::vector<std::uint64_t> keys;
  keys.reserve(members_.size());
  for (const auto& m : members_)
    keys.push_back(member_key(m.id));
  for (std::uint32_t shard = 0; shard < shard_count; ++shard) {
    // Strictly greater: on a tie the smaller id (seen first) keeps it.
    std::size_t best = 0;
    auto best_weight = weight_of(keys[0], shard);
    for (std::size_t i = 1; i < keys.size(); ++i) {
      auto w = weight_of(keys[i], shard);
      if (w > best_weight) {
        best = i;
        best_weight = w;
      }
    }
    owners_[shard] = static_cast<std::uint16_t>(best);
    ++shards_per_member_[best];
  }
}

const member* ring::find(std::string_view id) const {
  auto i = std::lower_bound(
      members_.begin(), members_.end(), id,
      [](const member& m, std::string_view key) { return m.id < key; });
  return i != members_.end() && i->id == id ? &*i : nullptr;
}

std::size_t ring::owner_index(std::uint32_t shard) const {
  assert(shard < owners_.size());
  return owners_[shard];
}

placement ring::explain(std::string_view sku) const {
  placement result;
  result.hash = sku_hash(sku);
  result.shard = static_cast<std::uint32_t>(result.hash % shard_count());
  result.epoch = epoch_;
  // Same order and tie rule as the constructor: first, then second best.
  std::size_t best = members_.size();
  std::size_t second = members_.size();
  std::uint64_t best_weight = 0;
  std::uint64_t second_weight = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto w = rendezvous_weight(result.shard, members_[i].id);
    if (best == members_.size() || w > best_weight) {
      second = best;
      second_weight = best_weight;
      best = i;
      best_weight = w;
    } else if (second == members_.size() || w > second_weight) {
      second = i;
      second_weight = w;
    }
  }
  assert(best == owners_[result.shard]);
  result.owner = members_[best];
  result.owner_weight = best_weight;
  if (second != members_.size()) {
    result.runner_up = members_[second];
    result.runner_up_weight = second_weight;
  }
  return result;
}

std::vector<std::uint32_t> moved_shards(const ring& before, const ring& after) {
  assert(before.shard_count() == after.shard_count());
  // Owner ids once per member, not once per shard: index in `before` ->
  // index in `after` (or none when the member left).
  const auto& old_members = before.members();
  constexpr auto gone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> same(old_members.size(), gone);
  for (std::size_t i = 0; i < old_members.size(); ++i)
    if (auto* m = after.find(old_members[i].id))
      same[i] = static_cast<std::size_t>(m - after.members().data());
  std::vector<std::uint32_t> moved;
  for (std::uint32_t shard = 0; shard < before.shard_count(); ++shard)
    if (same[before.owner_index(shard)] != after.owner_index(shard))
      moved.push_back(shard);
  return moved;
}

} // namespace stockwire::cluster
