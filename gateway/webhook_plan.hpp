// A verified webhook's events as the commands they become: the pure half of
// POST /webhooks/{channel} (webhook_routes.cpp runs the commands).
//
//   - The core's order id is "<channel>:<the channel's order id>", so two
//     channels' order numbers never collide; a restock's adjustment id is
//     "<channel>:refund:<refund id>" (the core dedups it per SKU).
//   - Lines of one event naming the same SKU are merged, qty summed, in
//     order of first appearance. A line of qty 0 takes nothing and is left
//     out of an order or a restock; a cancellation keeps it (it gives back
//     what the order took, whatever qty it names).
//   - Refused (the delivery gets 400): a composed id the core would refuse
//     (over limits::op_id_bytes_max), a SKU's total above the node's
//     limits.qty_max, more SKUs than limits.order_lines_max.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/settings.hpp"
#include "webhooks/event.hpp"

namespace stockwire::gateway {

/// One line of an event: what it asks for, then how it ended (`status`
/// stays empty while its command is out).
struct line_run {
  std::string sku; // may be empty: the channel sent none
  std::int64_t qty = 0;
  std::string status;
  bool replayed = false;
  std::string error_code; // conflict, error: the core's code and detail
  std::string error_message;
};

struct event_run {
  webhooks::event_kind kind = webhooks::event_kind::order_created;
  std::string order_id; // the core's; empty only for a restock naming none
  std::string refund_id;
  std::string op_id; // restock only
  std::vector<line_run> lines;
};

/// Plans event `e` of `channel`; false with `*error` (naming the field)
/// when the delivery must be refused.
bool plan_event(const settings& cfg, const std::string& channel,
                const webhooks::event& e, event_run* out, std::string* error);

/// Channel text for a log line or message, control characters replaced,
/// so a payload cannot forge log lines.
std::string printable(std::string_view text);

} // namespace stockwire::gateway
