#include "gateway/webhook_plan.hpp"

#include "core/stock.hpp"

namespace stockwire::gateway {

namespace {

using webhooks::event_kind;

bool merge_lines(const settings& cfg, const std::vector<webhooks::line>& in,
                 bool keep_zero, std::vector<line_run>* out,
                 std::string* error) {
  for (auto& l : in) {
    if (l.qty <= 0 && !keep_zero)
      continue;
    line_run* same = nullptr;
    for (auto& m : *out)
      if (m.sku == l.sku)
        same = &m;
    if (same == nullptr) {
      // Checked as they come, so the search above stays short.
      if (out->size() == cfg.order_lines_max) {
        *error = "lines: more than limits.order_lines_max (" +
                 std::to_string(cfg.order_lines_max) + ") SKUs";
        return false;
      }
      out->push_back(line_run{l.sku, 0, {}, false, {}, {}});
      same = &out->back();
    }
    same->qty += l.qty; // checked at once: never above 2 * qty_max
    if (same->qty > cfg.qty_max) {
      *error = "lines: SKU '" + printable(l.sku) + "' totals " +
               std::to_string(same->qty) + " units, above limits.qty_max (" +
               std::to_string(cfg.qty_max) + ")";
      return false;
    }
  }
  return true;
}

bool compose_id(const std::string& what, const std::string& id,
                std::string composed, std::string* out, std::string* error) {
  if (id.empty()) {
    *error = what + ": missing";
    return false;
  }
  if (auto why = validate_op_id(composed)) {
    *error = what + " '" + printable(composed) + "': " + *why;
    return false;
  }
  *out = std::move(composed);
  return true;
}

} // namespace

bool plan_event(const settings& cfg, const std::string& channel,
                const webhooks::event& e, event_run* out, std::string* error) {
  out->kind = e.kind;
  out->refund_id = e.refund_id;
  if (e.kind == event_kind::restock) {
    if (!compose_id("refund id", e.refund_id,
                    channel + ":refund:" + e.refund_id, &out->op_id, error))
      return false;
    // The order is looked up (webhook_routes.cpp); a refund may name none.
    if (!e.order_id.empty() &&
        !compose_id("order id", e.order_id, channel + ":" + e.order_id,
                    &out->order_id, error))
      return false;
  } else if (!compose_id("order id", e.order_id, channel + ":" + e.order_id,
                         &out->order_id, error)) {
    return false;
  }
  return merge_lines(cfg, e.lines, e.kind == event_kind::order_cancelled,
                     &out->lines, error);
}

std::string printable(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  return out;
}

} // namespace stockwire::gateway
