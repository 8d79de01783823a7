// Which nodes a cluster-wide answer covers. lag, channels, cluster status
// and channel resync ask every member; members that did not answer are
// left out of the figures, named in the output ("nodes" and "missing" in
// JSON) and on stderr, and the exit code is exit_partial.
#pragma once

#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "ctl/output.hpp"

namespace stockwire::ctl {

/// Ids of the members that answered.
std::vector<std::string> answered(const std::vector<member_status>& members);

/// Ids of the members that did not (a member that left, not asked,
/// is not missing: it holds nothing more).
std::vector<std::string> missing(const std::vector<member_status>& members);

/// Writes "nodes": [answered ids], "missing": [the others' ids].
void write_coverage(json_writer& w, const std::vector<member_status>& members);

/// To call once the output is printed: exit_partial after one line on
/// stderr naming each member that did not answer and why; exit_ok when
/// every member answered.
int coverage_exit(const std::vector<member_status>& members);

} // namespace stockwire::ctl
