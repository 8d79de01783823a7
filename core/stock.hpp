// The rules of stock: pure functions from (state, command) to a decision.
// The SKU actor applies them in mailbox order; nothing here does I/O.
//
// Invariant kept by every function: a decision that changes stock leaves
// 0 <= available, bumps the version by exactly one and carries the delta
// that the audit record stores. A refused command changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/errc.hpp"
#include "core/records.hpp"
#include "core/types.hpp"

namespace stockwire {

/// The outcome of applying one command to a SKU's stock.
struct decision {
  errc error = errc::none; // none: the command is valid
  bool changed = false;    // true: `next` differs from the input state
  stock_state next;        // the state after the command
  std::int64_t delta = 0;  // on_hand change (audit record)
  order_status status = order_status::accepted; // orders only
};

/// A sale of `qty` units. Accepted when available >= qty, otherwise
/// rejected (oversell prevented) with the state unchanged.
/// REQUIRES: the caller validated 0 < qty <= limits::quantity_max.
decision decide_order(const stock_state& s, std::int64_t qty,
                      std::int64_t now_ms);

/// Gives back `qty` units taken by an accepted order.
decision decide_cancel(const stock_state& s, std::int64_t qty,
                       std::int64_t now_ms);

/// Absolute on-hand count; refused (negative_stock) when on_hand < reserved
/// or on_hand is out of range.
decision decide_set(const stock_state& s, std::int64_t on_hand,
                    std::int64_t now_ms);

/// Relative change; refused (negative_stock) when available would go below
/// zero, invalid_argument when the result leaves the quantity range.
decision decide_adjust(const stock_state& s, std::int64_t delta,
                       std::int64_t now_ms);

/// What to do with an operation id that already has a dedup record.
enum class replay_verdict {
  replay,   // same payload: answer with the stored result
  conflict, // same id, different payload: refuse with id_conflict
};

/// Compares a retried operation with the record of its first execution.
replay_verdict judge_retry(const dedup_record& stored, op_kind kind,
                           std::int64_t amount, const std::string& channel);

/// Validates the arguments every command shares; returns a detail message
/// naming what is wrong, or nullopt when valid.
std::optional<std::string> validate_sku(const std::string& sku);
std::optional<std::string> validate_op_id(const std::string& op_id);
std::optional<std::string> validate_channel(const std::string& channel);
std::optional<std::string> validate_qty(std::int64_t qty);

} // namespace stockwire
