// What one fake channel currently shows: its listings (keyed by the
// channel's own identifier, see docs/FAKECHANNEL.md), the timeline of
// their quantities, the orders storefront shoppers placed and their
// cancellations, and the channel's request counters. Single-threaded:
// everything runs on the server's io thread.
//
// Invariant: a sale never takes a listing below zero (sell() REQUIRES
// enough shown quantity; only an API update may set a negative value, as
// Shopify's `available` can be).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/history.hpp"
#include "fakechannel/http_types.hpp"
#include "fakechannel/order_book.hpp"

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
  /// with quantity 0 (recorded as "reset" at `now_mono_ms`). `strict`:
  /// only existing listings may be updated.
  channel_state(std::vector<std::string> seeded, bool strict,
                std::int64_t now_mono_ms);

  /// The listing, or nullptr when the channel does not know it.
  const listing* find(const std::string& key) const;

  /// The quantity `key` shows (0 for an unknown listing).
  std::int64_t shown(const std::string& key) const;

  /// True when an update of `key` may be applied: the listing exists, or
  /// the channel is not strict (it will be created).
  bool accepts(const std::string& key) const;

  /// Applies an absolute quantity from the channel's API (a "push").
  /// REQUIRES: accepts(key).
  const listing& apply(const std::string& key, std::int64_t quantity,
                       const clock_reading& now);

  /// A shopper bought `units` of `key`: the shown quantity drops by them
  /// (real channels count their own sales down). Not an API update: the
  /// version is unchanged. REQUIRES: 1 <= units <= shown(key).
  void sell(const std::string& key, std::int64_t units,
            const clock_reading& now);

  /// A cancellation put `units` back on `key` (Shopify's restock: true).
  void restock(const std::string& key, std::int64_t units,
               const clock_reading& now);

  order_book& orders() { return orders_; }
  const order_book& orders() const { return orders_; }
  const listing_history& history() const { return history_; }
  request_counters& counters() { return counters_; }

  /// Seeded listings only, counters zero, no orders, history restarted.
  void reset(std::int64_t now_mono_ms);

  /// {key: {quantity, version, updated_at_ms, revisions}}
  nlohmann::json to_json() const;
  nlohmann::json counters_json() const;

private:
  std::vector<std::string> seeded_;
  bool strict_;
  std::map<std::string, listing> listings_;
  listing_history history_;
  order_book orders_;
  request_counters counters_;
};

} // namespace stockwire::fakechannel
