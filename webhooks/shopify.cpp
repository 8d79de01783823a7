// Shopify order webhooks (channels.md §1.5): the body is the REST resource
// of the topic; the topic, the delivery ids and the event time are headers
// (not covered by the HMAC, which signs the body only).
//   orders/create     the Order: line_items[]{sku, quantity}
//   orders/cancelled  the Order again (cancelled_at set)
//   refunds/create    the Refund: refund_line_items[]{quantity, restock_type,
//                     line_item{sku}}; only restocked lines give stock back:
//                     "return"/"legacy_restock" as a restock (deduped by
//                     refund id), "cancel" as a cancellation of those lines
//                     (Shopify sends it with orders/cancelled when a merchant
//                     cancels and restocks: as a cancel it is idempotent with
//                     that one, so the stock comes back once, not twice).
#include "webhooks/parse.hpp"
#include "webhooks/timestamp.hpp"

namespace stockwire::webhooks::detail {

namespace {

// Custom items and products without a SKU arrive with "sku": null or "":
// kept with an empty SKU so the caller reports that line, not the order.
constexpr line_fields shopify_line{"sku", "quantity", false};

bool restocks(const std::string& restock_type) {
  // "no_restock" (money only) and anything unknown leave stock alone.
  return restock_type == "return" || restock_type == "legacy_restock";
}

void parse_order(verdict& v, const json& doc, event_kind kind) {
  event e;
  e.kind = kind;
  if (!read_id(v, doc, "id", "id", true, e.order_id) ||
      !read_lines(v, doc, "line_items", "line_items", shopify_line, e.lines))
    return;
  if (kind == event_kind::order_created && e.lines.empty()) {
    invalid(v, "line_items", "no line items");
    return;
  }
  // The topic header is not signed: a captured orders/create body resent
  // as orders/cancelled must not cancel the order. A cancelled order says
  // so in its (signed) body.
  std::string cancelled_at;
  if (kind == event_kind::order_cancelled &&
      !read_string(v, doc, "cancelled_at", "cancelled_at", true, cancelled_at))
    return;
  v.events.push_back(std::move(e));
}

bool read_restocked_line(verdict& v, const json& item, const std::string& at,
                         std::vector<line>& restocked,
                         std::vector<line>& cancelled) {
  std::string restock_type;
  if (!read_string(v, item, "restock_type", at + ".restock_type", false,
                   restock_type))
    return false;
  bool cancel = restock_type == "cancel";
  if (!cancel && !restocks(restock_type))
    return true;
  auto& out = cancel ? cancelled : restocked;
  const json* li = nullptr;
  line l;
  if (!read_object(v, item, "line_item", at + ".line_item", li) ||
      !read_string(v, *li, "sku", at + ".line_item.sku", false, l.sku) ||
      !read_qty(v, item, "quantity", at + ".quantity", 1, l.qty))
    return false;
  out.push_back(std::move(l));
  return true;
}

void parse_refund(verdict& v, const json& doc) {
  event e;
  e.kind = event_kind::restock;
  if (!read_id(v, doc, "id", "id", true, e.refund_id) ||
      !read_id(v, doc, "order_id", "order_id", true, e.order_id))
    return;
  event cancel;
  cancel.kind = event_kind::order_cancelled;
  cancel.order_id = e.order_id;
  if (auto items = field(doc, "refund_line_items")) {
    if (!items->is_array()) {
      invalid(v, "refund_line_items", "must be an array");
      return;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto at = "refund_line_items[" + std::to_string(i) + "]";
      auto& item = (*items)[i];
      if (!item.is_object()) {
        invalid(v, at, "must be an object");
        return;
      }
      if (!read_restocked_line(v, item, at, e.lines, cancel.lines))
        return;
    }
  }
  // A refund of money only gives nothing back: no event.
  if (!cancel.lines.empty())
    v.events.push_back(std::move(cancel));
  if (!e.lines.empty())
    v.events.push_back(std::move(e));
}

} // namespace

void parse_shopify(const request_view& req, const clock_window& w, verdict& v) {
  v.topic = req.header("X-Shopify-Topic");
  // Event-Id is shared by every delivery of one merchant action (several
  // subscriptions), Webhook-Id is per delivery: the former dedups better.
  std::string_view id_header = "X-Shopify-Event-Id";
  v.delivery_id = req.header(id_header);
  if (v.delivery_id.empty()) {
    id_header = "X-Shopify-Webhook-Id";
    v.delivery_id = req.header(id_header);
  }
  if (!v.delivery_id.empty() && !check_id(v, v.delivery_id, id_header))
    return;
  if (v.topic.empty()) {
    invalid(v, "X-Shopify-Topic", "required");
    return;
  }
  event_kind kind;
  if (v.topic == "orders/create")
    kind = event_kind::order_created;
  else if (v.topic == "orders/cancelled")
    kind = event_kind::order_cancelled;
  else if (v.topic == "refunds/create")
    kind = event_kind::restock;
  else
    return; // a topic without stock meaning: 200, nothing to do
  // The event time is a header: checked before the body is even parsed.
  auto triggered = req.header("X-Shopify-Triggered-At");
  if (!triggered.empty()) {
    auto t = parse_rfc3339_ms(triggered);
    if (!t) {
      invalid(v, "X-Shopify-Triggered-At", "not an RFC 3339 timestamp");
      return;
    }
    if (!check_fresh(v, w, t, "X-Shopify-Triggered-At"))
      return;
  }
  json doc;
  if (!parse_object(v, req.body, doc))
    return;
  if (kind == event_kind::restock)
    parse_refund(v, doc);
  else
    parse_order(v, doc, kind);
}

} // namespace stockwire::webhooks::detail
