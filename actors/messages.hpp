// Every message of the SKU core, in one place.
//
// Commands are imperative (place_order), replies are nouns (order_result),
// internal notifications past tense or atoms. Every command and reply
// carries its SKU. Types that cross the network (between routers, and from
// stockctl to the admin actor) have an inspect() overload and are
// registered by register_message_types(); journal, SKU-to-connector and
// metrics-feed traffic is node-local and whitelisted as unsafe (never
// serialized).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "connectors/channel.hpp"
#include "core/records.hpp"
#include "core/types.hpp"
#include "persistence/store.hpp"

namespace stockwire {

// -- commands (gateway/router -> region -> sku actor) -------------------------

/// Sell `qty` units of `sku`. Replies order_result or an error
/// (unknown_sku, id_conflict, store_unavailable). `from_channel`: the
/// channel `channel` already sold it (the order came in through that
/// channel's webhook), so a rejection is an oversell: the order must be
/// cancelled on the channel (a cancel record is written with the
/// rejection). API callers are told "rejected" directly and leave it false.
struct place_order {
  std::string order_id;
  std::string sku;
  std::int64_t qty = 0;
  std::string channel;
  bool from_channel = false;
};

/// Give back what order `order_id` took from `sku`. Replies cancel_result or
/// an error (unknown_sku, unknown_order, store_unavailable). With
/// `void_if_unknown` (channel webhooks, delivered out of order), a cancel of
/// an order never seen records a tombstone instead of unknown_order: the
/// order, if it arrives later, is answered `voided` and takes nothing.
struct cancel_order {
  std::string order_id;
  std::string sku;
  std::string channel;
  bool void_if_unknown = false;
};

/// Set on_hand absolutely. Creates the SKU when it has no record. Replies
/// stock_result or an error (negative_stock, id_conflict, ...).
struct set_stock {
  std::string sku;
  std::int64_t on_hand = 0;
  std::string op_id;
  std::string source;
};

/// Change on_hand by `delta`. Replies stock_result or an error.
struct adjust_stock {
  std::string sku;
  std::int64_t delta = 0;
  std::string op_id;
  std::string source;
};

/// Read the committed stock. Replies stock_view or unknown_sku.
struct get_stock {
  std::string sku;
};

/// Read audit records, newest first, version <= from_version (0: newest).
/// Replies audit_page.
struct get_audit {
  std::string sku;
  std::uint32_t limit = 50;
  std::uint64_t from_version = 0;
};

/// Create or replace the listing of `sku` on channel account `channel`.
/// The SKU need not have stock yet. Replies listing_result or an error
/// (unknown_channel, store_unavailable).
struct put_listing {
  std::string sku;
  std::string channel;
  listing ids;
};

/// Remove the listing of `sku` on `channel` (and its pending push).
/// Replies listing_result (deleted) or unknown_listing.
struct delete_listing {
  std::string sku;
  std::string channel;
};

/// Read the committed listings of a SKU. Replies listing_set.
struct get_listings {
  std::string sku;
};

/// What channel `channel` has been told about `sku` (asked of its
/// connector). Replies listing_status or unknown_listing.
struct get_listing_status {
  std::string channel;
  std::string sku;
};

/// A connector's health and counters. Replies connector_status.
struct get_channel_status {
  std::string channel;
};

/// The oversells of `channel` and their cancellations (asked of its
/// connector). Replies oversell_report.
struct get_oversells {
  std::string channel;
};

/// Push the current quantity of `skus` (empty: every SKU the connector
/// knows) to `channel` again, un-parking them. Replies resync_result.
struct resync_channel {
  std::string channel;
  std::vector<std::string> skus;
};

/// Sync lag percentiles of every channel (metrics actor). Replies
/// lag_report.
struct get_lag {};

/// The Prometheus text of the node (metrics actor). Replies std::string.
struct get_metrics_text {};

// -- replies ------------------------------------------------------------------

struct order_result {
  std::string sku;
  std::string order_id;
  order_status status = order_status::accepted;
  std::int64_t available = 0;
  std::uint64_t version = 0;
  bool replayed = false;
};

struct cancel_result {
  std::string sku;
  std::string order_id;
  std::int64_t restored = 0; // units given back (0 for a rejected order)
  std::int64_t available = 0;
  std::uint64_t version = 0;
  bool replayed = false;
};

struct stock_result {
  std::string sku;
  std::string op_id;
  std::int64_t on_hand = 0;
  std::int64_t available = 0;
  std::uint64_t version = 0;
  bool replayed = false;
};

struct stock_view {
  std::string sku;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t available = 0;
  std::uint64_t version = 0;
  std::int64_t updated_at_ms = 0;
};

struct audit_page {
  std::string sku;
  std::vector<audit_record> records;
};

/// Look up every line of an order (committed state). Replies order_lines;
/// an order never seen has no lines.
struct find_order {
  std::string order_id;
};

struct order_line_info {
  std::string sku;
  std::int64_t qty = 0;
  order_status status = order_status::accepted;
  bool cancelled = false;
  std::string channel;
  std::int64_t created_at_ms = 0;
};

struct order_lines {
  std::string order_id;
  std::vector<order_line_info> lines;
};

struct listing_result {
  std::string sku;
  std::string channel;
  listing ids;
  bool created = false; // put: there was no listing before
  bool deleted = false; // delete
};

struct listing_set {
  std::string sku;
  std::vector<std::pair<std::string, listing>> listings; // (channel, ids)
};

/// Counters of a region (for benchmarks, the CLI and tests).
struct region_stats {
  std::uint64_t active = 0;     // live SKU actors
  std::uint64_t activated = 0;  // spawns since start
  std::uint64_t passivated = 0; // stops since start
  std::uint64_t stashed = 0;    // messages waiting for a stopping actor
};

/// Counters of the journal writer.
struct journal_stats {
  std::uint64_t batches = 0;
  std::uint64_t records = 0;
  std::uint64_t failed_batches = 0;
  std::uint64_t largest_batch = 0;
  std::uint64_t purged_dedup = 0;
  std::uint64_t commit_us_total = 0; // time spent in LMDB commits
  std::uint64_t commit_us_max = 0;
  std::string last_error;
};

// -- journal traffic (node-local)
// ----------------------------------------------

/// The records of one or more operations of one SKU (those gathered while
/// its mailbox held more commands), committed atomically with the records
/// of other SKUs in the same group transaction.
struct journal_entry {
  caf::strong_actor_ptr owner; // the SKU actor to notify
  std::string sku;
  std::uint64_t seq = 0; // seq of the newest operation; strictly increasing
  std::uint32_t ops = 0; // operations in `writes`
  write_batch writes;    // encoded by the SKU actor, not by the writer
};

// -- SKU actor -> connector (node-local) ---------------------------------------

/// The durable state of `sku` a channel must show. Sent after the commit of
/// a change (received_ns: when the node received each change it carries,
/// for sync lag), or with `force` when the channel must be told again even
/// at an acknowledged version (an order from that channel, a new listing,
/// a resync). `urgent` (with force): the correction of an oversell that
/// channel took, told at once even by a connector in poll mode.
struct sku_changed {
  std::string sku;
  listing ids;
  std::int64_t available = 0;
  std::uint64_t version = 0;
  std::vector<std::int64_t> received_ns;
  bool force = false;
  bool urgent = false;
};

/// Order `order_id`, sold by this channel, was rejected for lack of stock
/// of `sku` (an oversell): the channel must cancel it. Sent after the
/// commit holding its cancel record, and at start for every record still
/// pending (`recovered`: counted by the process that rejected it).
struct order_oversold {
  std::string sku;
  std::string order_id;
  std::int64_t qty = 0;
  std::int64_t at_ms = 0;
  bool recovered = false;
};

/// The listing of `sku` on this channel is gone: drop anything pending.
struct listing_removed {
  std::string sku;
};

// -- connectors and metrics (node-local) ----------------------------------------

/// What a connector pushed since its last report, plus its current gauges.
struct channel_metrics {
  std::string channel;
  std::vector<std::int64_t> lag_us; // one per change acknowledged
  std::vector<std::int64_t> rtt_us; // one per request answered or failed
  std::uint64_t acked = 0;          // SKU pushes acknowledged
  std::uint64_t retried = 0;        // SKU pushes to retry
  std::uint64_t parked = 0;         // SKU pushes parked (permanent error)
  std::uint64_t throttled = 0;      // requests refused by the rate limit
  std::uint64_t requests = 0;       // requests answered (any status)
  std::uint64_t transport_errors = 0; // requests with no answer
  std::uint64_t backlog = 0;          // SKUs waiting to be pushed (gauge)
  std::uint64_t parked_listings = 0;  // listings parked now (gauge)
  std::uint64_t inflight = 0;         // jobs in flight (gauge)
  std::string breaker;                // closed | open | half_open
  std::uint64_t oversells = 0;        // oversold lines noticed
  std::uint64_t oversold_units = 0;
  std::uint64_t cancels_sent = 0; // cancellation attempts
  std::uint64_t cancels_acked = 0;
  std::uint64_t cancels_retried = 0;
  std::uint64_t cancels_parked = 0;
  std::uint64_t cancels_pending = 0; // orders not acknowledged (gauge)
};

/// One recent oversold line and its order's cancellation on the channel.
struct oversell_record {
  std::string channel;
  std::string order_id; // the core's ("<channel>:<channel's order id>")
  std::string sku;
  std::int64_t qty = 0;
  std::int64_t at_ms = 0;
  std::string cancellation; // pending | acknowledged | parked
  std::string last_error;   // the channel's last refusal, if any
};

/// A channel's oversells since start and where their cancellations stand.
struct oversell_report {
  std::string channel;
  std::uint64_t oversells = 0; // oversold order lines
  std::uint64_t oversold_units = 0;
  std::uint64_t cancellations_pending = 0; // orders not acknowledged yet
  std::uint64_t cancellations_sent = 0;    // attempts
  std::uint64_t cancellations_acknowledged = 0;
  std::uint64_t cancellations_parked = 0;
  std::vector<oversell_record> recent; // newest first
};

struct resync_result {
  std::string channel;
  std::uint64_t queued = 0; // SKUs that will be pushed again
  std::vector<std::string> unknown; // asked-for SKUs the connector lacks
};

/// Sync lag percentiles of one channel, in microseconds: over the last
/// minute and since start.
struct lag_summary {
  std::string channel;
  std::uint64_t window_count = 0;
  std::uint64_t window_p50 = 0, window_p90 = 0, window_p99 = 0,
                window_p999 = 0, window_max = 0;
  std::uint64_t total_count = 0;
  std::uint64_t total_p50 = 0, total_p90 = 0, total_p99 = 0, total_p999 = 0,
                total_max = 0;
  bool alert = false; // window p99 above the configured threshold
};

struct lag_report {
  std::vector<lag_summary> channels;
};

/// A connector's health and counters since start.
struct connector_status {
  std::string channel;
  std::string kind;
  std::string breaker;
  std::uint64_t listings = 0; // SKUs it knows
  std::uint64_t backlog = 0;
  std::uint64_t inflight = 0;
  std::uint64_t parked_listings = 0;
  std::uint64_t acked = 0;
  std::uint64_t retried = 0;
  std::uint64_t parked = 0;
  std::uint64_t throttled = 0;
  std::uint64_t requests = 0;
  double rate_available = -1; // request budget left (-1: unlimited)
  std::string last_error;
  std::string sync;                  // event | poll
  std::uint64_t poll_interval_s = 0; // poll mode only
  std::uint64_t cancellations_pending = 0;
};

/// What one channel has been told about one SKU.
struct listing_status {
  std::string channel;
  std::string sku;
  std::uint64_t version = 0;        // newest durable version known
  std::int64_t target = 0;          // quantity the channel should show
  std::uint64_t acked_version = 0;  // newest version the channel acked
  std::int64_t shown = -1;          // quantity acked (-1: unknown)
  std::uint64_t pushed_version = 0; // version of the push in flight or last
  bool pending = false;             // a push is owed
  bool inflight = false;
  bool parked = false;
  std::string last_error;
  std::int64_t last_lag_us = -1;
  std::int64_t last_ack_ms = 0;
};

/// Why `sku` lives on the node it lives on (admin actor; `stockctl
/// cluster owner`). Replies placement_info.
struct get_placement {
  std::string sku;
};

/// The ring's explain() of one SKU, flattened for the wire. A single node
/// answers with a one-member ring of itself (clustered = false).
struct placement_info {
  std::string sku;
  std::uint64_t hash = 0;
  std::uint32_t shard = 0;
  std::uint32_t shard_count = 0;
  std::string owner_id;
  std::string owner_host;
  std::uint16_t owner_port = 0;
  std::uint64_t owner_weight = 0;
  std::string runner_up_id; // empty on a one-node ring
  std::uint64_t runner_up_weight = 0;
  std::uint64_t epoch = 0;
  bool clustered = false;
};

// -- atoms
// ------------------------------------------------------------------------

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;
using committed_atom = caf::atom_constant<caf::atom("committed")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using stopped_atom = caf::atom_constant<caf::atom("stopped")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using pump_atom = caf::atom_constant<caf::atom("pump")>;
using step_atom = caf::atom_constant<caf::atom("step")>;
using answer_atom = caf::atom_constant<caf::atom("answer")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
// A connector in poll mode: push every listed SKU now.
using poll_atom = caf::atom_constant<caf::atom("poll")>;
// (forward_atom, epoch, origin node id, command): a command routed to the
// node that owns its SKU (actors/router.hpp).
using forward_atom = caf::atom_constant<caf::atom("forward")>;

// -- inspection
// -------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, place_order& x) {
  return f(caf::meta::type_name("place_order"), x.order_id, x.sku, x.qty,
           x.channel, x.from_channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_order& x) {
  return f(caf::meta::type_name("cancel_order"), x.order_id, x.sku, x.channel,
           x.void_if_unknown);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_stock& x) {
  return f(caf::meta::type_name("set_stock"), x.sku, x.on_hand, x.op_id,
           x.source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adjust_stock& x) {
  return f(caf::meta::type_name("adjust_stock"), x.sku, x.delta, x.op_id,
           x.source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_stock& x) {
  return f(caf::meta::type_name("get_stock"), x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_audit& x) {
  return f(caf::meta::type_name("get_audit"), x.sku, x.limit, x.from_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_result& x) {
  return f(caf::meta::type_name("order_result"), x.sku, x.order_id, x.status,
           x.available, x.version, x.replayed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_result& x) {
  return f(caf::meta::type_name("cancel_result"), x.sku, x.order_id, x.restored,
           x.available, x.version, x.replayed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stock_result& x) {
  return f(caf::meta::type_name("stock_result"), x.sku, x.op_id, x.on_hand,
           x.available, x.version, x.replayed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stock_view& x) {
  return f(caf::meta::type_name("stock_view"), x.sku, x.on_hand, x.reserved,
           x.available, x.version, x.updated_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_record& x) {
  return f(caf::meta::type_name("audit_record"), x.version, x.op_id, x.kind,
           x.source, x.delta, x.on_hand_after, x.available_after, x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_page& x) {
  return f(caf::meta::type_name("audit_page"), x.sku, x.records);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_order& x) {
  return f(caf::meta::type_name("find_order"), x.order_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_line_info& x) {
  return f(caf::meta::type_name("order_line_info"), x.sku, x.qty, x.status,
           x.cancelled, x.channel, x.created_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_lines& x) {
  return f(caf::meta::type_name("order_lines"), x.order_id, x.lines);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocation& x) {
  return f(caf::meta::type_name("allocation"), x.buffer, x.percent, x.max);
}

// CAF 0.17 has no inspector for std::optional: the allocation travels as a
// flag and a value (a default one when absent), and loading rebuilds the
// optional from both once they are read.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listing& x) {
  bool has_alloc = x.alloc.has_value();
  auto alloc = x.alloc.value_or(allocation{});
  return f(caf::meta::type_name("listing"), x.item_id, x.location_id,
           x.variation_id, x.seller_id, x.marketplace_id, x.product_type,
           has_alloc, alloc, caf::meta::load_callback([&] {
             x.alloc.reset();
             if (has_alloc)
               x.alloc = alloc;
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_listing& x) {
  return f(caf::meta::type_name("put_listing"), x.sku, x.channel, x.ids);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_listing& x) {
  return f(caf::meta::type_name("delete_listing"), x.sku, x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_listings& x) {
  return f(caf::meta::type_name("get_listings"), x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listing_result& x) {
  return f(caf::meta::type_name("listing_result"), x.sku, x.channel, x.ids,
           x.created, x.deleted);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listing_set& x) {
  return f(caf::meta::type_name("listing_set"), x.sku, x.listings);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, region_stats& x) {
  return f(caf::meta::type_name("region_stats"), x.active, x.activated,
           x.passivated, x.stashed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_stats& x) {
  return f(caf::meta::type_name("journal_stats"), x.batches, x.records,
           x.failed_batches, x.largest_batch, x.purged_dedup, x.commit_us_total,
           x.commit_us_max, x.last_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_listing_status& x) {
  return f(caf::meta::type_name("get_listing_status"), x.channel, x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listing_status& x) {
  return f(caf::meta::type_name("listing_status"), x.channel, x.sku, x.version,
           x.target, x.acked_version, x.shown, x.pushed_version, x.pending,
           x.inflight, x.parked, x.last_error, x.last_lag_us, x.last_ack_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_channel_status& x) {
  return f(caf::meta::type_name("get_channel_status"), x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connector_status& x) {
  return f(caf::meta::type_name("connector_status"), x.channel, x.kind,
           x.breaker, x.listings, x.backlog, x.inflight, x.parked_listings,
           x.acked, x.retried, x.parked, x.throttled, x.requests,
           x.rate_available, x.last_error, x.sync, x.poll_interval_s,
           x.cancellations_pending);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_oversells& x) {
  return f(caf::meta::type_name("get_oversells"), x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, oversell_record& x) {
  return f(caf::meta::type_name("oversell_record"), x.channel, x.order_id,
           x.sku, x.qty, x.at_ms, x.cancellation, x.last_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, oversell_report& x) {
  return f(caf::meta::type_name("oversell_report"), x.channel, x.oversells,
           x.oversold_units, x.cancellations_pending, x.cancellations_sent,
           x.cancellations_acknowledged, x.cancellations_parked, x.recent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resync_channel& x) {
  return f(caf::meta::type_name("resync_channel"), x.channel, x.skus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resync_result& x) {
  return f(caf::meta::type_name("resync_result"), x.channel, x.queued,
           x.unknown);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_lag&) {
  return f(caf::meta::type_name("get_lag"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lag_summary& x) {
  return f(caf::meta::type_name("lag_summary"), x.channel, x.window_count,
           x.window_p50, x.window_p90, x.window_p99, x.window_p999,
           x.window_max, x.total_count, x.total_p50, x.total_p90, x.total_p99,
           x.total_p999, x.total_max, x.alert);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lag_report& x) {
  return f(caf::meta::type_name("lag_report"), x.channels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_placement& x) {
  return f(caf::meta::type_name("get_placement"), x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, placement_info& x) {
  return f(caf::meta::type_name("placement_info"), x.sku, x.hash, x.shard,
           x.shard_count, x.owner_id, x.owner_host, x.owner_port,
           x.owner_weight, x.runner_up_id, x.runner_up_weight, x.epoch,
           x.clustered);
}

/// Registers every networked message type with `cfg` (same names on every
/// node, or remote_actor fails with an interface mismatch).
void register_message_types(caf::actor_system_config& cfg);

} // namespace stockwire

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::journal_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::sku_changed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::listing_removed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::order_oversold)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::channel_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::get_metrics_text)
