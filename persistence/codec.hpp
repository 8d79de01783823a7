// Encoding of keys and values in the LMDB databases. The byte layout is
// specified in persistence/FORMAT.md; this file is its only implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/channel.hpp"
#include "core/records.hpp"
#include "core/types.hpp"

namespace stockwire::codec {

/// First byte of every encoded value; bumped when a layout changes.
constexpr std::uint8_t value_format_v1 = 1;

// Keys. SKUs and operation ids never contain 0x00 (validate_sku,
// validate_op_id), so it separates fields.
/// The version slot of the stock record: right after the newest audit
/// record of the SKU, so both usually share one B-tree page.
constexpr std::uint64_t stock_version_slot = UINT64_MAX;
/// Largest audit version (stock_version_slot is reserved).
constexpr std::uint64_t audit_version_max = UINT64_MAX - 1;
std::string stock_key(std::string_view sku);
/// kind tag, op_id, 0x00, sku: operation id first, so that the lines of an
/// order are adjacent and ids that grow over time append to the tree.
std::string dedup_key(std::string_view sku, op_kind kind,
                      std::string_view op_id);
std::string audit_key(std::string_view sku, std::uint64_t version);
/// The SKU an audit key belongs to.
std::string_view sku_of_audit_key(std::string_view key);
/// The SKU a dedup key belongs to.
std::string_view sku_of_dedup_key(std::string_view key);
/// sku, 0x00, channel id: the listings of a SKU are adjacent.
std::string listing_key(std::string_view sku, std::string_view channel);
/// channel id, 0x00, sku: a channel's pending entries are adjacent.
std::string outbox_key(std::string_view channel, std::string_view sku);
/// Splits "a\0b" keys (listing, outbox) into their two fields.
std::pair<std::string_view, std::string_view> split_pair_key(std::string_view key);
/// channel id, 0x00, order id, 0x00, sku: a channel's pending cancellations
/// are adjacent, and so are the lines of one order.
std::string cancel_key(std::string_view channel, std::string_view order_id,
                       std::string_view sku);
/// The (channel, order id, sku) of a cancel key.
struct cancel_key_fields {
  std::string_view channel;
  std::string_view order_id;
  std::string_view sku;
};
cancel_key_fields split_cancel_key(std::string_view key);

// Values (cereal portable binary behind a format byte). decode_* return
// nullopt on a malformed or unknown-format value.
std::string encode(const stock_state& x);
std::string encode(const dedup_record& x);
std::string encode(const audit_record& x);
std::string encode(const listing& x);
std::string encode(const outbox_record& x);
std::string encode(const cancel_record& x);
std::optional<stock_state> decode_stock(std::string_view bytes);
std::optional<dedup_record> decode_dedup(std::string_view bytes);
std::optional<audit_record> decode_audit(std::string_view bytes);
std::optional<listing> decode_listing(std::string_view bytes);
std::optional<outbox_record> decode_outbox(std::string_view bytes);
std::optional<cancel_record> decode_cancel(std::string_view bytes);

} // namespace stockwire::codec
