// Every message of the SKU core, in one place.
//
// Commands are imperative (place_order), replies are nouns (order_result),
// internal notifications past tense or atoms. Every command and reply
// carries its SKU. Types that cross the network have an inspect() overload
// and are registered by register_message_types(); journal traffic is
// node-local and whitelisted as unsafe (never serialized).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include "core/records.hpp"
#include "core/types.hpp"
#include "persistence/store.hpp"

namespace stockwire {

// -- commands (gateway/router -> region -> sku actor) -------------------------

/// Sell `qty` units of `sku`. Replies order_result or an error
/// (unknown_sku, id_conflict, store_unavailable).
struct place_order {
  std::string order_id;
  std::string sku;
  std::int64_t qty = 0;
  std::string channel;
};

/// Give back what order `order_id` took from `sku`. Replies cancel_result or
/// an error (unknown_sku, unknown_order, store_unavailable).
struct cancel_order {
  std::string order_id;
  std::string sku;
  std::string channel;
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

// -- inspection
// -------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, place_order& x) {
  return f(caf::meta::type_name("place_order"), x.order_id, x.sku, x.qty,
           x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_order& x) {
  return f(caf::meta::type_name("cancel_order"), x.order_id, x.sku, x.channel);
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

/// Registers every networked message type with `cfg` (same names on every
/// node, or remote_actor fails with an interface mismatch).
void register_message_types(caf::actor_system_config& cfg);

} // namespace stockwire

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stockwire::journal_entry)
