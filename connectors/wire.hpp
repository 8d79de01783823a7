// The channels' wire formats, as pure code: a push_job turns the pending
// quantities of some SKUs into the HTTP request(s) a channel's real API
// expects, and reads the channel's answers into one verdict per SKU.
//
// A job is a small state machine driven by the connector actor:
//
//   auto job = make_push_job(account, items);
//   while (auto req = job->next()) {       // nothing more: job finished
//     wait job->delay();                   // e.g. Amazon feed polling
//     send *req; job->on_response(resp) or job->on_transport_error(why);
//   }
//   job->results()                         // one per item, same order
//
// Kinds (facts: ../shared/channels.md):
//   shopify      GraphQL inventorySetQuantities with @idempotent(key:) and
//                changeFromQuantity (>= 2026-01) / compareQuantity (older);
//                or REST inventory_levels/set.json (shopify_api = "rest").
//                GraphQL: <= 100 SKUs per job, one mutation (plus <= 2
//                follow-ups after a refusal: it is atomic). REST: one SKU.
//   amazon       patchListingsItem on fulfillment_availability (one SKU per
//                job), or a JSON_LISTINGS_FEED (create document, upload,
//                create feed, poll, read the processing report) for many.
//   woocommerce  products/batch, <= 100 updates per job, per-item errors.
//   ebay         bulk_update_price_quantity, <= 25 entries, per-entry status.
//   flipkart     listings/v3/update/inventory, map keyed by SKU, per-SKU
//                status.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/channel.hpp"

namespace stockwire {

/// One SKU to push: the quantity the channel must show, the SKU version it
/// carries, and (when known) what the channel showed after our last
/// acknowledged push (Shopify compare-and-set).
struct push_item {
  std::string sku;
  listing ids;
  std::int64_t quantity = 0;
  std::uint64_t version = 0;
  std::optional<std::int64_t> shown_before;
  // Tells pushes of the same input apart: a forced re-push (an oversell
  // correction, a resync) must be applied again, so Shopify's idempotency
  // key includes it; the requests of one push share it.
  std::uint64_t push_id = 0;
};

enum class item_verdict : std::uint8_t {
  acked = 1,  // the channel accepted the quantity
  retry = 2,  // transient (429, 5xx, timeout, throttled): try again later
  parked = 3, // permanent (bad credentials, unknown item, invalid value):
              // retrying cannot fix it; an operator must
};

struct item_result {
  item_verdict verdict = item_verdict::retry;
  std::string error; // empty when acked: the channel's code and message
};

/// Rate-limit state a channel reported in its answer, when it does
/// (Shopify GraphQL throttleStatus, X-Shopify-Shop-Api-Call-Limit,
/// x-amzn-RateLimit-Limit). Amazon reports only its rate: available and
/// maximum are 0 there, meaning unknown.
struct budget_report {
  double available = 0;     // points/requests left now
  double maximum = 0;       // bucket size
  double restore_per_s = 0; // refill rate (0: unknown)
};

class push_job {
public:
  virtual ~push_job() = default;

  /// The next request to send, or nullopt when the job is finished.
  virtual std::optional<http_request> next() = 0;

  /// How long to wait before sending what next() returns (0 normally;
  /// the poll interval while an Amazon feed is processed).
  virtual std::chrono::milliseconds delay() const {
    return std::chrono::milliseconds{0};
  }

  /// The channel's answer to the request next() returned last.
  virtual void on_response(const http_response& resp) = 0;

  /// The request next() returned last got no answer (connect refused,
  /// timeout, reset). Items not yet decided become `retry` with `why`.
  virtual void on_transport_error(const std::string& why) = 0;

  /// One result per item, in the order of the items given. Valid once
  /// next() returned nullopt.
  const std::vector<item_result>& results() const { return results_; }

  /// True when the channel refused for rate limiting (429, THROTTLED).
  bool throttled() const { return throttled_; }

  /// The channel's Retry-After (or equivalent), when it sent one.
  std::optional<std::chrono::milliseconds> retry_after() const {
    return retry_after_;
  }

  /// Rate-limit state the channel reported, when it did.
  std::optional<budget_report> budget() const { return budget_; }

  /// Requests this job has sent (for rate accounting and metrics).
  std::size_t requests_sent() const { return requests_sent_; }

protected:
  std::vector<item_result> results_;
  bool throttled_ = false;
  std::optional<std::chrono::milliseconds> retry_after_;
  std::optional<budget_report> budget_;
  std::size_t requests_sent_ = 0;
};

/// The most items one job of `account` may carry when `pending` SKUs wait
/// (Shopify GraphQL 100, REST 1; Amazon 1, or up to 10,000 in a feed when
/// pending >= amazon_feed_min_skus; WooCommerce 100; eBay 25; Flipkart 10).
std::size_t push_batch_max(const channel_account& account,
                           std::size_t pending);

/// A job pushing `items` (1..push_batch_max of them, distinct SKUs).
std::unique_ptr<push_job> make_push_job(const channel_account& account,
                                        std::vector<push_item> items);

} // namespace stockwire
