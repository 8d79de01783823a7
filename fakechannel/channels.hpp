// Factories of the five fake channels. Each handler is deterministic given
// its requests and clock readings (no I/O, no randomness), so it can be
// driven directly by tests without a socket. What each one enforces is in
// docs/FAKECHANNEL.md; the facts behind it in ../shared/channels.md.
//
// Every channel also cancels orders (the merchant's answer to an
// oversell) through its real API: the orders are those storefront
// shoppers placed (channel_state::orders()); an unknown order gets the
// channel's not-found answer, a repeat is answered as success again and
// counted once. The channel's auth and rate limits apply as to its
// inventory calls.
#pragma once

#include <memory>

#include "fakechannel/channel.hpp"
#include "fakechannel/config.hpp"

namespace stockwire::fakechannel {

/// Shopify Admin API: POST /admin/api/{version}/graphql.json
/// (inventorySetQuantities; orderCancel, same cost bucket) and
/// POST /admin/api/{version}/inventory_levels/set.json. Listing key:
/// "<inventory item id>@<location id>" (digits).
std::unique_ptr<channel_handler> make_shopify(const shopify_config& cfg,
                                              const clock_reading& now);

/// Amazon SP-API: PATCH /listings/2021-08-01/items/{sellerId}/{sku} and the
/// Feeds API 2021-06-30 for JSON_LISTINGS_FEED and (cancellations)
/// POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA. Listing key: the SKU.
std::unique_ptr<channel_handler> make_amazon(const amazon_config& cfg,
                                             const clock_reading& now);

/// WooCommerce: POST /wp-json/wc/v3/products/batch; GET and PUT
/// /wp-json/wc/v3/orders/{id} ({"status":"cancelled"}). Listing key: the
/// product id.
std::unique_ptr<channel_handler> make_woocommerce(const woocommerce_config& cfg,
                                                  const clock_reading& now);

/// eBay: POST /sell/inventory/v1/bulk_update_price_quantity; POST
/// /post-order/v2/cancellation. Listing key: the SKU.
std::unique_ptr<channel_handler> make_ebay(const ebay_config& cfg,
                                           const clock_reading& now);

/// Flipkart: POST /listings/v3/update/inventory and POST
/// /v2/orders/cancel (both also under /sellers). Listing key: the seller
/// SKU.
std::unique_ptr<channel_handler> make_flipkart(const flipkart_config& cfg,
                                               const clock_reading& now);

} // namespace stockwire::fakechannel
