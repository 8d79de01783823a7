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

#include "cluster/membership.hpp"
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
/// knows, and send its parked cancellations again) to `channel`,
/// un-parking them. Replies resync_result.
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

// -- journal traffic (node-local) ---------------------------------------------

/// The records of one or more operations of one SKU (those gathered while
/// its mailbox held more commands), committed atomically with the records
/// of other SKUs in the same group transaction.
struct journal_entry {
  caf::strong_actor_ptr owner; // the SKU actor to notify
  std::string sku;
  std::uint64_t seq = 0; // seq of the newest operation; strictly increasing
  std::uint32_t ops = 0; // operations in `writes`
  write_batch writes;    // encoded by the SKU actor, not by the writer
  // With a write-ahead log: acknowledge the entry from the log (SKU
  // actors, which then watch wal::released_lsn() for the store to hold
  // it); false: commit it to the store first (owners that read the store
  // without tracking what it lacks: connectors, the handoff actor).
  bool via_log = false;
};

// -- SKU actor -> connector (node-local) --------------------------------------

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

/// The pending cancellations of `sku` moved to its new owner with the
/// SKU's records (a membership change, actors/handoff.hpp): that node's
/// connector sends them now, this one withdraws those not on the wire.
struct cancellations_moved {
  std::string sku;
};

/// Node-local (the router, after it accepted a membership change, to every
/// connector): pace by `share` of the channel account's budget from now on
/// (cluster/budget_share.hpp). No reply.
struct set_budget_share {
  double share = 1;
};

// -- connectors and metrics (node-local) --------------------------------------

/// What a connector pushed since its last report, plus its current gauges.
struct channel_metrics {
  std::string channel;
  std::vector<std::int64_t> lag_us;   // one per change acknowledged
  std::vector<std::int64_t> rtt_us;   // one per request answered or failed
  std::uint64_t acked = 0;            // SKU pushes acknowledged
  std::uint64_t retried = 0;          // SKU pushes to retry
  std::uint64_t parked = 0;           // SKU pushes parked (permanent error)
  std::uint64_t throttled = 0;        // requests refused by the rate limit
  std::uint64_t requests = 0;         // requests answered (any status)
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
  double budget_share = 1; // of the account's budget, this node's (gauge)
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
  std::uint64_t queued = 0;         // SKUs that will be pushed again
  std::vector<std::string> unknown; // asked-for SKUs the connector lacks
  // Whole channel only: parked cancellations of oversold orders that will
  // be sent again.
  std::uint64_t cancellations_requeued = 0;
};

/// Sync lag percentiles of one channel, in microseconds: over the last
/// minute and since start.
struct lag_summary {
  std::string channel;
  std::uint64_t window_count = 0;
  std::uint64_t window_p50 = 0, window_p90 = 0, window_p99 = 0, window_p999 = 0,
                window_max = 0;
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
  // SKUs waiting out a retry backoff or the channel's rate limit (429)
  // before their next push.
  std::uint64_t backing_off = 0;
  double rate_max = -1; // size of the request budget (-1: unlimited)
  std::string sync;     // event | poll
  std::uint64_t poll_interval_s = 0; // poll mode only
  std::uint64_t cancellations_pending = 0;
  // This node's share of the account's budget (1: all of it) and the rate
  // its bucket restores (its share, less the safety margin; -1: unlimited).
  double budget_share = 1;
  double requests_per_s = -1;
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
  // While a membership change is under way ([cluster.previous] is set):
  // the SKU's owner by the previous ring (it moves from there if it is
  // another node) and that ring's epoch; empty and 0 otherwise.
  std::string previous_owner_id;
  std::uint64_t previous_epoch = 0;
  bool clustered = false;
};

// -- membership changes (actors/handoff.hpp) ----------------------------------
//
// Between nodes, each relayed by the sender's router to the router of node
// `to`, which hands it to its handoff actor. Every one carries the sender's
// epoch and is refused by a receiver at another epoch.

/// Write these SKUs (the sender's complete records of each) on `to`, their
/// owner at `epoch`, in one transaction. Replies import_ack once durable.
/// A SKU `to` already holds is not written again (an earlier import of it
/// was committed but its acknowledgement lost): it is acknowledged too.
struct import_skus {
  std::uint64_t epoch = 0;
  std::string from;
  std::string to;
  std::vector<sku_bundle> bundles;
};

/// The SKUs the receiver of import_skus now holds durably: the sender may
/// delete its copies.
struct import_ack {
  std::uint64_t epoch = 0;
  std::vector<std::string> skus;
};

/// Asked by `from`, the owner of `sku` at `epoch`, of `to`, its owner by the
/// previous ring: hand it over now. Replies pull_result once the SKU is
/// durable on `from` (found) or when `to` does not hold it (not found).
struct pull_sku {
  std::uint64_t epoch = 0;
  std::string from;
  std::string to;
  std::string sku;
};

struct pull_result {
  std::string sku;
  bool found = false;
};

/// Asked by `from` of `to`: has `to` handed off every SKU it does not own
/// at `epoch`? Replies handoff_progress.
struct handoff_poll {
  std::uint64_t epoch = 0;
  std::string from;
  std::string to;
};

struct handoff_progress {
  std::uint64_t epoch = 0;
  std::string node;
  bool sweep_done = false; // holds nothing it does not own
};

/// This node's view of a membership change (GET /v1/cluster). Replies
/// cluster_status.
struct get_cluster_status {};

struct cluster_status {
  std::string node;
  bool clustered = false;
  std::uint64_t epoch = 0;
  std::uint64_t previous_epoch = 0;     // 0: no [cluster.previous]
  bool member = false;                  // false: leaving
  std::vector<std::string> members;     // of the current ring
  bool sweep_done = false;              // holds only SKUs it owns
  bool inbound_complete = false;        // every SKU it owns is here
  std::vector<std::string> waiting_for; // previous owners not done yet
  std::uint64_t moved_out = 0;          // SKUs handed off since start
  std::uint64_t moved_in = 0;           // SKUs received since start
  std::uint64_t pulls = 0;              // SKUs asked for on demand
  std::uint64_t failed_pushes = 0;      // hand-offs to retry
  std::string last_error;
};

/// SKUs this node's store holds (whatever the ring says), sorted, after
/// `after`. Replies held_sku_page.
struct list_held_skus {
  std::string after;
  std::uint32_t limit = 1000;
};

struct held_sku_page {
  std::vector<std::string> skus;
  bool more = false;
};

/// Node-local (the daemon, on SIGHUP, to the router): route by `next` from
/// now on. Replies unit, or invalid_argument saying why it was refused.
struct change_membership {
  cluster::membership next;
};

/// Node-local (the admin actor to the router): the membership the router
/// routes by now, a SIGHUP change included. Replies cluster::membership.
/// Local only, so that nothing but the node's own actors can ask it.
struct get_membership {};

// -- stockctl: SKU actors, node and cluster reports (actors/admin.hpp,
// actors/inspector.hpp, actors/router.hpp) ------------------------------------

/// Whether `sku` has a live actor and how busy it is. Asked of the region
/// of the SKU's owner (routed like any SKU command); never activates the
/// SKU. Replies sku_activity.
struct get_sku_activity {
  std::string sku;
};

/// A SKU actor's activity. The actor answers for itself, so `mailbox`
/// counts the messages that arrived behind the query (everything before it
/// has been handled): how far behind it is at that moment.
struct sku_activity {
  std::string sku;
  bool active = false;       // a live actor (else passivated: on disk only)
  bool passivating = false;  // being passivated right now
  std::uint64_t mailbox = 0; // messages waiting in its mailbox
  std::uint64_t pending = 0; // operations applied, waiting for their commit
};

/// One histogram (metrics::histogram) on the wire: the non-empty buckets,
/// ascending by index, and the exact extremes and sum.
struct histogram_data {
  std::uint32_t precision_bits = 0;
  std::vector<std::uint64_t> indexes;
  std::vector<std::uint64_t> counts; // one per index
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  std::uint64_t sum = 0;
};

/// The sync lag histograms of one channel on one node, in microseconds.
struct channel_lag {
  std::string channel;
  histogram_data last_minute;
  histogram_data since_start;
};

/// The raw lag histograms of every channel (metrics actor), so that a
/// cluster's figures can be merged exactly. Replies lag_histograms.
struct get_lag_histograms {};

struct lag_histograms {
  std::vector<channel_lag> channels;
};

/// One node's own state (the node's inspector): counters, connectors, lag
/// histograms, SKU actors; with `count_skus` also its stored SKUs (one seek
/// per SKU, so only when asked). Replies node_report.
struct get_node_report {
  bool count_skus = false;
};

struct node_report {
  std::string node;
  // Stored SKUs (a stock record in this node's store) that the ring gives
  // to this node, and to another one (0 unless membership changed under
  // the data); -1: not counted.
  std::int64_t skus_owned = -1;
  std::int64_t skus_foreign = -1;
  std::uint64_t skus_active = 0; // live SKU actors
  // Since the node started (node_counters.hpp).
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t orders_replayed = 0;
  std::uint64_t cancels = 0;
  std::uint64_t stock_changes = 0;
  std::vector<connector_status> channels; // sorted by channel
  std::vector<channel_lag> lag;
  // The node's view of the membership change (its handoff actor, added by
  // its router): epoch, leaving or not, whether its move is settled.
  // clustered = false on a single node.
  cluster_status move;
};

/// A member of the cluster as the node asked sees it.
struct member_status {
  std::string id;
  std::string host;
  std::uint16_t port = 0;
  std::uint32_t shards = 0; // of the ring's shard_count
  bool self = false;        // the node that answered
  bool reachable = false;   // connected, and answered this query
  std::string error;        // why not, when not reachable
  bool leaving = false;     // in [cluster.previous] only: moving its SKUs
  bool left = false;        // leaving, and not asked: the move is complete
                            // on the node that answered (see router.hpp)
};

/// Every member's node_report, asked through the router (a single node
/// answers for itself). Replies cluster_report.
struct get_cluster_report {
  bool count_skus = false;
};

struct cluster_report {
  std::string self;
  std::uint64_t epoch = 0;
  std::uint64_t previous_epoch = 0; // [cluster.previous]; 0: none
  std::uint32_t shard_count = 0;
  bool clustered = false;
  std::vector<member_status> members; // sorted by id
  std::vector<node_report> reports;   // of the reachable members
};

/// resync_channel on every member's connector of `channel` (each knows
/// the SKUs its node owns). Replies resync_report.
struct resync_cluster {
  std::string channel;
  std::vector<std::string> skus; // empty: every SKU
};

struct node_resync {
  std::string node;
  resync_result result;
};

struct resync_report {
  std::string channel;
  std::vector<member_status> members;
  std::vector<node_resync> results; // of the reachable members
};

// -- atoms --------------------------------------------------------------------

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
/// (catch_up_atom) -> unit: to the journal, once the store holds every
/// entry acknowledged before it (a read waits for the applier's next
/// scheduled commit instead of forcing one, as drain_atom does).
using catch_up_atom = caf::atom_constant<caf::atom("catchup")>;
/// (await_store_atom) -> unit: as catch_up_atom, but while the applier's
/// commits fail it waits for one that succeeds instead of failing (what a
/// SKU actor's audit read, stop or reload waits for).
using await_store_atom = caf::atom_constant<caf::atom("awaitstore")>;
using pump_atom = caf::atom_constant<caf::atom("pump")>;
using step_atom = caf::atom_constant<caf::atom("step")>;
using answer_atom = caf::atom_constant<caf::atom("answer")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
/// (store_commit_atom, ops, commit_us, ok): the journal's applier to the
/// metrics actor, per commit to the store (write-ahead log on).
using store_commit_atom = caf::atom_constant<caf::atom("storecmt")>;
// A connector in poll mode: push every listed SKU now.
using poll_atom = caf::atom_constant<caf::atom("poll")>;
// (forward_atom, epoch, origin node id, command): a command routed to the
// node that owns its SKU (actors/router.hpp).
using forward_atom = caf::atom_constant<caf::atom("forward")>;
// Region: (release_atom, skus) -> unit once none of them has a live actor;
// commands for them are refused as moving until (unrelease_atom, skus).
using release_atom = caf::atom_constant<caf::atom("release")>;
using unrelease_atom = caf::atom_constant<caf::atom("unrelease")>;
// Handoff -> router: (moved_atom, epoch, sweep_done, inbound_complete).
using moved_atom = caf::atom_constant<caf::atom("moved")>;
// Handoff's own timer: sweep and poll again.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// -- inspection ---------------------------------------------------------------

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
           x.rate_available, x.last_error, x.backing_off, x.rate_max, x.sync,
           x.poll_interval_s, x.cancellations_pending, x.budget_share,
           x.requests_per_s);
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
           x.unknown, x.cancellations_requeued);
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
           x.previous_owner_id, x.previous_epoch, x.clustered);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sku_bundle& x) {
  return f(caf::meta::type_name("sku_bundle"), x.sku, x.sku_records, x.dedup,
           x.listings, x.outbox, x.cancels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, import_skus& x) {
  return f(caf::meta::type_name("import_skus"), x.epoch, x.from, x.to,
           x.bundles);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, import_ack& x) {
  return f(caf::meta::type_name("import_ack"), x.epoch, x.skus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pull_sku& x) {
  return f(caf::meta::type_name("pull_sku"), x.epoch, x.from, x.to, x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pull_result& x) {
  return f(caf::meta::type_name("pull_result"), x.sku, x.found);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_poll& x) {
  return f(caf::meta::type_name("handoff_poll"), x.epoch, x.from, x.to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_progress& x) {
  return f(caf::meta::type_name("handoff_progress"), x.epoch, x.node,
           x.sweep_done);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_cluster_status&) {
  return f(caf::meta::type_name("get_cluster_status"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_status& x) {
  return f(caf::meta::type_name("cluster_status"), x.node, x.clustered, x.epoch,
           x.previous_epoch, x.member, x.members, x.sweep_done,
           x.inbound_complete, x.waiting_for, x.moved_out, x.moved_in, x.pulls,
           x.failed_pushes, x.last_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_held_skus& x) {
  return f(caf::meta::type_name("list_held_skus"), x.after, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, held_sku_page& x) {
  return f(caf::meta::type_name("held_sku_page"), x.skus, x.more);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_sku_activity& x) {
  return f(caf::meta::type_name("get_sku_activity"), x.sku);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sku_activity& x) {
  return f(caf::meta::type_name("sku_activity"), x.sku, x.active, x.passivating,
           x.mailbox, x.pending);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, histogram_data& x) {
  return f(caf::meta::type_name("histogram_data"), x.precision_bits, x.indexes,
           x.counts, x.min, x.max, x.sum);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_lag& x) {
  return f(caf::meta::type_name("channel_lag"), x.channel, x.last_minute,
           x.since_start);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_lag_histograms&) {
  return f(caf::meta::type_name("get_lag_histograms"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lag_histograms& x) {
  return f(caf::meta::type_name("lag_histograms"), x.channels);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_node_report& x) {
  return f(caf::meta::type_name("get_node_report"), x.count_skus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("node_report"), x.node, x.skus_owned,
           x.skus_foreign, x.skus_active, x.orders_accepted, x.orders_rejected,
           x.orders_replayed, x.cancels, x.stock_changes, x.channels, x.lag,
           x.move);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_status& x) {
  return f(caf::meta::type_name("member_status"), x.id, x.host, x.port,
           x.shards, x.self, x.reachable, x.error, x.leaving, x.left);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_cluster_report& x) {
  return f(caf::meta::type_name("get_cluster_report"), x.count_skus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_report& x) {
  return f(caf::meta::type_name("cluster_report"), x.self, x.epoch,
           x.previous_epoch, x.shard_count, x.clustered, x.members, x.reports);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resync_cluster& x) {
  return f(caf::meta::type_name("resync_cluster"), x.channel, x.skus);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_resync& x) {
  return f(caf::meta::type_name("node_resync"), x.node, x.result);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resync_report& x) {
  return f(caf::meta::type_name("resync_report"), x.channel, x.members,
           x.results);
}

/// Registers every networked message type with `cfg` (same names on every
/// node, or remote_actor fails with an interface mismatch).
void register_message_types(caf::actor_system_config& cfg);

} // namespace stockwire

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::journal_entry)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::sku_changed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::listing_removed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::order_oversold)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::cancellations_moved)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::set_budget_share)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::channel_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::get_metrics_text)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::change_membership)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::get_membership)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::cluster::membership)
