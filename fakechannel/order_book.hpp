// The orders one fake channel has taken (from storefront shoppers) and
// their cancellations. A channel's cancel endpoint looks orders up here by
// the channel's own order id; a cancellation is counted once however often
// it is requested (a repeat is answered as success again).
// Pure, single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace stockwire::fakechannel {

struct order {
  std::string id;          // the channel's order id (eBay legacyOrderId, ...)
  std::string item_id;     // its line's id (Amazon OrderItemId, ...)
  std::string listing_key; // what the shopper bought
  std::string sku;         // the seller SKU of that listing
  std::int64_t qty = 0;
  std::int64_t wall_ms = 0; // when it was placed
  bool cancelled = false;
  std::uint64_t cancel_seq = 0; // 1, 2, ... in order of first cancellation
};

enum class cancel_result {
  unknown,           // no such order: the channel's not-found answer
  cancelled,         // cancelled now (counted)
  already_cancelled, // answered as success again, not counted again
};

class order_book {
public:
  /// Records a new order. REQUIRES: no order with `o.id` exists.
  void add(order o);

  /// The order with the channel's id `id`, or nullptr.
  const order* find(const std::string& id) const;

  /// Cancels order `id`; `*out` (when given) points at the order after it.
  cancel_result cancel(const std::string& id, const order** out = nullptr);

  std::uint64_t cancelled_orders() const { return cancelled_orders_; }
  std::uint64_t cancelled_units() const { return cancelled_units_; }

  /// No orders, counters zero.
  void clear();

private:
  std::unordered_map<std::string, order> orders_;
  std::uint64_t cancelled_orders_ = 0;
  std::uint64_t cancelled_units_ = 0;
};

} // namespace stockwire::fakechannel
