// The records the SKU core writes for every operation. Plain structs: the
// persistence layer encodes them (see persistence/FORMAT.md), the actors
// build them, the pure rules in stock.hpp decide them.
#pragma once

#include <cstdint>
#include <string>

#include "core/types.hpp"

namespace stockwire {

/// What an operation id resolved to. Written in the same transaction as the
/// stock change it caused, so a retry always finds the original answer.
struct dedup_record {
  op_kind kind = op_kind::order;
  order_status status = order_status::accepted; // orders only
  std::int64_t amount = 0; // order qty, set on_hand, or adjust delta
  std::string channel;     // order channel, or source of a set/adjust
  std::int64_t on_hand_after = 0;
  std::int64_t available_after = 0;
  std::uint64_t version_after = 0;
  bool cancelled = false;           // orders: a cancel restored this order
  std::uint64_t cancel_version = 0; // version the cancel produced
  std::int64_t cancel_available_after = 0; // what the cancel answered
  std::int64_t created_at_ms = 0;

  friend bool operator==(const dedup_record& x, const dedup_record& y) {
    return x.kind == y.kind && x.status == y.status && x.amount == y.amount &&
           x.channel == y.channel && x.on_hand_after == y.on_hand_after &&
           x.available_after == y.available_after &&
           x.version_after == y.version_after && x.cancelled == y.cancelled &&
           x.cancel_version == y.cancel_version &&
           x.cancel_available_after == y.cancel_available_after &&
           x.created_at_ms == y.created_at_ms;
  }
};

/// One accepted change of one SKU; the audit log of a SKU replays to its
/// stored stock exactly (version n+1 = version n + delta).
struct audit_record {
  std::uint64_t version = 0;
  std::string op_id;
  op_kind kind = op_kind::order;
  std::string source; // channel or source of the operation
  std::int64_t delta = 0;
  std::int64_t on_hand_after = 0;
  std::int64_t available_after = 0;
  std::int64_t at_ms = 0;

  friend bool operator==(const audit_record& x, const audit_record& y) {
    return x.version == y.version && x.op_id == y.op_id && x.kind == y.kind &&
           x.source == y.source && x.delta == y.delta &&
           x.on_hand_after == y.on_hand_after &&
           x.available_after == y.available_after && x.at_ms == y.at_ms;
  }
};

} // namespace stockwire

namespace stockwire {

/// A change one channel has not acknowledged yet (the outbox entry of a
/// (channel, SKU)): written in the transaction of the change, removed once
/// the channel acknowledged a push of `version` or newer.
struct outbox_record {
  std::uint64_t version = 0;      // SKU version to push
  std::int64_t available = 0;     // the SKU's available at that version
  std::int64_t changed_at_ms = 0; // when the node received that change

  friend bool operator==(const outbox_record& x, const outbox_record& y) {
    return x.version == y.version && x.available == y.available &&
           x.changed_at_ms == y.changed_at_ms;
  }
};

} // namespace stockwire

namespace stockwire {

/// An order line a channel took and Stockwire rejected for lack of stock
/// (an oversell) whose order that channel must cancel: written in the
/// transaction of the rejection, removed once the channel acknowledged the
/// cancellation (persistence/FORMAT.md, `cancel`).
struct cancel_record {
  std::int64_t qty = 0;           // units the line asked for
  std::int64_t created_at_ms = 0; // when the rejection was decided

  friend bool operator==(const cancel_record& x, const cancel_record& y) {
    return x.qty == y.qty && x.created_at_ms == y.created_at_ms;
  }
};

} // namespace stockwire
