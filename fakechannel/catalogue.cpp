#include "fakechannel/catalogue.hpp"

#include <cassert>

namespace stockwire::fakechannel {

namespace {

// daemon/node.cpp demo_listing: the node's made-up identifiers.
constexpr std::int64_t shopify_item_base = 40'000;
constexpr std::int64_t woocommerce_product_base = 1'000;

// DEMO-<n> with n at most 18 digits (fits an int64).
constexpr std::size_t demo_digits_max = 18;

const std::string_view demo_prefix = "DEMO-";

} // namespace

const char* channel_name(shop_channel c) {
  switch (c) {
  case shop_channel::shopify:
    return "shopify";
  case shop_channel::amazon:
    return "amazon";
  case shop_channel::woocommerce:
    return "woocommerce";
  case shop_channel::ebay:
    return "ebay";
  case shop_channel::flipkart:
    return "flipkart";
  }
  return "?";
}

std::optional<shop_channel> channel_from_name(std::string_view name) {
  for (auto c : all_shop_channels)
    if (name == channel_name(c))
      return c;
  return std::nullopt;
}

std::string demo_sku(std::int64_t n) {
  assert(n >= 1);
  return std::string{demo_prefix} + std::to_string(n);
}

std::optional<std::int64_t> demo_index(std::string_view sku) {
  if (sku.substr(0, demo_prefix.size()) != demo_prefix)
    return std::nullopt;
  auto digits = sku.substr(demo_prefix.size());
  if (digits.empty() || digits.size() > demo_digits_max || digits[0] == '0')
    return std::nullopt;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::int64_t shopify_item_id(std::int64_t n) {
  return shopify_item_base + n;
}

std::int64_t woocommerce_product_id(std::int64_t n) {
  return woocommerce_product_base + n;
}

std::string listing_key(shop_channel c, std::int64_t n,
                        const std::string& shopify_location) {
  switch (c) {
  case shop_channel::shopify:
    return std::to_string(shopify_item_id(n)) + "@" + shopify_location;
  case shop_channel::woocommerce:
    return std::to_string(woocommerce_product_id(n));
  case shop_channel::amazon:
  case shop_channel::ebay:
  case shop_channel::flipkart:
    break;
  }
  return demo_sku(n);
}

} // namespace stockwire::fakechannel
