// Every bound of the HTTP gateway, with its unit and the reason for its
// value. The `*_default` constants are what a node uses unless its config
// says otherwise; the `*_min` / `*_max` pairs are the range the config
// accepts, so that no configuration can switch a bound off.
//
// Bounds of the SKU core itself (SKU length and characters, id length,
// quantity range) live in core/limits.hpp; the gateway never widens them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stockwire::gateway::limits {

// Largest request body. An order batch of 1000 orders with long ids is about
// 300 KiB; 1 MiB leaves room and still bounds the memory of one connection.
constexpr std::size_t body_bytes_default = 1 << 20;
constexpr std::size_t body_bytes_min = 1 << 10;
constexpr std::size_t body_bytes_max = 64 << 20;

// Largest request line plus headers. 8 KiB is what common proxies accept.
constexpr std::size_t header_bytes_default = 8 << 10;
constexpr std::size_t header_bytes_min = 1 << 10;
constexpr std::size_t header_bytes_max = 64 << 10;

// Deepest nesting of JSON arrays/objects in a body. The deepest valid body
// (a batch: array > order > lines > line) has depth 4; the parser is
// recursive, so an unbounded depth would be a stack overflow on demand.
constexpr std::size_t json_depth_default = 8;
constexpr std::size_t json_depth_min = 4;
constexpr std::size_t json_depth_max = 64;

// Lines in one order. Marketplace orders rarely exceed a few dozen lines;
// each line is one command to the core.
constexpr std::size_t order_lines_default = 100;
constexpr std::size_t order_lines_max = 10'000;

// Orders in one POST /v1/orders:batch request.
constexpr std::size_t batch_orders_default = 1'000;
constexpr std::size_t batch_orders_max = 100'000;

// SKUs in one GET /v1/stock?sku=... query.
constexpr std::size_t stock_query_skus_default = 100;
constexpr std::size_t stock_query_skus_max = 10'000;

// Longest identifier in a listing (item, location, variation, seller,
// marketplace id, product type). Channel ids are at most ~40 characters
// (Shopify GIDs, Amazon product types); 128 leaves room and keeps a
// listing record small.
constexpr std::size_t listing_id_bytes_max = 128;

// Data rows in one POST /v1/listings:import. Each row is one command to
// the core, issued as one batch: 10,000 rows (~1 MiB of CSV) is a large
// catalogue's worth per request and bounds the memory one import holds.
constexpr std::size_t import_rows_max = 10'000;

// SKUs named in one POST /v1/channels/{id}/resync (omit them to resync
// every SKU of the channel).
constexpr std::size_t resync_skus_max = 10'000;

// Commands the gateway has handed to the core and not yet seen answered.
// Mailboxes are unbounded: this is the backpressure. Beyond it a request is
// refused with 503 overloaded + Retry-After instead of queueing.
constexpr std::size_t inflight_commands_default = 100'000;
constexpr std::size_t inflight_commands_max = 10'000'000;

// Open client connections; further ones are closed right after accept.
constexpr std::size_t connections_default = 4'096;
constexpr std::size_t connections_max = 1'000'000;

// How long a command may wait for the core before it fails with
// owner_unavailable (503). Commits take milliseconds; seconds mean trouble.
constexpr std::int64_t request_timeout_ms_default = 5'000;
constexpr std::int64_t request_timeout_ms_min = 10;
constexpr std::int64_t request_timeout_ms_max = 600'000;

// How long a keep-alive connection may sit idle (or take to send one
// request) before the server closes it.
constexpr std::int64_t idle_timeout_s_default = 60;
constexpr std::int64_t idle_timeout_s_max = 3'600;

// Retry-After of every 503, in seconds.
constexpr std::int64_t retry_after_s_default = 1;
constexpr std::int64_t retry_after_s_max = 3'600;

// Records one audit query returns when it names no limit.
constexpr std::uint32_t audit_page_records_default = 50;

// Webhook deliveries (channel + delivery id) a node remembers, least
// recently seen forgotten first, so that a channel's duplicate is answered
// without commands. Only a shortcut: the core dedups every effect durably
// (order id + SKU, refund id + SKU). 100,000 ids of ~60 bytes cost ~15 MiB
// and outlast the channels' retry schedules (Shopify: 8 tries in 4 h) at
// several deliveries per second.
constexpr std::size_t webhook_deliveries_remembered = 100'000;

// Unknown-SKU occurrences of webhooks kept for GET /v1/webhooks/unknown-skus
// (the per-channel totals count every one since start).
constexpr std::size_t webhook_unknown_skus_recent_max = 1'000;

// How old (by the channel's own event time) a webhook may be before it is
// refused as stale (408). It must exceed the channels' retry schedules
// (Shopify retries for 4 h; an SQS relay drains its queue after an outage,
// and SQS keeps messages 4 days by default) and stay below the core's dedup
// retention (7 days by default; a replay older than that would apply
// again), with a margin for the channels' clocks: 4 days, or
// skus.dedup_retention_h when that is shorter.
constexpr std::int64_t webhook_max_age_s_default = 4 * 24 * 3600;
constexpr std::int64_t webhook_max_age_s_min = 60;
constexpr std::int64_t webhook_max_age_s_max = 30 * 24 * 3600;

} // namespace stockwire::gateway::limits
