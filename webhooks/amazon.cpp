// Amazon ORDER_CHANGE notifications (channels.md §2.5). Amazon delivers
// them to an SQS queue only; the merchant's relay forwards each message
// body unchanged and signs it (X-Stockwire-Signature). SQS is
// at-least-once and unordered: NotificationMetadata.NotificationId dedups.
#include "webhooks/parse.hpp"

namespace stockwire::webhooks::detail {

namespace {

constexpr const char* notification_path = "Payload.OrderChangeNotification";

// Statuses of an order that holds stock. Unfulfillable (and any status
// Amazon may add) means nothing for stock.
bool is_live(const std::string& status) {
  return status == "Pending" || status == "Unshipped" ||
         status == "PartiallyShipped" || status == "Shipped" ||
         status == "InvoiceUnconfirmed" || status == "PendingAvailability";
}

bool read_delivery_id(verdict& v, const json& doc) {
  auto meta = field(doc, "NotificationMetadata");
  if (meta == nullptr)
    return true;
  if (!meta->is_object())
    return invalid(v, "NotificationMetadata", "must be an object");
  const std::string path = "NotificationMetadata.NotificationId";
  if (!read_string(v, *meta, "NotificationId", path, false, v.delivery_id))
    return false;
  return v.delivery_id.empty() || check_id(v, v.delivery_id, path);
}

// The order change: OrderLevel notifications list every item, OrderItemLevel
// ones the item that changed (OrderChangeNotification.json).
void parse_change(verdict& v, const json& doc, const clock_window& w,
                  std::optional<std::int64_t> event_ms) {
  const std::string at = notification_path;
  const json* payload = nullptr;
  const json* change = nullptr;
  const json* summary = nullptr;
  event e;
  std::string status;
  if (!read_object(v, doc, "Payload", "Payload", payload) ||
      !read_object(v, *payload, "OrderChangeNotification", at, change) ||
      !read_id(v, *change, "AmazonOrderId", at + ".AmazonOrderId", false,
               e.order_id) ||
      !read_object(v, *change, "Summary", at + ".Summary", summary) ||
      !read_string(v, *summary, "OrderStatus", at + ".Summary.OrderStatus",
                   true, status))
    return;
  v.topic += "/" + status;
  // A canceled item may be reported with Quantity 0 (unconfirmed); the
  // cancellation gives back what the order took, whatever it says.
  line_fields items{"SellerSKU", "Quantity", true, 1};
  if (status == "Canceled") {
    e.kind = event_kind::order_cancelled;
    items.qty_min = 0;
  } else if (is_live(status)) {
    e.kind = event_kind::order_created;
  } else {
    return;
  }
  if (!read_lines(v, *summary, "OrderItems", at + ".Summary.OrderItems", items,
                  e.lines))
    return;
  if (e.kind == event_kind::order_created && e.lines.empty()) {
    invalid(v, at + ".Summary.OrderItems", "no line items");
    return;
  }
  if (!check_fresh(v, w, event_ms, "EventTime"))
    return;
  v.events.push_back(std::move(e));
}

} // namespace

void parse_amazon(const request_view& req, const clock_window& w, verdict& v) {
  json doc;
  std::optional<std::int64_t> event_ms;
  if (!parse_object(v, req.body, doc) ||
      !read_string(v, doc, "NotificationType", "NotificationType", true,
                   v.topic) ||
      !read_delivery_id(v, doc))
    return;
  if (v.topic != "ORDER_CHANGE")
    return; // other notification types share the queue: nothing to do
  if (!read_time(v, doc, "EventTime", "EventTime", true, event_ms))
    return;
  parse_change(v, doc, w, event_ms);
}

} // namespace stockwire::webhooks::detail
