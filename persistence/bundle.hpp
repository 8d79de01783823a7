// sku_bundle: everything one node stores about one SKU, as the raw LMDB keys
// and values of persistence/FORMAT.md. It is what a membership change moves
// from a SKU's old owner to its new one (actors/handoff.hpp): the stock slot
// and the audit trail (`sku` database), the SKU's dedup records, its
// listings, its pending outbox entries and its pending cancellations
// (oversold order lines a channel must still cancel).
//
// Values travel exactly as stored (format byte first), so a move never
// decodes and re-encodes a record and cannot change one; the receiver
// checks that every key belongs to the bundle's SKU before writing any.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stockwire {

/// One LMDB record: key and value bytes.
using raw_record = std::pair<std::string, std::string>;

struct sku_bundle {
  std::string sku;
  std::vector<raw_record> sku_records; // `sku`: audit records, stock slot
  std::vector<raw_record> dedup;       // `dedup`: tag ‖ op_id ‖ 0 ‖ sku
  std::vector<raw_record> listings;    // `listing`: sku ‖ 0 ‖ channel
  std::vector<raw_record> outbox;      // `outbox`: channel ‖ 0 ‖ sku
  std::vector<raw_record> cancels; // `cancel`: channel ‖ 0 ‖ order ‖ 0 ‖ sku

  /// Nothing is stored about the SKU.
  bool empty() const {
    return sku_records.empty() && dedup.empty() && listings.empty() &&
           outbox.empty() && cancels.empty();
  }
  std::size_t records() const {
    return sku_records.size() + dedup.size() + listings.size() +
           outbox.size() + cancels.size();
  }
};

/// What is wrong with a bundle received from another node (a key of another
/// SKU, a malformed key or an undecodable value), or empty. A bundle that
/// passes can be written as it is.
std::string check_bundle(const sku_bundle& b);

} // namespace stockwire
