// Bounds of webhook parsing, with their unit and reason. Quantities and ids
// share the core's bounds (core/limits.hpp: quantity_max, op_id_bytes_max),
// so an event that parses here is never refused later for its shape.
#pragma once

#include <cstddef>

namespace stockwire::webhooks::limits {

// Deepest nesting of arrays/objects accepted in a JSON body. The channels'
// order payloads nest about 6 levels (Amazon: root > Payload >
// OrderChangeNotification > Summary > OrderItems > item; Shopify refunds
// similar); 64 is the gateway's own ceiling (gateway/limits.hpp) and keeps
// any recursive walk of the document far from the stack's end.
constexpr std::size_t json_depth_max = 64;

} // namespace stockwire::webhooks::limits
