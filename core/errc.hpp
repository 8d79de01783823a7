// The domain errors of Stockwire. Every failure a caller can see is one of
// these codes plus a human-readable detail naming the SKU or operation.
#pragma once

#include <cstdint>
#include <string_view>

namespace stockwire {

enum class errc : std::uint8_t {
  none = 0,
  unknown_sku = 1,       // no stock record for the SKU
  unknown_order = 2,     // cancel of an order id never seen for the SKU
  id_conflict = 3,       // operation id reused with a different payload
  negative_stock = 4,    // set/adjust would leave available below zero
  invalid_argument = 5,  // malformed operation (bad qty, empty id, ...)
  store_unavailable = 6, // the store refuses writes (map full, disk full)
  owner_unavailable = 7, // the SKU's owner cannot be reached
  shutting_down = 8,     // the node is stopping
  overloaded = 9,        // a bounded queue is full; retry later
  unknown_channel = 10,  // no channel account with that id is configured
  unknown_listing = 11,  // the SKU is not listed on that channel
};

/// Stable snake_case name of a code, used in logs and API error bodies.
std::string_view errc_name(errc code);

} // namespace stockwire
