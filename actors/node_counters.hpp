// Counters the SKU actors (and the webhook ledger) bump on their hot path, read by
// the metrics actor when /metrics is scraped. Relaxed atomics: one add per
// operation, no message per order. One set per process (a node is one
// process); tests that run several actor systems in one process share it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stockwire {

struct node_counters {
  std::atomic<std::uint64_t> orders_accepted{0};
  std::atomic<std::uint64_t> orders_rejected{0};
  std::atomic<std::uint64_t> orders_replayed{0};
  std::atomic<std::uint64_t> cancels{0};
  std::atomic<std::uint64_t> stock_changes{0}; // set and adjust
  // Webhook lines acknowledged but not applied (the gateway's ledger has
  // them per channel, with the recent ones, at /v1/webhooks/unknown-skus).
  std::atomic<std::uint64_t> webhook_unknown_skus{0};
  std::atomic<std::uint64_t> webhook_conflicts{0};
};

/// The process's counters.
node_counters& counters();

/// Order lines that came in through one channel's webhooks, by the first
/// decision on each (a replay is never counted): every purchase the channel
/// reported is either accepted or rejected for lack of stock (an oversell).
struct channel_order_counters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};
};

/// The counters of `channel`, created on first use and never freed (a
/// node has a handful of channels). Thread-safe; the reference stays valid
/// for the life of the process.
channel_order_counters& channel_order_counts(const std::string& channel);

/// Every channel's counters created so far, by channel id.
std::vector<std::pair<std::string, const channel_order_counters*>>
all_channel_order_counts();

} // namespace stockwire
