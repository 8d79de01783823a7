// Bounds of the fake channel server. Every limit the fake enforces on its
// clients, or on itself, is named here with its unit and reason; the
// channel-specific defaults that mirror the real APIs live in config.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stockwire::fakechannel {

// A JSON_LISTINGS_FEED of 25,000 messages (Amazon's cap) is ~8 MB.
constexpr std::size_t body_bytes_max = 16u << 20;

// Real servers refuse larger header blocks; ours only needs a few headers.
constexpr std::uint32_t header_bytes_max = 16u << 10;

// WooCommerce's default `woocommerce_rest_batch_items_limit`.
constexpr std::int64_t woocommerce_batch_items_default = 100;

// eBay bulkUpdatePriceQuantity: up to 25 entries in `requests`.
constexpr std::int64_t ebay_requests_per_call_default = 25;

// eBay: each listing may be revised 250 times per calendar day.
constexpr std::int64_t ebay_revisions_per_day_default = 250;

// Shopify inventorySetQuantities: |quantity| above this is a user error
// (INVALID_QUANTITY_TOO_HIGH / _TOO_LOW).
constexpr std::int64_t shopify_quantity_abs_max = 1'000'000'000;

// Shopify idempotency keys remembered before the oldest are forgotten
// (Shopify's real retention window is unconfirmed).
constexpr std::size_t shopify_idempotency_keys_max = 100'000;

// Amazon JSON_LISTINGS_FEED: up to 25,000 messages per feed (May 2025).
constexpr std::size_t amazon_feed_messages_max = 25'000;

// Added latency and injected hangs are bounded so a typo cannot wedge a
// test for hours.
constexpr std::int64_t latency_ms_max = 60'000;
constexpr std::int64_t timeout_ms_max = 600'000;

// Milliseconds per calendar day (eBay quotas reset at UTC midnight here).
constexpr std::int64_t day_ms = 86'400'000;

// -- Cancellations (the merchant's answer to an oversell) ---------------------

// Flipkart: order items per cancel call. Flipkart's real cap is
// undocumented; this bounds the work of one request.
constexpr std::size_t flipkart_cancel_items_max = 100;

// Amazon order-acknowledgement feed: data rows per document (Amazon's flat
// files are bounded by the 10 MB document size, not by a row count).
constexpr std::size_t amazon_ack_rows_max = 25'000;

// -- Storefront (simulated shoppers, storefront.hpp) --------------------------

// Catalogue size: stockwired's [demo] skus has the same bound.
constexpr std::int64_t storefront_skus_max = 100'000;

// Shopper arrivals per second and channel before the burst multiplier; far
// above what one stockwired takes, so a typo cannot spin the io thread.
constexpr double storefront_rate_per_s_max = 10'000;
constexpr double storefront_burst_multiplier_max = 1'000;

// Units one shopper buys at most.
constexpr std::int64_t storefront_quantity_max = 1'000;

// Popularity skew: weight of DEMO-k is 1 / k^exponent.
constexpr double storefront_zipf_exponent_max = 10;

// Durations and the burst window, seconds (one week).
constexpr double storefront_seconds_max = 604'800;

// Purchases remembered (every one is kept for the accounting endpoints and
// has one webhook): the shoppers stop when this many were made. It also
// keeps every channel's per-run order sequence below 10^6, the digits the
// order ids reserve for it (webhook_format.hpp).
constexpr std::size_t storefront_purchases_max = 500'000;

// Arrivals executed in one go before the io thread serves anything else
// (after a stall the due arrivals are caught up in slices).
constexpr std::size_t storefront_arrivals_per_pump_max = 10'000;

// Shown-quantity history: points kept per channel (all listings); the
// oldest are dropped beyond it and the JSON says how many. A 10-minute
// flash sale on 100 SKUs records some 10^5 points per channel.
constexpr std::size_t history_points_per_channel_max = 250'000;

// -- Webhook delivery (webhook_client.hpp)
// -------------------------------------

// Concurrent keep-alive connections per channel to stockwired.
constexpr std::int64_t delivery_connections_max = 64;

// One attempt (connect + send + answer) may take at most this long;
// Shopify gives a webhook 5 s in total.
constexpr std::int64_t delivery_timeout_ms_max = 60'000;

// Retry backoff bounds, milliseconds (the delay doubles from the minimum).
constexpr std::int64_t retry_delay_ms_max_bound = 600'000;

// An answer of stockwired is read up to this size (it is only logged by
// status; a larger one is a failed attempt).
constexpr std::uint32_t delivery_reply_bytes_max = 1u << 20;

} // namespace stockwire::fakechannel
