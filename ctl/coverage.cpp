#include "ctl/coverage.hpp"

#include "ctl/connection.hpp"

namespace stockwire::ctl {

std::vector<std::string> answered(const std::vector<member_status>& members) {
  std::vector<std::string> out;
  for (auto& m : members)
    if (m.reachable)
      out.push_back(m.id);
  return out;
}

std::vector<std::string> missing(const std::vector<member_status>& members) {
  std::vector<std::string> out;
  for (auto& m : members)
    if (!m.reachable && !m.left)
      out.push_back(m.id);
  return out;
}

void write_coverage(json_writer& w, const std::vector<member_status>& members) {
  w.key("nodes");
  string_array(w, answered(members));
  w.key("missing");
  string_array(w, missing(members));
}

int coverage_exit(const std::vector<member_status>& members) {
  std::string why;
  for (auto& m : members)
    if (!m.reachable && !m.left)
      why += (why.empty() ? "" : "; ") + m.error;
  if (why.empty())
    return exit_ok;
  return report({exit_partial, "partial answer, left out: " + why});
}

} // namespace stockwire::ctl
