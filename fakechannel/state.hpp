// What one fake channel currently shows: its listings (keyed by the
// channel's own identifier, see docs/FAKECHANNEL.md) and its request
// counters. Single-threaded: everything runs on the server's io thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stockwire::fakechannel {

struct listing {
  std::int64_t quantity = 0;
  std::uint64_t version = 0;      // applied updates since creation or reset
  std::int64_t updated_at_ms = 0; // wall clock of the last applied update
  std::uint64_t revisions = 0;    // applied updates (all days)
};

/// Requests by result; `requests` = accepted + throttled + errors.
struct request_counters {
  std::uint64_t requests = 0;
  std::uint64_t accepted = 0;  // 2xx (partial failures inside included)
  std::uint64_t throttled = 0; // 429, and Shopify's THROTTLED in a 200
  std::uint64_t errors = 0;    // any other 4xx/5xx, injected ones included
  std::uint64_t injected = 0;  // injected 500/503/timeouts
};

class channel_state {
public:
  /// `seeded`: listing keys that exist from the start and after reset(),
  /// with quantity 0. `strict`: only existing listings may be updated.
  channel_state(std::vector<std::string> seeded, bool strict);

  /// The listing, or nullptr when the channel does not know it.
  const listing* find(const std::string& key) const;

  /// True when an update of `key` may be applied: the listing exists, or
  /// the channel is not strict (it will be created).
  bool accepts(const std::string& key) const;

  /// Applies an absolute quantity. REQUIRES: accepts(key).
  const listing& apply(const std::string& key, std::int64_t quantity,
                       std::int64_t wall_ms);

  request_counters& counters() { return counters_; }

  /// Seeded listings only, counters zero.
  void reset();

  /// {"listings": {key: {...}}, "counters": {...}}
  nlohmann::json to_json() const;
  nlohmann::json counters_json() const;

private:
  std::vector<std::string> seeded_;
  bool strict_;
  std::map<std::string, listing> listings_;
  request_counters counters_;
};

} // namespace stockwire::fakechannel
