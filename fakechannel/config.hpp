// Configuration of the fake channel server: a TOML file with one table per
// channel ([shopify], [amazon], [woocommerce], [ebay], [flipkart]), the
// simulated shoppers' [storefront] (storefront_config.hpp) and a
// top-level `seed`. Defaults equal the real channels' defaults as
// ../shared/channels.md documents them (see docs/FAKECHANNEL.md).
// Unknown keys and out-of-range values are refused, naming file, line
// and key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fakechannel/storefront_config.hpp"

namespace stockwire::fakechannel {

/// What every channel has: where it listens, how it misbehaves on purpose
/// and which listings it knows.
struct channel_common {
  bool enabled = true;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;           // 0: any free port (logged at start)
  std::int64_t latency_ms = 0;      // added before every reply
  double error_500_rate = 0;        // probability of an injected 500
  double error_503_rate = 0;        // probability of an injected 503
  double timeout_rate = 0;          // probability of no reply at all
  std::int64_t timeout_ms = 30'000; // how long an injected hang lasts
  // true: updates of listings not in `listings` get the channel's
  // "unknown item" error; false: they are created on first update.
  bool strict_listings = false;
  std::vector<std::string> listings; // listing keys known from the start
};

struct shopify_config {
  channel_common common;
  std::string access_token = "shpat_fake_token";
  double rest_bucket_size = 40; // requests
  double rest_leak_per_s = 2;   // requests per second
  double graphql_bucket_points = 1000;
  double graphql_restore_per_s = 100;       // points per second (Standard plan)
  std::int64_t mutation_cost = 10;          // points per inventorySetQuantities
  std::int64_t throttled_http_status = 200; // 200 or 429 (unconfirmed)
  bool enforce_idempotency = true; // 2026-04+: missing @idempotent refused
};

struct amazon_config {
  channel_common common;
  std::string access_token = "Atza|fake_token";
  double rate_per_s = 5; // patchListingsItem per account
  double burst = 5;
  std::int64_t apply_delay_ms = 1000;     // ACCEPTED -> visible
  std::int64_t feed_processing_ms = 2000; // createFeed -> DONE
  // createFeed: 0.0083/s (burst 15) and JSON_LISTINGS_FEED 5 per 5 min,
  // combined: 5 at once, then one per 120 s.
  double create_feed_rate_per_s = 0.0083;
  double create_feed_burst = 5;
};

struct woocommerce_config {
  channel_common common;
  std::string consumer_key = "ck_fake";
  std::string consumer_secret = "cs_fake";
  std::int64_t batch_items_max = 100;
  double rate_per_s = 0; // 0: no limit (core WooCommerce has none)
  double burst = 10;
};

struct ebay_config {
  channel_common common;
  std::string access_token = "v^1.1#fake_token";
  std::int64_t requests_per_call_max = 25;
  std::int64_t daily_call_quota = 2'000'000; // unconfirmed default
  std::int64_t revisions_per_listing_per_day = 250;
};

struct flipkart_config {
  channel_common common;
  std::string access_token = "fake_flipkart_token";
  std::int64_t skus_per_call_max = 0; // 0: no limit (unconfirmed)
  double rate_per_s = 0;              // 0: no limit (unconfirmed)
  double burst = 10;
};

struct fake_config {
  std::uint64_t seed = 1; // error injection RNG
  shopify_config shopify;
  amazon_config amazon;
  woocommerce_config woocommerce;
  ebay_config ebay;
  flipkart_config flipkart;
  storefront_config storefront;
};

/// Parses TOML text; `source` names it in error messages. False with
/// `*error` set ("file:line: table.key: why") on the first problem.
bool parse_config(const std::string& toml_text, const std::string& source,
                  fake_config* out, std::string* error);

/// Reads and parses the file at `path`.
bool load_config(const std::string& path, fake_config* out, std::string* error);

} // namespace stockwire::fakechannel
