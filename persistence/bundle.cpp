#include "persistence/bundle.hpp"

#include "core/stock.hpp"
#include "persistence/codec.hpp"

namespace stockwire {

namespace {

// Key of the `sku` database: sku ‖ 0x00 ‖ u64be(version).
bool is_sku_key(std::string_view key, std::string_view sku) {
  return key.size() == sku.size() + 9 && key.substr(0, sku.size()) == sku &&
         key[sku.size()] == '\0';
}

// sku ‖ 0x00 ‖ channel (listing) or channel ‖ 0x00 ‖ sku (outbox).
bool pair_has(std::string_view key, std::string_view sku, bool sku_first) {
  auto [a, b] = codec::split_pair_key(key);
  if (a.size() + 1 + b.size() != key.size() || a.empty() || b.empty())
    return false;
  return sku_first ? a == sku : b == sku;
}

// channel ‖ 0x00 ‖ order id ‖ 0x00 ‖ sku, no field empty.
bool is_cancel_key_of(std::string_view key, std::string_view sku) {
  auto f = codec::split_cancel_key(key);
  return f.sku == sku && !f.channel.empty() && !f.order_id.empty() &&
         codec::cancel_key(f.channel, f.order_id, f.sku) == key;
}

} // namespace

std::string check_bundle(const sku_bundle& b) {
  if (auto why = validate_sku(b.sku))
    return "bundle of an invalid SKU: " + *why;
  auto bad = [&](const char* what) {
    return std::string{"bundle of "} + b.sku + ": " + what;
  };
  for (auto& [key, value] : b.sku_records) {
    if (!is_sku_key(key, b.sku))
      return bad("a stock or audit key of another SKU");
    bool stock = key == codec::stock_key(b.sku);
    if (stock ? !codec::decode_stock(value) : !codec::decode_audit(value))
      return bad("an undecodable stock or audit record");
  }
  for (auto& [key, value] : b.dedup)
    if (codec::sku_of_dedup_key(key) != b.sku || key.size() < b.sku.size() + 3)
      return bad("a dedup key of another SKU");
    else if (!codec::decode_dedup(value))
      return bad("an undecodable dedup record");
  for (auto& [key, value] : b.listings)
    if (!pair_has(key, b.sku, true))
      return bad("a listing key of another SKU");
    else if (!codec::decode_listing(value))
      return bad("an undecodable listing");
  for (auto& [key, value] : b.outbox)
    if (!pair_has(key, b.sku, false))
      return bad("an outbox key of another SKU");
    else if (!codec::decode_outbox(value))
      return bad("an undecodable outbox entry");
  for (auto& [key, value] : b.cancels)
    if (!is_cancel_key_of(key, b.sku))
      return bad("a cancellation key of another SKU");
    else if (!codec::decode_cancel(value))
      return bad("an undecodable cancellation");
  return {};
}

} // namespace stockwire
