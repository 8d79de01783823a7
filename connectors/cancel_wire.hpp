// Cancelling orders on the channels. An order a channel took that
// Stockwire rejected for lack of stock (an oversell) is cancelled on that
// channel the way a merchant would. Pure code like wire.hpp: a cancel job
// is a push_job whose items are channel orders instead of SKUs, driven by
// the connector exactly like a push (next / delay / on_response), with the
// same verdicts: acked, retry (429, 5xx, timeouts, THROTTLED: again after
// a backoff), parked (the channel refused it for good: unknown order).
//
// Kinds (the contract fakechannel serves):
//   shopify      POST {base}/admin/api/{v}/graphql.json, mutation
//                orderCancel(orderId gid://shopify/Order/<id>, reason
//                INVENTORY, refund true, restock false, notifyCustomer
//                true): 200 with no orderCancelUserErrors -> acked; a
//                userError (NOT_FOUND, ...) -> parked; THROTTLED -> retry.
//                One order per job. Same cost bucket as the pushes.
//   woocommerce  PUT {base}/wp-json/wc/v3/orders/{id} {"status":
//                "cancelled"}, Basic auth: 2xx -> acked; 404
//                woocommerce_rest_shop_order_invalid_id -> parked. One
//                order per job; a non-numeric id is parked unsent.
//   ebay         POST {base}/post-order/v2/cancellation {"legacyOrderId",
//                "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL"}, Bearer:
//                2xx (201 {"cancelId"}) -> acked; 404 -> parked. One order
//                per job.
//   flipkart     POST {base}/v2/orders/cancel {"orderItems": [{
//                "orderItemId", "reason": "not_enough_inventory",
//                "quantity"}]}, Bearer (base is the account's path prefix,
//                "/sellers" on the real host): per item SUCCESS -> acked,
//                FAILURE -> parked (errorMessage), missing -> retry. Up to
//                flipkart_cancel_items_per_call_max items per job.
//   amazon       a POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA feed (create
//                document, upload, createFeed, poll), like the listings
//                feed: a TSV document with the header
//                "order-id\tamazon-order-item-code\tcancellation-reason-code"
//                and one row per order "<id>\t\tNoInventory" (an empty item
//                code cancels the whole order). When the feed is DONE its
//                flat-file processing report is read: an error row parks
//                its order (unknown order), the others are acked; FATAL,
//                CANCELLED or a refused step -> retry (401/403 -> parked).
//                Up to amazon_cancel_feed_orders_max orders per job.
// Shopify, WooCommerce, eBay and Amazon cancel whole orders; Flipkart
// cancels order items (cancels_whole_orders(), channel.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connectors/channel.hpp"
#include "connectors/wire.hpp"

namespace stockwire {

/// One channel order to cancel for lack of stock.
struct cancel_item {
  std::string order_id; // the channel's own id (Flipkart: the order item)
  std::int64_t qty = 0; // units oversold (Flipkart's cancel quantity)
};

/// The most orders one cancel job of `account` may carry (Amazon: a feed
/// of many; Flipkart: a few order items; the others: one).
std::size_t cancel_batch_max(const channel_account& account);

/// A job cancelling `items` (1..cancel_batch_max of them, distinct ids).
std::unique_ptr<push_job> make_cancel_job(const channel_account& account,
                                          std::vector<cancel_item> items);

} // namespace stockwire
