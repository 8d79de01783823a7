// The Stockwire relay format, for channels whose push formats are not
// confirmed (eBay: SOAP Platform Notifications or the JSON Notification
// API; Flipkart: unverified; channels.md §4.4, §5.3). A small relay owned
// by the merchant turns the channel's notification (or a poll of its
// orders API) into:
//   {"event": "order.created" | "order.cancelled", "order_id": "...",
//    "lines": [{"sku": "...", "qty": N}],
//    "occurred_at": "RFC 3339 (optional)", "delivery_id": "(optional)"}
// signed X-Stockwire-Signature. Our own format, so it is strict: SKUs are
// required, unknown events are errors.
#include "webhooks/parse.hpp"

namespace stockwire::webhooks::detail {

namespace {

constexpr line_fields relay_line{"sku", "qty", true};

} // namespace

void parse_relay(const request_view& req, const clock_window& w, verdict& v) {
  json doc;
  event e;
  if (!parse_object(v, req.body, doc) ||
      !read_string(v, doc, "event", "event", true, v.topic))
    return;
  if (v.topic == "order.created")
    e.kind = event_kind::order_created;
  else if (v.topic == "order.cancelled")
    e.kind = event_kind::order_cancelled;
  else {
    invalid(v, "event", "must be \"order.created\" or \"order.cancelled\"");
    return;
  }
  std::optional<std::int64_t> occurred_ms;
  if (!read_string(v, doc, "delivery_id", "delivery_id", false,
                   v.delivery_id) ||
      (!v.delivery_id.empty() && !check_id(v, v.delivery_id, "delivery_id")) ||
      !read_id(v, doc, "order_id", "order_id", false, e.order_id) ||
      !read_lines(v, doc, "lines", "lines", relay_line, e.lines) ||
      !read_time(v, doc, "occurred_at", "occurred_at", true, occurred_ms))
    return;
  if (e.kind == event_kind::order_created && e.lines.empty()) {
    invalid(v, "lines", "no line items");
    return;
  }
  if (!check_fresh(v, w, occurred_ms, "occurred_at"))
    return;
  v.events.push_back(std::move(e));
}

} // namespace stockwire::webhooks::detail
