// Listings as the API takes them, and the rules every listing obeys however
// it arrives: as the JSON body of PUT /v1/listings/{channel}/{sku} (parsed
// in requests.cpp, the gateway's only JSON parser) or as a row of
// POST /v1/listings:import (CSV, parsed here). Pure functions.
//
// Which identifiers a channel kind needs is the connector's business
// (connectors/channel.hpp); here every identifier is optional and only its
// length and characters are checked.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/channel.hpp"
#include "gateway/requests.hpp"
#include "gateway/settings.hpp"

namespace stockwire::gateway {

/// An identifier of a listing under its API name (JSON key, CSV column).
struct listing_field {
  const char* name;
  std::string listing::*member;
};

/// item_id, location_id, variation_id, seller_id, marketplace_id,
/// product_type: the order of the API's replies.
extern const std::array<listing_field, 6> listing_fields;

/// Why `channel` (a path segment, a CSV cell) cannot name a channel
/// account, or nullopt: empty, too long, control characters.
std::optional<std::string> check_channel_id(const std::string& channel);

/// Why `value` cannot be a listing identifier, or nullopt: longer than
/// limits::listing_id_bytes_max, or a control character.
std::optional<std::string> check_listing_id(std::string_view value);

/// Why `a` is out of range, naming the field ("percent: ..."), or nullopt:
/// buffer 0..qty_max, percent 0..100, max -1 (no cap)..qty_max.
std::optional<std::string> check_allocation(const allocation& a,
                                            const settings& cfg);

/// One data row of an import: a listing to put, or why the row is refused
/// (the other rows go on).
struct import_row {
  std::size_t line = 0; // where the row starts in the CSV (header: line 1)
  std::string channel;
  std::string sku;
  listing ids;
  input_error error; // error.code empty: the row is valid
};

/// POST /v1/listings:import. The first record (after a UTF-8 byte order
/// mark, if any) names the columns: `channel`
/// and `sku` required; `item_id`, `location_id`, `variation_id`,
/// `seller_id`, `marketplace_id`, `product_type`, `buffer`, `percent`, `max`
/// optional, in any order. An empty cell is an empty identifier; a row with
/// any allocation cell set gets an allocation (the others at their
/// defaults: buffer 0, percent 100, max -1). A row naming a channel and SKU
/// that an earlier row named is refused (one import, one listing each).
///
/// False, with `err`, when the CSV as a whole is unusable: malformed
/// ("malformed_csv", the message names the line), no header, an unknown,
/// repeated or missing column, or more than limits::import_rows_max data
/// rows ("invalid_argument").
bool parse_listing_csv(std::string_view body, const settings& cfg,
                       std::vector<import_row>* out, input_error* err);

} // namespace stockwire::gateway
