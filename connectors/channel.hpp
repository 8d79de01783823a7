// The vocabulary every connector piece shares: channel kinds, channel
// accounts (one configured API account of a channel), listings (a SKU's
// identifiers on one channel), allocation (what a channel is shown) and the
// HTTP request/response values the pure wire code builds and reads.
//
// Nothing here does I/O: the wire code (wire.hpp) turns push items into
// http_request values and http_response values into per-item verdicts; the
// HTTP client (http_client.hpp) moves them over sockets; the connector actor
// (actors/connector.hpp) decides when.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stockwire {

enum class channel_kind : std::uint8_t {
  shopify = 1,
  amazon = 2,
  woocommerce = 3,
  ebay = 4,
  flipkart = 5,
};

/// "shopify", "amazon", "woocommerce", "ebay", "flipkart".
std::string_view channel_kind_name(channel_kind kind);
std::optional<channel_kind> parse_channel_kind(std::string_view name);

/// Whether the channel cancels whole orders (Shopify, WooCommerce, eBay,
/// Amazon) rather than order items (Flipkart, whose relayed order ids are
/// order item ids).
bool cancels_whole_orders(channel_kind kind);

/// How a connector keeps its channel in sync:
///   event  every committed change is pushed at once (coalesced, paced)
///   poll   every listed SKU's quantity is pushed once per poll interval,
///          whatever changed: the scheduled baseline the event path
///          replaces (oversell corrections still go at once)
enum class sync_mode : std::uint8_t {
  event = 1,
  poll = 2,
};

/// "event", "poll".
std::string_view sync_mode_name(sync_mode mode);
std::optional<sync_mode> parse_sync_mode(std::string_view name);

/// What a channel is shown of `available`: first `buffer` units are held
/// back (safety stock), then `percent` of the rest (rounded down), then at
/// most `max` (-1: no cap). Never below zero.
struct allocation {
  std::int64_t buffer = 0;
  double percent = 100.0;
  std::int64_t max = -1;

  friend bool operator==(const allocation& x, const allocation& y) {
    return x.buffer == y.buffer && x.percent == y.percent && x.max == y.max;
  }
};

std::int64_t allocate(std::int64_t available, const allocation& a);

/// A SKU's identifiers on one channel account. Which fields a kind needs:
///   shopify      item_id (inventory item id), location_id
///   amazon       seller_id, marketplace_id, product_type (the SKU itself is
///                Amazon's seller SKU); empty fields fall back to the
///                account's defaults
///   woocommerce  item_id (product id), variation_id (empty: not a variation)
///   ebay         item_id (offer id; empty: ship-to-home quantity only)
///   flipkart     item_id (FSN, "product_id"), location_id
struct listing {
  std::string item_id;
  std::string location_id;
  std::string variation_id;
  std::string seller_id;
  std::string marketplace_id;
  std::string product_type;
  std::optional<allocation> alloc; // overrides the account's allocation

  friend bool operator==(const listing& x, const listing& y) {
    return x.item_id == y.item_id && x.location_id == y.location_id &&
           x.variation_id == y.variation_id && x.seller_id == y.seller_id &&
           x.marketplace_id == y.marketplace_id &&
           x.product_type == y.product_type && x.alloc == y.alloc;
  }
};

/// One configured account of a channel (the `[channels.<id>]` table of the
/// node config). Credentials are the channel's own: see channels.md.
struct channel_account {
  std::string id; // "shopify", "amazon-eu", ... (metrics label, API field)
  channel_kind kind = channel_kind::shopify;

  // Endpoint: scheme "http" or "https", host, port, and a path prefix put
  // in front of every API path (e.g. "" or "/sellers").
  std::string scheme = "http";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string base_path;

  // Shopify: X-Shopify-Access-Token. Amazon: x-amz-access-token (LWA).
  // eBay and Flipkart: Authorization: Bearer.
  std::string access_token;
  // WooCommerce: HTTP Basic consumer key / secret.
  std::string consumer_key;
  std::string consumer_secret;

  // Shopify: Admin API version ("2026-04") and flavour ("graphql"|"rest").
  std::string api_version = "2026-04";
  std::string shopify_api = "graphql";
  std::string shopify_location_id; // default location for listings

  // Amazon: defaults for listings that leave these empty.
  std::string seller_id;
  std::string marketplace_id = "ATVPDKIKX0DER";
  std::string product_type = "PRODUCT";
  // Amazon: use a JSON_LISTINGS_FEED when at least this many SKUs are
  // pending at once (0: never, always patchListingsItem).
  std::size_t amazon_feed_min_skus = 50;

  allocation alloc; // default allocation of this account's listings
};

/// An HTTP request as the wire code builds it. `host`/`port`/`scheme` empty
/// or 0 mean the account's endpoint; they are set when an API hands out an
/// absolute URL (Amazon's feed document upload URL).
struct http_request {
  std::string method = "POST";
  std::string target; // path and query, already including base_path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
};

struct http_response {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header named `name` (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

} // namespace stockwire
