#include "cluster/membership.hpp"

namespace stockwire::cluster {

std::vector<member> membership::leaving() const {
  std::vector<member> out;
  if (previous)
    for (auto& m : previous->members())
      if (current->find(m.id) == nullptr)
        out.push_back(m);
  return out;
}

const member* membership::previous_owner(const std::string& sku) const {
  return previous ? &previous->owner(sku) : nullptr;
}

std::string check_transition(const membership* from, const membership& to,
                             const std::string& self) {
  auto epoch = std::to_string(to.epoch());
  if (to.previous) {
    if (to.previous->epoch() >= to.epoch())
      return "the previous configuration's epoch (" +
             std::to_string(to.previous->epoch()) +
             ") must be below the epoch (" + epoch + ")";
    if (to.previous->shard_count() != to.current->shard_count())
      return "the previous configuration has another shard count: every "
             "SKU would move";
  }
  if (!to.is_member(self) &&
      (!to.previous || to.previous->find(self) == nullptr))
    return "this node ('" + self +
           "') is neither a member nor a previous member";
  if (from == nullptr)
    return {};
  if (to.epoch() <= from->epoch())
    return "epoch " + epoch + " is not above the current epoch " +
           std::to_string(from->epoch()) +
           " (every membership change needs a higher epoch)";
  if (to.current->shard_count() != from->current->shard_count())
    return "shards changed from " +
           std::to_string(from->current->shard_count()) + " to " +
           std::to_string(to.current->shard_count()) +
           ": that would move almost every SKU, and is not a membership "
           "change";
  return {};
}

std::map<std::string, std::vector<std::string>>
foreign_skus(const ring& r, const std::string& self,
             const std::vector<std::string>& held) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& sku : held) {
    auto& owner = r.owner(sku);
    if (owner.id != self)
      out[owner.id].push_back(sku);
  }
  return out;
}

} // namespace stockwire::cluster
