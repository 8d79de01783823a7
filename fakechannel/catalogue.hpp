// The storefront's channels and catalogue. The SKUs are DEMO-1 .. DEMO-N;
// each channel lists DEMO-n under its own key, by the rule stockwired's
// demo catalogue uses (daemon/node.cpp, demo_listing), so a fake fed by a
// demo node shows the storefront's SKUs without any mapping table:
//
//   shopify      "<40000+n>@<location>"  (inventory item 40000+n)
//   woocommerce  "<1000+n>"              (product id)
//   amazon, ebay, flipkart  "DEMO-n"     (the seller SKU)
//
// Pure functions, no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockwire::fakechannel {

/// The five channels, in the order the service serves them.
enum class shop_channel : std::uint8_t {
  shopify,
  amazon,
  woocommerce,
  ebay,
  flipkart
};

constexpr std::size_t shop_channel_count = 5;

constexpr std::array<shop_channel, shop_channel_count> all_shop_channels = {
    shop_channel::shopify, shop_channel::amazon, shop_channel::woocommerce,
    shop_channel::ebay, shop_channel::flipkart};

/// "shopify", "amazon", ... (the channel handlers' names).
const char* channel_name(shop_channel c);

/// The channel called `name`, or nullopt.
std::optional<shop_channel> channel_from_name(std::string_view name);

constexpr std::size_t index_of(shop_channel c) {
  return static_cast<std::size_t>(c);
}

/// "DEMO-<n>". REQUIRES: n >= 1.
std::string demo_sku(std::int64_t n);

/// n of "DEMO-<n>" (no sign, no leading zero), or nullopt.
std::optional<std::int64_t> demo_index(std::string_view sku);

/// The Shopify inventory item and WooCommerce product id of DEMO-n.
std::int64_t shopify_item_id(std::int64_t n);
std::int64_t woocommerce_product_id(std::int64_t n);

/// The listing key of DEMO-n on channel `c` (see above);
/// `shopify_location` is the Shopify location id.
std::string listing_key(shop_channel c, std::int64_t n,
                        const std::string& shopify_location);

} // namespace stockwire::fakechannel
