#include "core/stock.hpp"

#include <cassert>

#include "core/limits.hpp"

namespace stockwire {

namespace {

decision changed_to(const stock_state& s, std::int64_t on_hand,
                    std::int64_t now_ms) {
  decision d;
  d.changed = true;
  d.next = s;
  d.next.on_hand = on_hand;
  d.next.version = s.version + 1;
  d.next.updated_at_ms = now_ms;
  d.delta = on_hand - s.on_hand;
  assert(d.next.available() >= 0);
  return d;
}

decision refused(const stock_state& s, errc code) {
  decision d;
  d.error = code;
  d.next = s;
  return d;
}

} // namespace

decision decide_order(const stock_state& s, std::int64_t qty,
                      std::int64_t now_ms) {
  assert(qty > 0);
  if (s.available() < qty) {
    decision d;
    d.next = s;
    d.status = order_status::rejected;
    return d;
  }
  auto d = changed_to(s, s.on_hand - qty, now_ms);
  d.status = order_status::accepted;
  return d;
}

decision decide_cancel(const stock_state& s, std::int64_t qty,
                       std::int64_t now_ms) {
  assert(qty > 0);
  if (s.on_hand + qty > limits::quantity_max)
    return refused(s, errc::invalid_argument);
  return changed_to(s, s.on_hand + qty, now_ms);
}

decision decide_set(const stock_state& s, std::int64_t on_hand,
                    std::int64_t now_ms) {
  if (on_hand < 0 || on_hand < s.reserved)
    return refused(s, errc::negative_stock);
  if (on_hand > limits::quantity_max)
    return refused(s, errc::invalid_argument);
  return changed_to(s, on_hand, now_ms);
}

decision decide_adjust(const stock_state& s, std::int64_t delta,
                       std::int64_t now_ms) {
  if (delta < -limits::quantity_max || delta > limits::quantity_max)
    return refused(s, errc::invalid_argument);
  auto on_hand = s.on_hand + delta;
  if (on_hand - s.reserved < 0)
    return refused(s, errc::negative_stock);
  if (on_hand > limits::quantity_max)
    return refused(s, errc::invalid_argument);
  return changed_to(s, on_hand, now_ms);
}

replay_verdict judge_retry(const dedup_record& stored, op_kind kind,
                           std::int64_t amount, const std::string& channel) {
  if (stored.kind != kind || stored.amount != amount ||
      stored.channel != channel)
    return replay_verdict::conflict;
  return replay_verdict::replay;
}

std::optional<std::string> validate_sku(const std::string& sku) {
  if (sku.empty())
    return "sku is empty";
  if (sku.size() > limits::sku_bytes_max)
    return "sku is longer than " + std::to_string(limits::sku_bytes_max) +
           " bytes";
  for (unsigned char c : sku) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == ':' || c == '/' || c == '+' || c == '#';
    if (!ok)
      return "sku contains a character outside [A-Za-z0-9-_.:/+#]";
  }
  return std::nullopt;
}

std::optional<std::string> validate_op_id(const std::string& op_id) {
  if (op_id.empty())
    return "operation id is empty";
  if (op_id.size() > limits::op_id_bytes_max)
    return "operation id is longer than " +
           std::to_string(limits::op_id_bytes_max) + " bytes";
  for (unsigned char c : op_id)
    if (c < 0x20 || c == 0x7f)
      return "operation id contains a control character";
  return std::nullopt;
}

std::optional<std::string> validate_channel(const std::string& channel) {
  if (channel.size() > limits::channel_bytes_max)
    return "channel is longer than " +
           std::to_string(limits::channel_bytes_max) + " bytes";
  for (unsigned char c : channel)
    if (c < 0x20 || c == 0x7f)
      return "channel contains a control character";
  return std::nullopt;
}

std::optional<std::string> validate_qty(std::int64_t qty) {
  if (qty <= 0)
    return "qty must be positive";
  if (qty > limits::quantity_max)
    return "qty is larger than " + std::to_string(limits::quantity_max);
  return std::nullopt;
}

} // namespace stockwire
