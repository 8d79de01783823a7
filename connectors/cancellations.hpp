// The cancellations one connector owes its channel: orders that came in
// through that channel and were rejected for lack of stock (oversells).
// Pure bookkeeping (no I/O; the clock is passed in): the connector actor
// feeds it the oversold lines, takes the orders that are due, sends their
// cancellations (cancel_wire.hpp) and reports each outcome back.
//
// - One entry per order id: every oversold line (SKU, qty) of that order.
//   A line already pending is not added twice (its notice after the
//   commit and the recovery of its record at start may both arrive). A
//   line that joins an order whose cancellation is in flight is covered by
//   it (whole-order channels cancel the order, whatever its lines).
// - An order is pending until its cancellation is acknowledged (then it is
//   forgotten and its lines are handed back, so their durable records can
//   be deleted) or refused for good (parked: kept, never sent again by
//   this process; a restart recovers and sends it once more).
// - take_due() hands out orders oldest first (by when they were added)
//   among those not in flight, not parked and past their retry time; a
//   taken order is in flight until its outcome is reported.
// - The newest `recent_max` oversold lines are kept with the state of
//   their order's cancellation, for GET /v1/oversells.
// - withdraw(sku): the SKU moved to another node with its records (a
//   membership change), whose connector cancels its lines now. Its lines
//   leave every order; an order left without lines is forgotten at once,
//   or when the outcome of its attempt in flight arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace stockwire {

/// One order line a channel sold that Stockwire rejected.
struct oversold_line {
  std::string order_id; // the core's ("<channel>:<channel's id>")
  std::string sku;
  std::int64_t qty = 0;
  std::int64_t at_ms = 0; // wall clock of the rejection
};

enum class cancel_state : std::uint8_t {
  pending = 1,      // not yet acknowledged by the channel
  acknowledged = 2, // the channel cancelled the order
  parked = 3,       // the channel refused the cancellation for good
  moved = 4,        // the SKU moved to another node, which cancels it
};

/// "pending", "acknowledged", "parked", "moved".
std::string_view cancel_state_name(cancel_state s);

/// A recent oversold line and where its order's cancellation stands.
struct oversell_entry {
  oversold_line line;
  cancel_state state = cancel_state::pending;
  std::string error; // the channel's last refusal, if any
};

/// Counts since start (recovered lines are not counted as oversells: they
/// were counted by the process that rejected them).
struct cancel_totals {
  std::uint64_t oversells = 0;      // oversold lines
  std::uint64_t oversold_units = 0; // their qty
  std::uint64_t sent = 0;           // cancellation attempts (per order)
  std::uint64_t acknowledged = 0;   // orders cancelled
  std::uint64_t retried = 0;        // attempts to make again
  std::uint64_t parked = 0;         // orders refused for good
};

class cancellation_book {
public:
  explicit cancellation_book(std::size_t recent_max)
      : recent_max_(recent_max) {}

  /// Adds an oversold line (counted in totals unless `recovered`); false
  /// and nothing changes when that (order, SKU) is pending already.
  bool add(const oversold_line& line, bool recovered);

  /// The earliest time an order will be due; nullopt when none waits
  /// (all in flight or parked, or none pending).
  std::optional<std::int64_t> next_due_ms() const;

  /// Takes up to `n` orders due at `now_ms`, oldest first; each is in
  /// flight until acknowledge(), retry() or park(). Counts them as sent.
  std::vector<std::string> take_due(std::int64_t now_ms, std::size_t n);

  /// The lines (SKU, qty) of pending order `order_id`; empty if unknown.
  std::vector<std::pair<std::string, std::int64_t>>
  lines_of(const std::string& order_id) const;

  /// The channel cancelled `order_id`: forgotten. Returns the SKUs of its
  /// lines (their records can go). REQUIRES: in flight.
  std::vector<std::string> acknowledge(const std::string& order_id);

  /// The attempt failed transiently: due again at `not_before_ms`.
  /// Returns the number of failed attempts in a row. REQUIRES: in flight.
  unsigned retry(const std::string& order_id, std::int64_t not_before_ms,
                 const std::string& error);

  /// Failed attempts in a row of pending order `order_id` (0: unknown).
  unsigned attempts_of(const std::string& order_id) const;

  /// The channel refused the cancellation for good. REQUIRES: in flight.
  void park(const std::string& order_id, const std::string& error);

  /// Every parked order is pending again, due at `now_ms` with its
  /// attempts reset (the operator fixed what the channel refused, e.g. by
  /// `stockctl channel resync`). Returns how many.
  std::size_t unpark_all(std::int64_t now_ms);

  /// The lines of `sku` moved to another node (see above): removed from
  /// every order, not counted as acknowledged. Returns how many.
  std::size_t withdraw(const std::string& sku);

  std::size_t pending() const { return orders_.size(); } // parked included
  std::size_t parked() const { return parked_; }
  const cancel_totals& totals() const { return totals_; }

  /// The newest oversold lines, newest first.
  std::vector<oversell_entry> recent() const;

private:
  struct order_entry {
    std::vector<std::pair<std::string, std::int64_t>> lines;
    std::uint64_t seq = 0; // insertion order: oldest first
    std::int64_t not_before_ms = 0;
    unsigned attempts = 0;
    bool queued = false; // in due_
    bool inflight = false;
    bool parked = false;
  };
  using due_key = std::tuple<std::int64_t, std::uint64_t, std::string>;

  void enqueue(const std::string& order_id, order_entry& e);
  void forget(const std::string& order_id);
  void mark_recent(const std::string& order_id, cancel_state s,
                   const std::string& error);

  std::size_t recent_max_;
  std::unordered_map<std::string, order_entry> orders_;
  std::set<due_key> due_; // (not_before_ms, seq, order id)
  std::uint64_t next_seq_ = 0;
  std::size_t parked_ = 0;
  cancel_totals totals_;
  std::deque<oversell_entry> recent_; // newest at the back
};

} // namespace stockwire
