// Internals shared by the per-format parsers (shopify.cpp, woocommerce.cpp,
// amazon.cpp, relay.cpp): JSON reading with errors that name the field's
// path, id and quantity rules, the staleness rule, the signature check.
// Not part of the contract: the gateway includes event.hpp only.
//
// Every reader returns false after writing the failure into the verdict
// (status, code, message "<path>: <what is wrong>"), so a parser is a chain
// of `if (!read(...)) return;` and stops at the first problem.
#pragma once

#include "core/text.hpp" // json_too_deep

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhooks/event.hpp"

namespace stockwire::webhooks::detail {

using json = nlohmann::json;

// -- verdicts -----------------------------------------------------------------

/// Writes a failure into `v`; always returns false.
bool fail(verdict& v, unsigned status, std::string_view code,
          std::string message);

/// 400 invalid_argument "<path>: <what>"; always returns false.
bool invalid(verdict& v, std::string_view path, std::string_view what);

// -- signature (signature.cpp) ------------------------------------------------

/// 401 unless `header_value` is base64(HMAC-SHA256(secret, body)), compared
/// in constant time. `header_name` names the header in the message.
bool check_signature(verdict& v, std::string_view secret, std::string_view body,
                     std::string_view header_value,
                     std::string_view header_name);

// -- JSON ---------------------------------------------------------------------

/// Byte offset of the first invalid UTF-8 sequence in `text` (RFC 3629:
/// no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

/// Parses `body` into the object `doc`: 400 malformed_json when it is not
/// UTF-8, nests deeper than limits::json_depth_max, is not JSON, or is not
/// an object. Never throws.
bool parse_object(verdict& v, std::string_view body, json& doc);

/// `obj[key]`, or nullptr when absent or null (a null field is an absent
/// one: the channels send null for "none"). REQUIRES: obj.is_object().
const json* field(const json& obj, const char* key);

/// `obj[key]` as an object; `path` names it in errors.
bool read_object(verdict& v, const json& obj, const char* key,
                 const std::string& path, const json*& out);

/// `obj[key]` as a string. Absent: error when `required`, else "".
bool read_string(verdict& v, const json& obj, const char* key,
                 const std::string& path, bool required, std::string& out);

/// `obj[key]` as an id: a string, or (with `numbers`) an integer written
/// in decimal; then check_id. Absent: 400.
bool read_id(verdict& v, const json& obj, const char* key,
             const std::string& path, bool numbers, std::string& out);

/// Non-empty, at most limits::op_id_bytes_max bytes, no control characters.
bool check_id(verdict& v, std::string_view id, std::string_view path);

/// `obj[key]` as an integer in [qty_min, limits::quantity_max]. Absent: 400.
bool read_qty(verdict& v, const json& obj, const char* key,
              const std::string& path, std::int64_t qty_min, std::int64_t& out);

/// How one format names the fields of an order line.
struct line_fields {
  const char* sku;          // key of the SKU (a string)
  const char* qty;          // key of the quantity
  bool sku_required;        // absent/null/"" is 400; otherwise kept as ""
  std::int64_t qty_min = 1; // 0 only where a channel reports 0 (Amazon)
};

/// The lines of `obj[key]` (an array of objects). Absent: no lines (the
/// caller decides whether that is allowed).
bool read_lines(verdict& v, const json& obj, const char* key,
                const std::string& path, const line_fields& f,
                std::vector<line>& out);

// -- time ---------------------------------------------------------------------

/// `obj[key]` as an RFC 3339 timestamp in ms; absent: nullopt (never
/// stale). With `offset_required` false a missing offset means UTC.
bool read_time(verdict& v, const json& obj, const char* key,
               const std::string& path, bool offset_required,
               std::optional<std::int64_t>& out_ms);

/// The caller's clock and window (verify_and_parse's now_ms, max_age_ms).
struct clock_window {
  std::int64_t now_ms = 0;
  std::int64_t max_age_ms = 0; // <= 0: no staleness check
};

/// 408 stale when `event_ms` is more than max_age_ms before now_ms. An
/// unknown event time is never stale; one in the future neither.
bool check_fresh(verdict& v, const clock_window& w,
                 std::optional<std::int64_t> event_ms, std::string_view what);

// -- the formats --------------------------------------------------------------
// Each runs after the signature was verified and fills `v` (status 200 on
// entry). `header` is never empty.

void parse_shopify(const request_view& req, const clock_window& w, verdict& v);
void parse_woocommerce(const request_view& req, const clock_window& w,
                       verdict& v);
void parse_amazon(const request_view& req, const clock_window& w, verdict& v);
void parse_relay(const request_view& req, const clock_window& w, verdict& v);

/// WooCommerce's creation ping: form body `webhook_id=<digits>`, unsigned.
bool is_woocommerce_ping(const request_view& req);

} // namespace stockwire::webhooks::detail
