// The connector actors of a node, by channel account id. Built once at
// start (before any SKU actor) and shared read-only by every SKU actor, so
// looking a connector up needs no message and no lock.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <caf/actor.hpp>

namespace stockwire {

struct channel_directory {
  std::unordered_map<std::string, caf::actor> connectors;
  // Channels whose connector runs in poll mode: it pushes every listed SKU
  // on each tick, so it must be told of listings nothing changed since.
  std::unordered_set<std::string> polling;

  /// The connector of `channel`, or an invalid handle.
  caf::actor find(const std::string& channel) const {
    auto i = connectors.find(channel);
    return i == connectors.end() ? caf::actor{} : i->second;
  }

  bool has(const std::string& channel) const {
    return connectors.count(channel) > 0;
  }

  bool polls(const std::string& channel) const {
    return polling.count(channel) > 0;
  }
};

using channel_directory_ptr = std::shared_ptr<const channel_directory>;

} // namespace stockwire
