// WooCommerce order webhooks (channels.md §3.3): the body is the order as
// GET /wc/v3/orders/{id} returns it; topic in X-WC-Webhook-Topic. Woo has
// no stable delivery id (X-WC-Webhook-Delivery-ID is new per attempt), so
// the dedup is the caller's order id + SKU.
#include "webhooks/parse.hpp"

namespace stockwire::webhooks::detail {

namespace {

// Products without a SKU have "sku": "": kept, the caller reports the line.
constexpr line_fields woo_line{"sku", "quantity", false};

bool is_cancellation(const std::string& status) {
  return status == "cancelled" || status == "refunded" || status == "failed";
}

// Statuses of an order that holds its stock (Woo reduces stock for these,
// or holds it while payment is pending).
bool is_live(const std::string& status) {
  return status == "pending" || status == "processing" || status == "on-hold" ||
         status == "completed";
}

// What the topic and status mean: true with `kind` set, or false for
// nothing (the order never held stock, or a status we cannot interpret).
bool decide(bool created, const std::string& status, event_kind& kind) {
  // The block checkout's drafts are carts, not orders.
  if (status == "checkout-draft")
    return false;
  if (created) {
    // A created order that is already cancelled never took stock. Custom
    // statuses of plugins on a new order are orders.
    kind = event_kind::order_created;
    return !is_cancellation(status);
  }
  if (is_cancellation(status)) {
    kind = event_kind::order_cancelled;
    return true;
  }
  // Replaying a live order is harmless (idempotent per order + SKU) and
  // catches an order.created that was lost. Custom statuses: unknown.
  kind = event_kind::order_created;
  return is_live(status);
}

} // namespace

bool is_woocommerce_ping(const request_view& req) {
  constexpr std::string_view prefix = "webhook_id=";
  constexpr std::size_t id_digits_max = 20; // a uint64 in decimal
  auto body = req.body;
  if (body.substr(0, prefix.size()) != prefix ||
      !req.header("X-WC-Webhook-Signature").empty())
    return false;
  auto id = body.substr(prefix.size());
  if (id.empty() || id.size() > id_digits_max)
    return false;
  for (char c : id)
    if (c < '0' || c > '9')
      return false;
  return true;
}

void parse_woocommerce(const request_view& req, const clock_window& w,
                       verdict& v) {
  v.topic = req.header("X-WC-Webhook-Topic");
  if (v.topic.empty()) {
    invalid(v, "X-WC-Webhook-Topic", "required");
    return;
  }
  bool created = v.topic == "order.created";
  if (!created && v.topic != "order.updated")
    return; // products, customers, coupons, deletions: no stock meaning
  json doc;
  std::string status;
  if (!parse_object(v, req.body, doc) ||
      !read_string(v, doc, "status", "status", true, status))
    return;
  event e;
  if (!decide(created, status, e.kind))
    return;
  // date_modified_gmt has no offset: it is UTC by its name.
  std::optional<std::int64_t> modified_ms;
  if (!read_id(v, doc, "id", "id", true, e.order_id) ||
      !read_lines(v, doc, "line_items", "line_items", woo_line, e.lines) ||
      !read_time(v, doc, "date_modified_gmt", "date_modified_gmt", false,
                 modified_ms))
    return;
  if (e.kind == event_kind::order_created && e.lines.empty()) {
    invalid(v, "line_items", "no line items");
    return;
  }
  if (!check_fresh(v, w, modified_ms, "date_modified_gmt"))
    return;
  v.events.push_back(std::move(e));
}

} // namespace stockwire::webhooks::detail
