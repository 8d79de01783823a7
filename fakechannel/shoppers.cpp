#include "fakechannel/shoppers.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace stockwire::fakechannel {

namespace {

constexpr double ms_per_s = 1000;

// SplitMix64 (Steele, Lea, Flood 2014): spreads (seed, channel) over the
// generator's seed space so channels' streams are unrelated.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

} // namespace

popularity::popularity(std::int64_t skus, double exponent) {
  assert(skus >= 1 && exponent >= 0);
  cdf_.resize(static_cast<std::size_t>(skus));
  double total = 0;
  for (std::int64_t k = 1; k <= skus; ++k) {
    total += std::pow(static_cast<double>(k), -exponent);
    cdf_[static_cast<std::size_t>(k - 1)] = total;
  }
  for (auto& c : cdf_)
    c /= total;
}

std::int64_t popularity::pick(double u) const {
  auto i = std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
  // Rounding can leave the last cumulative weight a hair below 1.
  return std::min<std::int64_t>(i, static_cast<std::int64_t>(cdf_.size()) - 1) +
         1;
}

shopper_stream::shopper_stream(const shopper_plan& plan, shop_channel c,
                               const popularity& pop)
    : pop_(&pop),
      rng_(mix(plan.seed ^ mix(static_cast<std::uint64_t>(index_of(c))))),
      rate_per_ms_(plan.rate_of(c) / ms_per_s),
      burst_begin_ms_(plan.burst_start_s * ms_per_s),
      burst_end_ms_((plan.burst_start_s + plan.burst_duration_s) * ms_per_s),
      duration_ms_(plan.duration_s * ms_per_s) {
  bool burst = plan.burst_duration_s > 0;
  peak_per_ms_ = rate_per_ms_ * (burst ? plan.burst_multiplier : 1.0);
  burst_multiplier_ = burst ? plan.burst_multiplier : 1.0;
  advance();
}

double shopper_stream::uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

double shopper_stream::rate_per_ms(double t_ms) const {
  bool in_burst = t_ms >= burst_begin_ms_ && t_ms < burst_end_ms_;
  return in_burst ? rate_per_ms_ * burst_multiplier_ : rate_per_ms_;
}

void shopper_stream::advance() {
  constexpr double none = std::numeric_limits<double>::infinity();
  if (peak_per_ms_ <= 0) {
    next_ms_ = none;
    return;
  }
  for (;;) {
    // Exponential gap at the peak rate; 1 - u is in (0, 1].
    next_ms_ += -std::log(1 - uniform()) / peak_per_ms_;
    if (duration_ms_ > 0 && next_ms_ >= duration_ms_) {
      next_ms_ = none;
      return;
    }
    // Thinning: keep the candidate with probability rate(t) / peak.
    if (uniform() * peak_per_ms_ < rate_per_ms(next_ms_))
      break;
  }
  next_sku_ = pop_->pick(uniform());
}

} // namespace stockwire::fakechannel
