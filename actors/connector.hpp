// The connector actor of one channel account: keeps what that channel must
// show of every listed SKU and pushes it, coalesced, paced and retried.
//
// Accepts:
//   sku_changed       from SKU actors (after the commit) and from outbox
//                     (and, in poll mode, listing) recovery at start: the
//                     newest durable (version, available) of a listed SKU
//   listing_removed   the SKU is no longer listed here: forget it
//   order_oversold    an order this channel sold was rejected for lack of
//                     stock (after the commit of its cancel record, or
//                     recovered at start): cancel it on the channel
//   cancellations_moved  the SKU moved to another node with its cancel
//                     records (membership change): withdraw its lines not
//                     on the wire (the new owner's connector sends them)
//   get_channel_status -> connector_status (health, backlog, counters)
//   get_listing_status -> listing_status of that SKU | unknown_listing
//   get_oversells     -> oversell_report (totals, recent oversells and the
//                     state of their cancellations)
//   resync_channel    -> resync_result: push those SKUs (or all) again
//   set_budget_share  from the router after a membership change: pace by
//                     that share of the account's budget from now on
// Sends:
//   journal_entry     clear_outbox of acknowledged versions, delete_cancel
//                     of acknowledged cancellations (no reply used)
//   channel_metrics   to the metrics actor after each finished job and
//                     every second (lag samples, round trips, counters)
//
// Sync modes (connectors/channel.hpp): in event mode a change is pushed as
// soon as pacing allows; in poll mode changes only update what is owed,
// and every poll interval each listed SKU's current quantity is pushed
// (forced, through the same pacing, batching and retries). In both modes
// the correction of an oversell this channel took (sku_changed urgent),
// a resync and the retry of a failed push go at once.
//
// Cancellations (cancel_wire.hpp, cancellations.hpp): go before pushes,
// under the same pacing, circuit breaker and (Amazon) createFeed budget;
// transient failures back off like pushes, permanent ones are parked and
// logged; an acknowledged one deletes its durable records.
//
// Per SKU at most one push is in flight. While it is in flight, or while
// the rate limit, a backoff or the circuit breaker holds pushes back, newer
// changes only replace the pending value (coalescing): a flash sale of 500
// orders becomes a few pushes of the newest number. A push never carries a
// version older than the last acknowledged one. The channel's answer
// decides per SKU: acknowledged (lag recorded for every change it covers,
// outbox cleared), retry (backoff with jitter, or the channel's
// Retry-After), or parked (a permanent error; the listing waits for an
// operator: a new PUT of the listing or a resync un-parks it).
//
// Cluster: the node paces by its share of the account's budget
// (cluster/budget_share.hpp, `budget_share`): the token bucket's rate and
// burst, and Amazon's createFeed budget, are scaled by it (a burst never
// below one request's cost), and so is what the channel reports of its
// budget (Shopify's throttleStatus is the account's, not this node's). A
// new share rescales the buckets keeping the tokens they hold (never more
// than the new size). Per-listing caps (eBay) and concurrency are per node.
//
// Sync lag of a change, the same in both modes: from when the node
// received it (the SKU actor's clock) to when this channel acknowledged a
// push carrying it or a newer version (in poll mode mostly the wait for
// the next tick).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "connectors/channel.hpp"

namespace stockwire {

class http_client;

struct connector_config {
  channel_account account;
  // Client-side pacing, so the channel's own limit never answers 429:
  // a token bucket of `burst` tokens restored at `requests_per_s`, each
  // request costing `request_cost` (Shopify GraphQL: points per mutation).
  // requests_per_s 0: no client-side limit.
  double requests_per_s = 0;
  double burst = 1;
  double request_cost = 1;
  // This node's share of the account's budget (cluster/budget_share.hpp):
  // 1 on a single node, 1 / nodes in a cluster. 0 < budget_share <= 1.
  double budget_share = 1;
  // Jobs (requests) in flight at once for this account.
  std::size_t concurrency = 4;
  // eBay: per-listing revisions per UTC day (0: no cap), of which
  // `revisions_reserve` are kept for sell-outs and restocks from zero.
  std::int64_t revisions_per_day = 0;
  std::int64_t revisions_reserve = 20;
  // Consecutive failed jobs that open the circuit, and for how long.
  unsigned breaker_failures = 5;
  std::chrono::milliseconds breaker_open{30'000};
  // event: push on change; poll: push every listed SKU every interval.
  sync_mode sync = sync_mode::event;
  std::chrono::seconds poll_interval{300};
};

/// Spawns the connector of `cfg.account`. `client` is shared by all
/// connectors of the node; `journal` receives outbox clears; `metrics`
/// receives channel_metrics (may be invalid: no metrics).
caf::actor spawn_connector(caf::actor_system& sys, connector_config cfg,
                           std::shared_ptr<http_client> client,
                           caf::actor journal, caf::actor metrics);

} // namespace stockwire
