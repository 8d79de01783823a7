// Request bodies of the HTTP API, parsed and validated into plain structs.
// Pure functions: text in, struct or error out. requests.cpp parses them
// with nlohmann-json (~5 s of compile time per file), except the orders
// (parse_order, parse_batch: the hot input), which order_parse.cpp parses
// with simdjson, 15x faster; both follow the same rules: a key given twice
// counts with its last value, a null field is absent.
//
// Validation is complete here: a struct that comes out satisfies every
// bound of gateway::settings and the core's validate_* rules, so a command
// built from it is refused by the core only for reasons of state (unknown
// SKU, insufficient stock, id reuse, store trouble). Unknown fields are
// ignored, so channels may send their richer payloads unchanged — except in
// the operator's bodies (listings, resync), where a misspelt field would
// silently change what happens: there they are refused.
#pragma once

#include "core/text.hpp" // json_too_deep

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/channel.hpp"
#include "gateway/settings.hpp"

namespace stockwire::gateway {

/// Why a body was refused. `code` is the API error code: "malformed_json"
/// (not JSON, or nested deeper than json_depth_max) or "invalid_argument"
/// (a field is missing, has the wrong type or is out of range; the message
/// names the field, e.g. "lines[1].qty: must be an integer").
struct input_error {
  static constexpr const char* malformed = "malformed_json";
  static constexpr const char* invalid = "invalid_argument";

  std::string code;
  std::string message;

  /// Records the refusal and returns false (`return err->refuse(...)`).
  bool refuse(const char* refusal_code, std::string refusal_message) {
    code = refusal_code;
    message = std::move(refusal_message);
    return false;
  }
};

struct order_line_input {
  std::string sku;
  std::int64_t qty = 0;
};

/// POST /v1/orders: {"order_id","channel","lines":[{"sku","qty"}]}.
/// SKUs of one order are distinct (a line's dedup key is order id + SKU).
struct order_input {
  std::string order_id;
  std::string channel; // optional, "" when absent
  std::vector<order_line_input> lines;
};

/// One element of POST /v1/orders:batch: an order, or why it was refused
/// (the other orders of the batch go on).
struct batch_item {
  order_input order;
  input_error error; // error.code empty: `order` is valid
};

/// POST /v1/orders/{id}/cancel: {"channel","lines":[{"sku","qty"}]}; lines
/// optional (empty: every line of the order). A line's qty, when given, is
/// only checked for type: a cancel always restores what its line took.
struct cancel_input {
  std::string channel;
  std::vector<std::string> skus;
};

/// PUT /v1/stock/{sku}: {"on_hand","idempotency_key","source"}; the key is
/// optional (empty: the route generates one).
struct set_input {
  std::int64_t on_hand = 0;
  std::string idempotency_key;
  std::string source;
};

/// POST /v1/stock/{sku}/adjust: {"delta","idempotency_key","source"}; the
/// key is required (a retried adjustment must not apply twice).
struct adjust_input {
  std::int64_t delta = 0;
  std::string idempotency_key;
  std::string source;
};

/// The SKU rules of the core (characters, length) plus this node's
/// `limits.sku_bytes_max`; a message naming the problem, or nullopt.
std::optional<std::string> check_sku(const settings& cfg,
                                     const std::string& sku);

/// The first check of every JSON body: nested deeper than
/// `cfg.json_depth_max` is "malformed_json" (before any parser sees it).
bool check_depth(std::string_view body, const settings& cfg, input_error* err);

bool parse_order(std::string_view body, const settings& cfg, order_input* out,
                 input_error* err);
bool parse_batch(std::string_view body, const settings& cfg,
                 std::vector<batch_item>* out, input_error* err);
bool parse_cancel(std::string_view body, const settings& cfg, cancel_input* out,
                  input_error* err);
bool parse_set(std::string_view body, const settings& cfg, set_input* out,
               input_error* err);
bool parse_adjust(std::string_view body, const settings& cfg, adjust_input* out,
                  input_error* err);

/// PUT /v1/listings/{channel}/{sku}: {"item_id", "location_id",
/// "variation_id", "seller_id", "marketplace_id", "product_type",
/// "allocation": {"buffer", "percent", "max"}}, every field optional. An
/// identifier is a string or an integer (stored as its decimal text);
/// rules in listing_input.hpp. Unknown fields are refused.
bool parse_listing(std::string_view body, const settings& cfg, listing* out,
                   input_error* err);

/// POST /v1/channels/{id}/resync: no body, or {"skus": [...]} with
/// 1..limits::resync_skus_max SKUs (absent: every SKU of the channel).
/// Unknown fields are refused.
bool parse_resync(std::string_view body, const settings& cfg,
                  std::vector<std::string>* skus, input_error* err);

} // namespace stockwire::gateway
