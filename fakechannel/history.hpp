// The timeline of what one channel showed: every change of a listing's
// quantity with its monotonic time and cause, bounded by
// limits.hpp history_points_per_channel_max (the oldest points of the
// channel are dropped first; each listing counts its dropped points so a
// reader knows its timeline is incomplete). Pure, single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stockwire::fakechannel {

enum class change_cause : std::uint8_t {
  push,    // an update through the channel's API (Stockwire's push)
  sale,    // a storefront purchase
  reset,   // the listing came back (seeded) at start or /_fake/reset
  restock, // a cancellation that put the units back (Shopify restock: true)
};

const char* cause_name(change_cause c);

class listing_history {
public:
  /// `points_max`: points kept at most (all listings together).
  /// REQUIRES: points_max >= 1.
  explicit listing_history(std::size_t points_max);

  /// Records that `key` shows `quantity` from `mono_ms` on.
  void record(const std::string& key, std::int64_t mono_ms,
              std::int64_t quantity, change_cause cause);

  /// Forgets every point.
  void clear();

  /// {"listing": key, "points": [[t_ms, quantity, cause], ...],
  ///  "dropped": n} where t_ms = mono_ms - epoch_mono_ms, oldest first.
  nlohmann::json to_json(const std::string& key,
                         std::int64_t epoch_mono_ms) const;

private:
  struct point {
    std::int64_t mono_ms;
    std::int64_t quantity;
    std::uint32_t key;
    change_cause cause;
  };

  std::uint32_t intern(const std::string& key);

  std::size_t points_max_;
  std::deque<point> points_;
  std::map<std::string, std::uint32_t> keys_;
  std::vector<std::uint64_t> dropped_; // per interned key
};

} // namespace stockwire::fakechannel
