// The channels' order resources as JSON, as their notifications carry them
// (channels.md §1.5, §2.5, §3.3; docs/WEBHOOKS.md for the relay), built
// from an order of the fake's order book. The fields Stockwire's parsers
// read are exact; the rest is plausible filler in the real shape. Pure.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/order_book.hpp"

namespace stockwire::fakechannel {

/// Shopify's Order resource (REST, as orders/create delivers it). `o.id`
/// and `o.item_id` are decimal ids.
nlohmann::json shopify_order_json(const order& o);

/// WooCommerce's order (GET /wc/v3/orders/{id}) with `status`; also the
/// fake's answer to PUT /orders/{id}. `o.listing_key` is the product id.
nlohmann::json woocommerce_order_json(const order& o, const std::string& status,
                                      std::int64_t modified_wall_ms);

/// An SQS message body of Amazon's ORDER_CHANGE notification for a new
/// order (OrderStatus "Unshipped"); `notification_id` dedups it.
nlohmann::json amazon_order_change_json(const order& o,
                                        const std::string& notification_id);

/// Stockwire's relay format (eBay, Flipkart): an "order.created".
nlohmann::json relay_order_json(const order& o, const std::string& delivery_id);

/// "2026-01-01T00:00:00.000Z"
std::string rfc3339_ms(std::int64_t wall_ms);

/// "2026-01-01T00:00:00" (UTC without offset, like WooCommerce's *_gmt).
std::string utc_seconds(std::int64_t wall_ms);

} // namespace stockwire::fakechannel
