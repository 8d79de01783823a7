#include "fakechannel/order_json.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "fakechannel/catalogue.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

// Every demo product costs the same: the lab counts units, not money.
const char* const unit_price = "24.90";
constexpr double unit_price_value = 24.90;

std::int64_t as_int(const std::string& digits) {
  return std::stoll(digits);
}

std::string money(std::int64_t qty) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f",
                unit_price_value * static_cast<double>(qty));
  return buf;
}

std::string product_name(const order& o) {
  return "Demo product " + o.sku;
}

std::string format_utc(std::int64_t wall_ms, bool millis, const char* zone) {
  std::time_t secs = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out{buf, n};
  if (millis) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(wall_ms % 1000));
    out += buf;
  }
  return out + zone;
}

} // namespace

std::string rfc3339_ms(std::int64_t wall_ms) {
  return format_utc(wall_ms, true, "Z");
}

std::string utc_seconds(std::int64_t wall_ms) {
  return format_utc(wall_ms, false, "");
}

json shopify_order_json(const order& o) {
  auto id = as_int(o.id);
  auto item = as_int(o.item_id);
  auto n = demo_index(o.sku).value_or(0);
  auto at = format_utc(o.wall_ms, false, "+00:00");
  json line = {{"id", item},
               {"admin_graphql_api_id", "gid://shopify/LineItem/" + o.item_id},
               {"variant_id", 45'000'000'000'000 + n},
               {"product_id", 8'000'000'000'000 + n},
               {"sku", o.sku},
               {"name", product_name(o)},
               {"title", product_name(o)},
               {"vendor", "Stockwire Demo"},
               {"quantity", o.qty},
               {"fulfillable_quantity", o.qty},
               {"fulfillment_service", "manual"},
               {"fulfillment_status", nullptr},
               {"price", unit_price},
               {"grams", 450},
               {"requires_shipping", true},
               {"taxable", true},
               {"gift_card", false},
               {"product_exists", true},
               {"properties", json::array()}};
  return {{"id", id},
          {"admin_graphql_api_id", "gid://shopify/Order/" + o.id},
          {"name", "#" + o.id.substr(o.id.size() > 6 ? o.id.size() - 6 : 0)},
          {"email", "shopper@example.com"},
          {"created_at", at},
          {"updated_at", at},
          {"processed_at", at},
          {"cancelled_at", nullptr},
          {"cancel_reason", nullptr},
          {"confirmed", true},
          {"currency", "USD"},
          {"financial_status", "paid"},
          {"fulfillment_status", nullptr},
          {"source_name", "web"},
          {"test", false},
          {"total_price", money(o.qty)},
          {"line_items", json::array({line})}};
}

json woocommerce_order_json(const order& o, const std::string& status,
                            std::int64_t modified_wall_ms) {
  auto created = utc_seconds(o.wall_ms);
  auto modified = utc_seconds(modified_wall_ms);
  json line = {{"id", as_int(o.item_id)},
               {"name", product_name(o)},
               {"product_id", as_int(o.listing_key)},
               {"variation_id", 0},
               {"quantity", o.qty},
               {"tax_class", ""},
               {"subtotal", money(o.qty)},
               {"total", money(o.qty)},
               {"sku", o.sku},
               {"price", unit_price_value},
               {"meta_data", json::array()}};
  return {{"id", as_int(o.id)},
          {"parent_id", 0},
          {"number", o.id},
          {"order_key", "wc_order_" + o.id},
          {"created_via", "checkout"},
          {"version", "8.9.1"},
          {"status", status},
          {"currency", "EUR"},
          {"date_created", created},
          {"date_created_gmt", created},
          {"date_modified", modified},
          {"date_modified_gmt", modified},
          {"total", money(o.qty)},
          {"customer_id", 0},
          {"payment_method", "stripe"},
          {"billing",
           {{"first_name", "Demo"},
            {"last_name", "Shopper"},
            {"country", "DE"},
            {"email", "shopper@example.com"}}},
          {"line_items", json::array({line})}};
}

json amazon_order_change_json(const order& o,
                              const std::string& notification_id) {
  auto at = rfc3339_ms(o.wall_ms);
  json item = {{"OrderItemId", o.item_id},
               {"SellerSKU", o.sku},
               {"SupplySourceId", nullptr},
               {"OrderItemStatus", "Unshipped"},
               {"Quantity", o.qty},
               {"QuantityShipped", 0},
               {"IsBuyerRequestedCancel", false}};
  json summary = {{"MarketplaceId", "ATVPDKIKX0DER"},
                  {"OrderStatus", "Unshipped"},
                  {"PurchaseDate", at},
                  {"DestinationPostalCode", "48110"},
                  {"FulfillmentType", "MFN"},
                  {"OrderType", "StandardOrder"},
                  {"NumberOfItemsShipped", 0},
                  {"NumberOfItemsUnshipped", o.qty},
                  {"OrderItems", json::array({item})}};
  json change = {
      {"NotificationLevel", "OrderLevel"},
      {"SellerId", "A2DEMOSELLER"},
      {"AmazonOrderId", o.id},
      {"OrderChangeType", "OrderStatusChange"},
      {"OrderChangeTrigger",
       {{"TimeOfOrderChange", at}, {"ChangeReason", "Order Status Changed"}}},
      {"Summary", summary}};
  return {{"NotificationVersion", "1.0"},
          {"NotificationType", "ORDER_CHANGE"},
          {"PayloadVersion", "1.0"},
          {"EventTime", at},
          {"Payload", {{"OrderChangeNotification", change}}},
          {"NotificationMetadata",
           {{"ApplicationId", "amzn1.sellerapps.app.fakechannel"},
            {"SubscriptionId", "fakechannel-order-change"},
            {"PublishTime", at},
            {"NotificationId", notification_id}}}};
}

json relay_order_json(const order& o, const std::string& delivery_id) {
  return {{"event", "order.created"},
          {"order_id", o.id},
          {"lines", json::array({{{"sku", o.sku}, {"qty", o.qty}}})},
          {"occurred_at", rfc3339_ms(o.wall_ms)},
          {"delivery_id", delivery_id}};
}

} // namespace stockwire::fakechannel
