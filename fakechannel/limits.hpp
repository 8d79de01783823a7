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

} // namespace stockwire::fakechannel
