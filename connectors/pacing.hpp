// Client-side pacing of channel requests: when to retry (backoff), when to
// stop calling a failing channel (circuit_breaker), how to spend eBay's
// per-listing daily revision cap (revision_budget), and how fast to send so
// the channel's own rate limit never answers 429 (token_pacer).
//
// Pure value types with an injected clock, like core/rate_limit.hpp: every
// call takes the current time in milliseconds, so tests drive them with a
// fake clock and the connector actor owns one instance per channel account.
// `now_ms` is a monotonic clock (any origin); `wall_ms` is wall-clock time in
// ms since the Unix epoch, used only where a channel counts calendar days.
// Time going backwards is treated as no time passing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/rate_limit.hpp"

namespace stockwire {

// -- backoff ------------------------------------------------------------------

/// Exponential backoff with full jitter: retry `attempt` waits a uniformly
/// drawn delay in [0, min(cap, base * factor^(attempt - 1))]. Full jitter
/// spreads the retries of many SKUs that failed together, so they do not
/// hit a recovering channel in lockstep. Deterministic given `random`.
class backoff {
public:
  // First retry waits at most a quarter second: most channel errors are
  // transient (a 502 from a load balancer, one 429).
  static constexpr std::int64_t base_ms_default = 250;
  static constexpr double factor_default = 2;
  // No retry waits longer than 30 s unless the channel asks for it: a stock
  // push older than that is likely superseded by a newer one anyway.
  static constexpr std::int64_t cap_ms_default = 30'000;

  /// REQUIRES: base_ms >= 1, factor >= 1, cap_ms >= base_ms.
  explicit backoff(std::int64_t base_ms = base_ms_default,
                   double factor = factor_default,
                   std::int64_t cap_ms = cap_ms_default);

  /// Delay before retry number `attempt` (1 = first retry) for the random
  /// draw `random` (any 64-bit value). REQUIRES: attempt >= 1.
  std::int64_t delay_ms(unsigned attempt, std::uint64_t random) const;

  /// delay_ms(), or the channel's Retry-After when that is longer: retrying
  /// earlier than the channel asked would only be refused again. A negative
  /// Retry-After counts as none.
  std::int64_t retry_delay_ms(unsigned attempt,
                              std::optional<std::int64_t> retry_after_ms,
                              std::uint64_t random) const;

private:
  std::int64_t base_ms_;
  double factor_;
  std::int64_t cap_ms_;
};

// -- circuit_breaker ----------------------------------------------------------

enum class breaker_state : std::uint8_t {
  closed,    // requests flow; consecutive failures are counted
  open,      // no requests until the open period has passed
  half_open, // one probe request in flight decides: closed or open again
};

/// "closed", "open", "half_open" (metrics label, logs).
std::string_view breaker_state_name(breaker_state state);

/// Stops calling a channel that keeps failing, so pushes queue (and coalesce)
/// locally instead of burning rate limit and retries on a dead endpoint.
///
///   closed     opens after `failures_to_open` consecutive failures.
///   open       allow() is false until `open_ms` have passed since opening;
///              the first allow() after that moves to half_open and lets one
///              probe through.
///   half_open  allow() is false while the probe is out. Its success closes
///              the breaker (open period back to `open_ms`); its failure
///              opens it again for twice the previous period, at most
///              `open_ms_max`.
///
/// The caller reports the outcome of every request allow() let through
/// (a timeout is a failure). Outcomes arriving while open are of requests
/// sent before it opened and change nothing.
class circuit_breaker {
public:
  // Five in a row: one or two errors are noise, five means the channel (or
  // our credentials) is down.
  static constexpr unsigned failures_to_open_default = 5;
  static constexpr std::int64_t open_ms_default = 30'000;
  // A channel down for long is probed every 5 min at most: recovery is
  // noticed within that and the probe costs nothing measurable.
  static constexpr std::int64_t open_ms_max_default = 300'000;

  /// REQUIRES: failures_to_open >= 1, 1 <= open_ms <= open_ms_max.
  explicit circuit_breaker(unsigned failures_to_open = failures_to_open_default,
                           std::int64_t open_ms = open_ms_default,
                           std::int64_t open_ms_max = open_ms_max_default);

  /// True when a request may be sent at `now_ms`. May move open -> half_open
  /// (and then counts the returned true as the probe).
  bool allow(std::int64_t now_ms);

  void on_success(std::int64_t now_ms);
  void on_failure(std::int64_t now_ms);

  /// The state as of the last call; an open breaker whose period has passed
  /// reads open until allow() is called.
  breaker_state state() const { return state_; }

  /// While open: when allow() will let the probe through.
  std::int64_t reopen_at_ms() const { return opened_at_ms_ + period_ms_; }

  /// Consecutive failures counted while closed.
  unsigned consecutive_failures() const { return failures_; }

private:
  void open(std::int64_t now_ms);

  unsigned failures_to_open_;
  std::int64_t open_ms_;
  std::int64_t open_ms_max_;
  breaker_state state_ = breaker_state::closed;
  unsigned failures_ = 0;
  std::int64_t period_ms_;
  std::int64_t opened_at_ms_ = 0;
  bool probe_out_ = false;
};

// -- revision_budget ----------------------------------------------------------

/// eBay lets each listing be revised at most 250 times per calendar day
/// (counted here in UTC days); a revision past that fails until the next
/// day. A listing selling fast would spend the day's revisions by noon and
/// then could not be set to zero when it sells out. The budget of each day
/// is therefore split:
///
///   reserve   The last `reserve` revisions of the day are for critical
///             pushes only: quantity reaching zero (sell-out) or leaving
///             zero (back in stock). A critical push is allowed whenever
///             the day's count < per_day.
///   burst     The first `burst` revisions of the day are unpaced.
///   paced     Any other non-critical push is allowed when the day's count
///             < per_day - reserve and the time since this listing's last
///             revision >= (ms left in the UTC day) / (non-reserved
///             revisions left), i.e. what is left is spread evenly over the
///             rest of the day. A refused push is not lost: the connector
///             sends the newest quantity at next_allowed_ms().
///
/// The count includes every revision of the day, critical or not. Past days
/// are forgotten: prune() drops listings idle for a day, which changes no
/// decision (their count is zero and a day is longer than any pacing
/// interval). A wall clock stepping back is treated as no time passing for
/// that listing.
class revision_budget {
public:
  // eBay's cap (Trading and Inventory APIs: revisions per listing per day).
  static constexpr std::int64_t per_day_default = 250;
  // Enough for a listing that sells out and is restocked ten times a day.
  static constexpr std::int64_t reserve_default = 20;
  // A morning restock and the first sales go out at once.
  static constexpr std::int64_t burst_default = 10;
  static constexpr std::int64_t day_ms = 86'400'000;

  /// REQUIRES: 0 <= reserve < per_day, burst >= 0.
  explicit revision_budget(std::int64_t per_day = per_day_default,
                           std::int64_t reserve = reserve_default,
                           std::int64_t burst = burst_default);

  /// True when a revision of `sku` may be sent at `wall_ms`.
  bool allow(const std::string& sku, bool critical, std::int64_t wall_ms) const;

  /// Counts one revision of `sku` sent at `wall_ms`.
  void spend(const std::string& sku, std::int64_t wall_ms);

  /// Earliest time >= wall_ms at which allow() holds, if nothing is spent
  /// in between (wall_ms itself when allowed now).
  std::int64_t next_allowed_ms(const std::string& sku, bool critical,
                               std::int64_t wall_ms) const;

  /// Revisions of `sku` counted on the UTC day of `wall_ms`.
  std::int64_t used(const std::string& sku, std::int64_t wall_ms) const;

  /// Forgets listings whose last revision is a day or more before wall_ms.
  void prune(std::int64_t wall_ms);

  /// Listings remembered (bounded by those revised in the last day).
  std::size_t listings() const { return entries_.size(); }

private:
  struct entry {
    std::int64_t day = 0;     // UTC day of the last revision
    std::int64_t count = 0;   // revisions on that day
    std::int64_t last_ms = 0; // wall time of the last revision
  };

  const entry* find(const std::string& sku) const;

  std::int64_t per_day_;
  std::int64_t reserve_;
  std::int64_t burst_;
  std::unordered_map<std::string, entry> entries_;
};

// -- token_pacer --------------------------------------------------------------

/// The local image of a channel's request budget (Amazon SP-API rate and
/// burst, Shopify GraphQL cost points, Shopify REST call bucket): the
/// connector waits wait_ms() before a request, try_take()s its cost when
/// sending, and after each reply corrects the image with what the channel
/// reported (Shopify's throttleStatus, Amazon's x-amzn-RateLimit-Limit,
/// X-Shopify-Shop-Api-Call-Limit as maximum - used).
///
/// A request costing more than the whole bucket waits for a full bucket and
/// empties it; the channel decides whether it runs.
class token_pacer {
public:
  /// REQUIRES: restore_per_s > 0, maximum >= 1. Starts full.
  token_pacer(double restore_per_s, double maximum, std::int64_t now_ms);

  /// Milliseconds from now_ms until a request costing `cost` may be sent.
  std::int64_t wait_ms(double cost, std::int64_t now_ms);

  /// Takes `cost` when available now; true when taken.
  bool try_take(double cost, std::int64_t now_ms);

  /// Adopts the channel's view: `available` of `maximum` left, restoring
  /// `restore_per_s`. Reports outside those bounds (maximum < 1, restore
  /// <= 0) are ignored; `available` is clamped to [0, maximum].
  void observe(double available, double maximum, double restore_per_s,
               std::int64_t now_ms);

  /// Paces by `restore_per_s` and `maximum` from now on (this node's share
  /// of the budget changed): the tokens held now are kept, never more than
  /// the new maximum. A smaller share drops what is above it; a larger one
  /// is earned by refilling at the new rate, never granted at once (the
  /// other nodes may have spent it). Same refusals as observe().
  void resize(double restore_per_s, double maximum, std::int64_t now_ms);

  double available(std::int64_t now_ms) { return bucket_.available(now_ms); }
  double maximum() const { return bucket_.burst(); }
  double restore_per_s() const { return bucket_.rate_per_s(); }

private:
  double fit(double cost) const;

  token_bucket bucket_;
};

} // namespace stockwire
