// A storefront purchase as its channel tells Stockwire about it: the
// channel's order ids, and the signed HTTP delivery in exactly the format
// Stockwire's webhook parsers accept (docs/WEBHOOKS.md):
//
//   shopify      orders/create, X-Shopify-Hmac-Sha256 (+ Topic, Event-Id,
//                Webhook-Id, Triggered-At, Shop-Domain, API-Version)
//   woocommerce  order.created, X-WC-Webhook-Signature (+ Topic, Resource,
//                Event, Source, ID, and a Delivery-ID new on every attempt)
//   amazon       the ORDER_CHANGE SQS message body as the merchant's relay
//                forwards it, X-Stockwire-Signature
//   ebay,        the Stockwire relay format "order.created",
//   flipkart     X-Stockwire-Signature
//
// Signatures are base64(HMAC-SHA256(secret, raw body)) computed with
// OpenSSL. A retry resends the same body and headers (so the same
// signature and delivery ids), except WooCommerce's per-attempt
// Delivery-ID. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fakechannel/catalogue.hpp"
#include "fakechannel/order_book.hpp"

namespace stockwire::fakechannel {

struct order_ids {
  std::string order_id; // shopify/woocommerce: decimal; amazon: 3-7-7
                        // digits; ebay: NN-NNNNN-NNNNN; flipkart: OD + 18
  std::string item_id;  // the order's single line (Flipkart: = order_id,
                        // the relay's order_id is the order item id)
};

/// The ids of the `seq`-th order (1, 2, ...) of a run whose ids start from
/// `run_base` (seconds, distinct per run: ids stay unique across runs and
/// restarts of the fake). REQUIRES: 1 <= seq < 10^6.
order_ids make_order_ids(shop_channel c, std::uint64_t run_base,
                         std::uint64_t seq);

struct webhook_request {
  std::string target; // path on stockwired, e.g. "/webhooks/shopify"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The signed delivery of order `o` on channel `c`, POSTed to `target`.
webhook_request make_webhook(shop_channel c, const order& o,
                             const std::string& secret,
                             const std::string& target);

/// Headers that change on every attempt: WooCommerce's
/// X-WC-Webhook-Delivery-ID (from `attempt_seq`, unique per attempt).
void stamp_attempt(shop_channel c, std::uint64_t attempt_seq,
                   webhook_request* r);

/// base64(HMAC-SHA256(secret, body)).
std::string sign_body(const std::string& secret, const std::string& body);

} // namespace stockwire::fakechannel
