// Plain value types of the SKU core: stock state, operation kinds, outcomes.
// No I/O and no actor code depends on anything here beyond the standard
// library, so every rule about stock can be tested in isolation.
#pragma once

#include <cstdint>
#include <string>

namespace stockwire {

/// The kinds of operation that change or could change a SKU's stock.
enum class op_kind : std::uint8_t {
  order = 1,  // a sale: takes qty from on_hand
  cancel = 2, // a cancellation: gives back what its order took
  set = 3,    // absolute on_hand (warehouse count)
  adjust = 4, // relative on_hand change (restock, correction)
};

std::string_view op_kind_name(op_kind kind);

/// The stock of one SKU. `reserved` holds units set aside outside orders
/// (holds); orders consume on_hand directly, so that
/// on_hand == initial - sum(accepted) + sum(cancelled) + sets/adjusts.
struct stock_state {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::uint64_t version = 0;      // bumped by every accepted change
  std::int64_t updated_at_ms = 0; // wall clock of the last change

  std::int64_t available() const { return on_hand - reserved; }

  friend bool operator==(const stock_state& x, const stock_state& y) {
    return x.on_hand == y.on_hand && x.reserved == y.reserved &&
           x.version == y.version && x.updated_at_ms == y.updated_at_ms;
  }
};

/// How an order line ended.
enum class order_status : std::uint8_t {
  accepted = 1, // stock taken
  rejected = 2, // insufficient stock; nothing changed
  voided = 3,   // cancelled before it arrived (out-of-order delivery): a
                // tombstone; the late order takes nothing
};

std::string_view order_status_name(order_status status);

} // namespace stockwire
