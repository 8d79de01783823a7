// Counters every SKU actor of the process bumps on its hot path, read by
// the metrics actor when /metrics is scraped. Relaxed atomics: one add per
// operation, no message per order. One set per process (a node is one
// process); tests that run several actor systems in one process share it.
#pragma once

#include <atomic>
#include <cstdint>

namespace stockwire {

struct node_counters {
  std::atomic<std::uint64_t> orders_accepted{0};
  std::atomic<std::uint64_t> orders_rejected{0};
  std::atomic<std::uint64_t> orders_replayed{0};
  std::atomic<std::uint64_t> cancels{0};
  std::atomic<std::uint64_t> stock_changes{0}; // set and adjust
};

/// The process's counters.
node_counters& counters();

} // namespace stockwire
