#include "cluster/budget_share.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace stockwire::cluster {

std::size_t pushing_nodes(const std::vector<member>& current,
                          const std::vector<member>& previous) {
  std::set<std::string> ids;
  for (auto& m : current)
    ids.insert(m.id);
  for (auto& m : previous)
    ids.insert(m.id);
  return std::max<std::size_t>(1, ids.size());
}

std::size_t pushing_nodes(const membership& m) {
  static const std::vector<member> none;
  return pushing_nodes(m.current->members(),
                       m.previous ? m.previous->members() : none);
}

double budget_share(std::size_t nodes) {
  return 1.0 / static_cast<double>(std::max<std::size_t>(1, nodes));
}

budget_slice slice_of(double rate_per_s, double burst, double cost,
                      double share) {
  budget_slice s;
  s.rate_per_s = rate_per_s * share;
  s.burst = std::max({burst * share, std::min(burst, cost), 1.0});
  return s;
}

} // namespace stockwire::cluster
