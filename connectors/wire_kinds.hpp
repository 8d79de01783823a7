// Private to the wire code. The per-kind job factories (one .cpp per
// kind), the limits behind push_batch_max, and what every kind shares
// (defined in wire.cpp): the job bookkeeping, the status policy and small
// encoders.
//
// Status policy for an answer refusing a whole request (kinds refine it
// where their API says more):
//   429                     retry, throttled, Retry-After when sent
//   408, 5xx, 1xx/3xx       retry
//   401, 403                parked (credentials: an operator must fix them)
//   other 4xx               parked (the request itself is refused: sending
//                           it again cannot succeed)
// A 2xx whose body cannot be read is `retry`: the channel may or may not
// have applied it, and every push is an absolute quantity, so resending is
// safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/cancel_wire.hpp"
#include "connectors/wire.hpp"

namespace stockwire::wire_detail {

using json = nlohmann::json;

// -- limits ------------------------------------------------------------------

// Amazon JSON_LISTINGS_FEED messages per job. Amazon accepts 25,000 since
// May 2025; 10,000 keeps the document (~3 MB) and its report small.
constexpr std::size_t amazon_feed_items_max = 10'000;

// WooCommerce's default woocommerce_rest_batch_items_limit (create +
// update + delete of one batch request).
constexpr std::size_t woocommerce_batch_items_max = 100;

// eBay bulkUpdatePriceQuantity: at most 25 entries in `requests`.
constexpr std::size_t ebay_requests_per_call_max = 25;

// Flipkart's limit is undocumented; third-party clients send 5-10 SKUs.
constexpr std::size_t flipkart_skus_per_call_max = 10;

// Shopify inventorySetQuantities: entries of `quantities` per call (per
// GraphQL job). Shopify documents no hard cap we could confirm
// (../shared/channels.md 1.3: "Max entries per call: unconfirmed"), so we
// stay conservative.
constexpr std::size_t shopify_graphql_quantities_per_call_max = 100;

// Amazon order-acknowledgement feed (cancellations): orders per job. One
// feed carries every pending cancellation (createFeed is scarce: 5 at
// once, then one per two minutes); 10,000 rows keep the document small.
constexpr std::size_t amazon_cancel_feed_orders_max = 10'000;

// Flipkart order items per cancel call: undocumented, so as many as SKUs
// per inventory call.
constexpr std::size_t flipkart_cancel_items_per_call_max = 10;

// -- factories (REQUIRES: 1 <= items.size() <= push_batch_max) ---------------

std::unique_ptr<push_job> make_shopify_job(const channel_account& account,
                                           std::vector<push_item> items);
std::unique_ptr<push_job> make_amazon_patch_job(const channel_account& account,
                                                push_item item);
std::unique_ptr<push_job> make_amazon_feed_job(const channel_account& account,
                                               std::vector<push_item> items);
std::unique_ptr<push_job> make_woocommerce_job(const channel_account& account,
                                               std::vector<push_item> items);
std::unique_ptr<push_job> make_ebay_job(const channel_account& account,
                                        std::vector<push_item> items);
std::unique_ptr<push_job> make_flipkart_job(const channel_account& account,
                                            std::vector<push_item> items);

// -- cancellation factories (REQUIRES: 1 <= items.size() <=
// cancel_batch_max) --------------------------------------------------------

std::unique_ptr<push_job>
make_shopify_cancel_job(const channel_account& account,
                        const cancel_item& item);
std::unique_ptr<push_job>
make_woocommerce_cancel_job(const channel_account& account,
                            const cancel_item& item);
std::unique_ptr<push_job> make_ebay_cancel_job(const channel_account& account,
                                               const cancel_item& item);
std::unique_ptr<push_job>
make_flipkart_cancel_job(const channel_account& account,
                         std::vector<cancel_item> items);
std::unique_ptr<push_job>
make_amazon_cancel_job(const channel_account& account,
                       std::vector<cancel_item> items);

// -- the shared job
// ------------------------------------------------------------

/// A job's bookkeeping: the request waiting for next(), which items are
/// decided, and reading answers without ever throwing. Kinds implement
/// read() and send() their first request (or decide every item) in their
/// constructor.
class job_base : public push_job {
public:
  std::optional<http_request> next() final;
  std::chrono::milliseconds delay() const final { return delay_; }
  void on_response(const http_response& resp) final;
  void on_transport_error(const std::string& why) final;

protected:
  job_base(channel_kind kind, std::size_t items);

  /// Reads the answer to the request sent last; may send() another. An
  /// exception (an answer of an unexpected shape) makes every undecided
  /// item `retry`.
  virtual void read(const http_response& resp) = 0;

  /// Makes `req` what next() returns, to be sent after `delay`.
  void send(http_request req,
            std::chrono::milliseconds delay = std::chrono::milliseconds{0});

  /// Decides an item once; later decisions of the same item are ignored
  /// (a channel answering twice for one item).
  void decide(std::size_t item, item_verdict verdict, std::string error = {});
  void decide_rest(item_verdict verdict, const std::string& error);
  bool decided(std::size_t item) const { return decided_[item]; }

  /// Records a 429: throttled(), and retry_after() from Retry-After.
  void note_throttle(const http_response& resp);

  /// A non-2xx answer refusing every undecided item: note_throttle() and
  /// the status policy above.
  void refuse(const http_response& resp, const std::string& error);

  /// "<kind> <code>: <message>".
  std::string error_text(std::string_view code, std::string_view message) const;

  /// The retry text of a 2xx whose body cannot be read.
  std::string unreadable(const http_response& resp, std::string_view why) const;

  const channel_kind kind_;

private:
  std::optional<http_request> next_;
  std::chrono::milliseconds delay_{0};
  std::vector<bool> decided_;
};

// -- helpers
// -------------------------------------------------------------------

/// The verdict the status policy above gives a non-2xx `status`.
item_verdict verdict_of_status(unsigned status);

inline bool is_2xx(unsigned status) {
  return status >= 200 && status < 300;
}

/// Retry-After in seconds ("2", "1.0"); nullopt when absent or a date.
std::optional<std::chrono::milliseconds>
retry_after_header(const http_response& resp);

/// The body as JSON; nullopt when it is not JSON.
std::optional<json> parse_json(const std::string& body);

/// Compact JSON; invalid UTF-8 (in a SKU, say) is replaced, not thrown.
std::string to_body(const json& j);

/// The member `key` of `j`, or nullptr when `j` is not an object or lacks
/// it (reading a channel's answer must not assume its shape).
const json* member(const json& j, const std::string& key);

/// A string as itself, anything else as compact JSON (error messages).
std::string text_of(const json& j);

/// An API request to the account's endpoint: `path` after base_path,
/// `body` as JSON with Content-Type application/json (null: no body).
http_request api_request(const channel_account& account, std::string method,
                         std::string_view path, const json& body = nullptr);

/// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode(std::string_view s);

std::string base64(std::string_view bytes);

/// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

/// The value of a decimal id ("123", or a gid ending in "/123").
std::optional<std::int64_t> numeric_id(std::string_view id);

} // namespace stockwire::wire_detail
