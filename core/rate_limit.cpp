#include "core/rate_limit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace stockwire {

namespace {

// Rounds a wait up so a client sleeping that long is never refused again.
std::int64_t ceil_ms(double ms) {
  return static_cast<std::int64_t>(std::ceil(ms - 1e-9));
}

} // namespace

// -- token_bucket -------------------------------------------------------------

token_bucket::token_bucket(double rate_per_s, double burst, std::int64_t now_ms)
    : rate_per_s_(rate_per_s), burst_(burst), tokens_(burst), last_ms_(now_ms) {
  assert(rate_per_s > 0 && burst >= 1);
}

void token_bucket::refill(std::int64_t now_ms) {
  if (now_ms <= last_ms_)
    return;
  tokens_ =
      std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_per_s_ / 1000.0);
  last_ms_ = now_ms;
}

bool token_bucket::try_take(std::int64_t now_ms, double cost) {
  refill(now_ms);
  // The epsilon absorbs rounding of fractional refills (0.1 + 0.2 ...).
  if (tokens_ + 1e-9 < cost)
    return false;
  tokens_ = std::max(0.0, tokens_ - cost);
  return true;
}

double token_bucket::available(std::int64_t now_ms) {
  refill(now_ms);
  return tokens_;
}

std::int64_t token_bucket::wait_ms(std::int64_t now_ms, double cost) {
  assert(cost <= burst_);
  refill(now_ms);
  if (tokens_ + 1e-9 >= cost)
    return 0;
  return ceil_ms((cost - tokens_) * 1000.0 / rate_per_s_);
}

void token_bucket::reset(std::int64_t now_ms) {
  tokens_ = burst_;
  last_ms_ = now_ms;
}

// -- leaky_bucket -------------------------------------------------------------

leaky_bucket::leaky_bucket(double capacity, double leak_per_s,
                           std::int64_t now_ms)
    : capacity_(capacity), leak_per_s_(leak_per_s), level_(0),
      last_ms_(now_ms) {
  assert(capacity >= 1 && leak_per_s > 0);
}

void leaky_bucket::leak(std::int64_t now_ms) {
  if (now_ms <= last_ms_)
    return;
  level_ = std::max(0.0, level_ - (now_ms - last_ms_) * leak_per_s_ / 1000.0);
  last_ms_ = now_ms;
}

bool leaky_bucket::try_add(std::int64_t now_ms, double amount) {
  leak(now_ms);
  if (level_ + amount > capacity_ + 1e-9)
    return false;
  level_ = std::min(capacity_, level_ + amount);
  return true;
}

double leaky_bucket::level(std::int64_t now_ms) {
  leak(now_ms);
  return level_;
}

std::int64_t leaky_bucket::wait_ms(std::int64_t now_ms, double amount) {
  assert(amount <= capacity_);
  leak(now_ms);
  auto excess = level_ + amount - capacity_;
  if (excess <= 1e-9)
    return 0;
  return ceil_ms(excess * 1000.0 / leak_per_s_);
}

void leaky_bucket::reset(std::int64_t now_ms) {
  level_ = 0;
  last_ms_ = now_ms;
}

// -- daily_quota --------------------------------------------------------------

daily_quota::daily_quota(std::int64_t limit) : limit_(limit) {
  assert(limit >= 0);
}

bool daily_quota::try_take(std::int64_t day) {
  if (day != day_) {
    day_ = day;
    used_ = 0;
  }
  if (used_ >= limit_)
    return false;
  ++used_;
  return true;
}

std::int64_t daily_quota::remaining(std::int64_t day) const {
  return day == day_ ? limit_ - used_ : limit_;
}

void daily_quota::reset() {
  day_ = -1;
  used_ = 0;
}

} // namespace stockwire
