// What a channel's webhook means for stock, once verified and parsed: the
// channel-independent events the gateway turns into orders, cancellations
// and restocks. Pure: no I/O, no actors.
//
//   auto v = verify_and_parse(kind, secret, req, now_ms, max_age_ms);
//   v.status == 200: v.events (possibly none: a ping or an ignored topic)
//   otherwise:       answer v.status with {"error":{v.code, v.message}}
//
// Formats (facts: ../shared/channels.md; docs/WEBHOOKS.md):
//   shopify      X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(secret, body));
//                X-Shopify-Topic orders/create, orders/cancelled,
//                refunds/create (restocked lines); delivery id from
//                X-Shopify-Event-Id (else X-Shopify-Webhook-Id); event time
//                from X-Shopify-Triggered-At.
//   woocommerce  X-WC-Webhook-Signature = base64(HMAC-SHA256(secret, body));
//                X-WC-Webhook-Topic order.created / order.updated (status
//                cancelled, refunded or failed: a cancellation); the
//                creation ping (form body webhook_id=N, unsigned) -> ping.
//   amazon       the ORDER_CHANGE SQS message body as relayed by the
//                merchant's SQS-to-HTTP relay, signed by the relay:
//                X-Stockwire-Signature = base64(HMAC-SHA256(secret, body));
//                delivery id NotificationMetadata.NotificationId; OrderStatus
//                Canceled: a cancellation, other statuses: the order.
//   relay        eBay and Flipkart (their push formats are unconfirmed):
//                the native order JSON, signed like amazon.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace stockwire::webhooks {

enum class format : std::uint8_t { shopify, woocommerce, amazon, relay };

enum class event_kind : std::uint8_t {
  order_created = 1,   // take `lines` from stock (idempotent per order+sku)
  order_cancelled = 2, // give back `lines` of the order (empty: all lines)
  restock = 3,         // give back `lines` for refund `refund_id`
};

struct line {
  std::string sku;      // "" for a Shopify/WooCommerce line without a SKU
                        // (custom items): the caller reports that line
  std::int64_t qty = 0; // 1..limits::quantity_max; an Amazon cancellation
                        // may carry 0 (a cancellation's qty is informative)
};

struct event {
  event_kind kind = event_kind::order_created;
  std::string order_id;  // the channel's order id (as text): non-empty,
                         // <= limits::op_id_bytes_max, no control chars
  std::string refund_id; // restock only: dedups the restock
  std::vector<line> lines;
};

struct request_view {
  std::string_view body;
  // Header value by name (case-insensitive), empty when absent.
  std::function<std::string(std::string_view)> header;
};

struct verdict {
  unsigned status = 200;   // 200 ok, 400 malformed, 401 not authentic,
                           // 408 stale (older than the window)
  std::string code;        // error code when status != 200
  std::string message;     // names what is wrong
  std::string delivery_id; // channel's delivery id, empty when none;
                           // dedup on (channel, topic, delivery_id)
  std::string topic;       // what the channel said it is (for logs)
  bool ping = false;       // a setup ping: answer 200, do nothing
  std::vector<event> events;
};

/// Verifies the signature with `secret` (constant-time compare) before
/// reading anything else, then parses. `max_age_ms` > 0 refuses events the
/// channel timestamped more than that before `now_ms` (wall clock, ms); an
/// event without a timestamp is never stale. An empty `secret` accepts
/// nothing (401) but the WooCommerce ping. A verdict other than 200 has no
/// events. Codes: unauthenticated (401), stale (408), malformed_json (not
/// UTF-8 / not JSON / deeper than limits::json_depth_max) or
/// invalid_argument (a field; the message names its path) (400).
/// Never throws.
verdict verify_and_parse(format fmt, std::string_view secret,
                         const request_view& req, std::int64_t now_ms,
                         std::int64_t max_age_ms);

/// base64(HMAC-SHA256(secret, body)): how every format here signs.
std::string sign(std::string_view secret, std::string_view body);

} // namespace stockwire::webhooks
