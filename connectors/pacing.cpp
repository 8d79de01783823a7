#include "connectors/pacing.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace stockwire {

// -- backoff ------------------------------------------------------------------

backoff::backoff(std::int64_t base_ms, double factor, std::int64_t cap_ms)
    : base_ms_(base_ms), factor_(factor), cap_ms_(cap_ms) {
  assert(base_ms >= 1 && factor >= 1 && cap_ms >= base_ms);
}

std::int64_t backoff::delay_ms(unsigned attempt, std::uint64_t random) const {
  assert(attempt >= 1);
  // pow() reaches +inf rather than overflowing; min() then yields the cap.
  auto ceiling = std::min(static_cast<double>(cap_ms_),
                          base_ms_ * std::pow(factor_, attempt - 1.0));
  auto span = static_cast<std::uint64_t>(ceiling) + 1;
  return static_cast<std::int64_t>(random % span);
}

std::int64_t backoff::retry_delay_ms(unsigned attempt,
                                     std::optional<std::int64_t> retry_after_ms,
                                     std::uint64_t random) const {
  return std::max(delay_ms(attempt, random), retry_after_ms.value_or(0));
}

// -- circuit_breaker ----------------------------------------------------------

std::string_view breaker_state_name(breaker_state state) {
  switch (state) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "unknown";
}

circuit_breaker::circuit_breaker(unsigned failures_to_open,
                                 std::int64_t open_ms, std::int64_t open_ms_max)
    : failures_to_open_(failures_to_open), open_ms_(open_ms),
      open_ms_max_(open_ms_max), period_ms_(open_ms) {
  assert(failures_to_open >= 1 && open_ms >= 1 && open_ms <= open_ms_max);
}

bool circuit_breaker::allow(std::int64_t now_ms) {
  switch (state_) {
  case breaker_state::closed:
    return true;
  case breaker_state::open:
    if (now_ms < reopen_at_ms())
      return false;
    state_ = breaker_state::half_open;
    probe_out_ = true;
    return true;
  case breaker_state::half_open:
    if (probe_out_)
      return false;
    probe_out_ = true;
    return true;
  }
  return false;
}

void circuit_breaker::on_success(std::int64_t) {
  switch (state_) {
  case breaker_state::closed:
    failures_ = 0;
    return;
  case breaker_state::open:
    return;
  case breaker_state::half_open:
    state_ = breaker_state::closed;
    failures_ = 0;
    period_ms_ = open_ms_;
    probe_out_ = false;
    return;
  }
}

void circuit_breaker::on_failure(std::int64_t now_ms) {
  switch (state_) {
  case breaker_state::closed:
    if (++failures_ >= failures_to_open_)
      open(now_ms);
    return;
  case breaker_state::open:
    return;
  case breaker_state::half_open:
    period_ms_ = std::min(open_ms_max_, period_ms_ * 2);
    open(now_ms);
    return;
  }
}

void circuit_breaker::open(std::int64_t now_ms) {
  state_ = breaker_state::open;
  opened_at_ms_ = now_ms;
  failures_ = 0;
  probe_out_ = false;
}

// -- revision_budget ----------------------------------------------------------

namespace {

// Days since the epoch, rounding towards minus infinity.
std::int64_t utc_day(std::int64_t wall_ms) {
  auto day = wall_ms / revision_budget::day_ms;
  return wall_ms % revision_budget::day_ms < 0 ? day - 1 : day;
}

} // namespace

revision_budget::revision_budget(std::int64_t per_day, std::int64_t reserve,
                                 std::int64_t burst)
    : per_day_(per_day), reserve_(reserve), burst_(burst) {
  assert(reserve >= 0 && reserve < per_day && burst >= 0);
}

const revision_budget::entry*
revision_budget::find(const std::string& sku) const {
  auto i = entries_.find(sku);
  return i == entries_.end() ? nullptr : &i->second;
}

bool revision_budget::allow(const std::string& sku, bool critical,
                            std::int64_t wall_ms) const {
  return next_allowed_ms(sku, critical, wall_ms) == wall_ms;
}

std::int64_t revision_budget::next_allowed_ms(const std::string& sku,
                                              bool critical,
                                              std::int64_t wall_ms) const {
  auto* e = find(sku);
  if (e == nullptr)
    return wall_ms;
  auto now = std::max(wall_ms, e->last_ms);
  auto day = utc_day(now);
  auto count = e->day == day ? e->count : 0;
  auto next_day_ms = (day + 1) * day_ms;
  auto cap = critical ? per_day_ : per_day_ - reserve_;
  if (count >= cap)
    return next_day_ms;
  if (critical || count < burst_)
    return now;
  // Allowed at the first t with t - last >= (next_day - t) / left, i.e.
  // t >= (next_day + left * last) / (left + 1).
  auto left = cap - count;
  auto earliest = (next_day_ms + left * e->last_ms + left) / (left + 1);
  return std::max(now, earliest);
}

void revision_budget::spend(const std::string& sku, std::int64_t wall_ms) {
  auto& e = entries_[sku];
  auto now = std::max(wall_ms, e.last_ms);
  auto day = utc_day(now);
  if (e.day != day) {
    e.day = day;
    e.count = 0;
  }
  ++e.count;
  e.last_ms = now;
}

std::int64_t revision_budget::used(const std::string& sku,
                                   std::int64_t wall_ms) const {
  auto* e = find(sku);
  if (e == nullptr)
    return 0;
  return e->day == utc_day(std::max(wall_ms, e->last_ms)) ? e->count : 0;
}

void revision_budget::prune(std::int64_t wall_ms) {
  for (auto i = entries_.begin(); i != entries_.end();) {
    if (wall_ms - i->second.last_ms >= day_ms)
      i = entries_.erase(i);
    else
      ++i;
  }
}

// -- token_pacer --------------------------------------------------------------

token_pacer::token_pacer(double restore_per_s, double maximum,
                         std::int64_t now_ms)
    : bucket_(restore_per_s, maximum, now_ms) {}

double token_pacer::fit(double cost) const {
  return std::min(cost, bucket_.burst());
}

std::int64_t token_pacer::wait_ms(double cost, std::int64_t now_ms) {
  return bucket_.wait_ms(now_ms, fit(cost));
}

bool token_pacer::try_take(double cost, std::int64_t now_ms) {
  return bucket_.try_take(now_ms, fit(cost));
}

void token_pacer::observe(double available, double maximum,
                          double restore_per_s, std::int64_t now_ms) {
  // The negated comparisons also refuse NaN.
  if (!(maximum >= 1) || !(restore_per_s > 0) || std::isnan(available))
    return;
  bucket_ = token_bucket{restore_per_s, maximum, now_ms};
  bucket_.try_take(now_ms, maximum - std::clamp(available, 0.0, maximum));
}

void token_pacer::resize(double restore_per_s, double maximum,
                         std::int64_t now_ms) {
  observe(bucket_.available(now_ms), maximum, restore_per_s, now_ms);
}

} // namespace stockwire
