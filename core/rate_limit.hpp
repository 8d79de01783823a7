// The rate-limit algorithms of the real channels, as pure value types with
// an injected clock: every call takes the current time in milliseconds
// (any monotonic origin), so tests drive them with a fake clock. The fake
// channels enforce them server-side (fakechannel/); the connectors pace
// their own requests with them client-side (connectors/pacing.hpp).
//
//   token_bucket  Amazon SP-API (rate = tokens per second, burst = size),
//                 Shopify GraphQL cost budget (points restored per second).
//   leaky_bucket  Shopify REST (each call adds 1, the bucket leaks at a fixed
//                 rate; a call that would overflow it is refused).
//   daily_quota   eBay daily call quota and per-listing revision cap
//                 (counts per calendar day, reset when the day changes).
//
// Time going backwards is treated as no time passing.
#pragma once

#include <cstdint>

namespace stockwire {

class token_bucket {
public:
  /// REQUIRES: rate_per_s > 0, burst >= 1. Starts full at time `now_ms`.
  token_bucket(double rate_per_s, double burst, std::int64_t now_ms = 0);

  /// Takes `cost` tokens if that many are available at `now_ms`; true when
  /// taken. A refused call takes nothing.
  bool try_take(std::int64_t now_ms, double cost = 1);

  /// Tokens available at `now_ms` (never above burst).
  double available(std::int64_t now_ms);

  /// Milliseconds from `now_ms` until `cost` tokens are available (0 when
  /// they are now). REQUIRES: cost <= burst.
  std::int64_t wait_ms(std::int64_t now_ms, double cost = 1);

  double rate_per_s() const { return rate_per_s_; }
  double burst() const { return burst_; }

  /// Full again, as if just constructed at `now_ms`.
  void reset(std::int64_t now_ms);

private:
  void refill(std::int64_t now_ms);

  double rate_per_s_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_;
};

class leaky_bucket {
public:
  /// REQUIRES: capacity >= 1, leak_per_s > 0. Starts empty at `now_ms`.
  leaky_bucket(double capacity, double leak_per_s, std::int64_t now_ms = 0);

  /// Adds `amount` if the bucket does not overflow; true when added.
  bool try_add(std::int64_t now_ms, double amount = 1);

  /// Fill level at `now_ms` (0..capacity).
  double level(std::int64_t now_ms);

  /// Milliseconds until `amount` fits (0 when it fits now).
  /// REQUIRES: amount <= capacity.
  std::int64_t wait_ms(std::int64_t now_ms, double amount = 1);

  double capacity() const { return capacity_; }

  /// Empty again at `now_ms`.
  void reset(std::int64_t now_ms);

private:
  void leak(std::int64_t now_ms);

  double capacity_;
  double leak_per_s_;
  double level_;
  std::int64_t last_ms_;
};

class daily_quota {
public:
  /// REQUIRES: limit >= 0.
  explicit daily_quota(std::int64_t limit);

  /// Counts one use on calendar day `day` (days since any epoch) when the
  /// quota of that day is not used up; true when counted.
  bool try_take(std::int64_t day);

  /// Uses left on `day`.
  std::int64_t remaining(std::int64_t day) const;

  std::int64_t limit() const { return limit_; }

  void reset();

private:
  std::int64_t limit_;
  std::int64_t day_ = -1;
  std::int64_t used_ = 0;
};

} // namespace stockwire
