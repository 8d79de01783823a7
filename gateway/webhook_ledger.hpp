// What the webhook routes remember across requests: which deliveries were
// handled, and the webhook lines the node could not apply (unknown SKUs,
// conflicting order ids). Process-wide, in memory only, thread-safe (one
// mutex; every call is short).
//
// Delivery memory is a bounded LRU and only a shortcut: a delivery is
// remembered after it was fully and durably handled, so a duplicate is
// answered without commands; one forgotten (evicted, or lost in a restart)
// runs again and the core replays its effects (order id + SKU). A delivery
// is keyed by channel, topic and delivery id: Shopify's event id is shared
// by every delivery of one merchant action, and one action (a cancellation
// with restock) may fire several topics.
//
// Unknown SKUs are counted per channel since start (every occurrence) and
// the most recent `recent_max` are kept with their order, for
// GET /v1/webhooks/unknown-skus. Conflicts (an order id + SKU the core
// already holds with another qty, e.g. an edited order) are counted per
// channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/limits.hpp"

namespace stockwire::gateway {

class webhook_ledger {
public:
  /// One webhook line naming a SKU the node has no stock record of.
  struct unknown_sku {
    std::string channel;
    std::string sku; // may be empty: the channel sent none
    std::string order_id;    // the core's order id ("<channel>:<id>")
    std::string delivery_id; // empty: the channel sent none
    std::int64_t at_ms = 0;  // when the node received it (wall clock)
  };

  struct channel_tally {
    std::string channel;
    std::uint64_t unknown_skus = 0;
    std::uint64_t conflicts = 0;
  };

  struct report {
    std::vector<channel_tally> channels; // in the order asked for
    std::vector<unknown_sku> recent;     // newest first
  };

  explicit webhook_ledger(
      std::size_t deliveries_max = limits::webhook_deliveries_remembered,
      std::size_t recent_max = limits::webhook_unknown_skus_recent_max);

  /// True when the delivery was remembered (and marks it recently seen).
  /// REQUIRES: delivery_id is not empty.
  bool handled(const std::string& channel, const std::string& topic,
               const std::string& delivery_id);

  /// Remembers a delivery handled durably; the least recently seen one
  /// beyond deliveries_max is forgotten. REQUIRES: delivery_id not empty.
  void remember(const std::string& channel, const std::string& topic,
                const std::string& delivery_id);

  /// Counts one occurrence and keeps it among the recent ones.
  void count_unknown_sku(unknown_sku u);

  /// Counts one conflicting order line of `channel`.
  void count_conflict(const std::string& channel);

  /// Unknown SKUs of `channel` since start.
  std::uint64_t unknown_skus(const std::string& channel) const;

  /// The tallies of `channels` (zero for one with none) and the recent
  /// unknown SKUs of every channel.
  report snapshot(const std::vector<std::string>& channels) const;

private:
  static std::string key_of(const std::string& channel,
                            const std::string& topic,
                            const std::string& delivery_id);

  const std::size_t deliveries_max_;
  const std::size_t recent_max_;
  mutable std::mutex mu_;
  // Most recently seen first; the map points into the list.
  std::list<std::string> lru_;
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
  std::deque<unknown_sku> recent_; // oldest first
  std::map<std::string, channel_tally> tallies_;
};

} // namespace stockwire::gateway
