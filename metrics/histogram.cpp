#include "metrics/histogram.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace stockwire::metrics {

namespace {

// Position of the highest set bit. REQUIRES: v > 0.
unsigned log2_floor(std::uint64_t v) {
  return 63 - static_cast<unsigned>(__builtin_clzll(v));
}

// Quantile 0.999 of 1000 values must be rank 999, not 1000 because
// 0.999 * 1000 rounded up to 999.0000000000001.
constexpr double rank_slack = 1e-12;

} // namespace

// -- histogram ----------------------------------------------------------------

histogram::histogram(unsigned precision_bits)
    : precision_bits_(precision_bits) {
  assert(precision_bits >= 1 && precision_bits <= precision_bits_max);
}

// Values below 2 * 2^p have a bucket each. Above, a value with highest bit e
// falls in power-of-two row e - p, split into 2^p buckets of width
// 2^(e - p); index = row * 2^p + (value >> row), which continues the exact
// range without a gap.
std::size_t histogram::index_of(std::uint64_t value) const {
  auto sub = std::uint64_t{1} << precision_bits_;
  if (value < 2 * sub)
    return value;
  auto shift = log2_floor(value) - precision_bits_;
  return shift * sub + (value >> shift);
}

std::uint64_t histogram::upper_bound_of(std::size_t index) const {
  auto sub = std::uint64_t{1} << precision_bits_;
  if (index < 2 * sub)
    return index;
  auto shift = index / sub - 1;
  auto lower = (index - shift * sub) << shift;
  return lower + (std::uint64_t{1} << shift) - 1;
}

double histogram::relative_error() const {
  return 1.0 / static_cast<double>(std::uint64_t{1} << precision_bits_);
}

void histogram::record(std::uint64_t value, std::uint64_t count) {
  if (count == 0)
    return;
  value = std::min(value, value_max);
  auto i = index_of(value);
  if (i >= counts_.size())
    counts_.resize(i + 1);
  counts_[i] += count;
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += count;
  sum_ += value * count;
}

std::uint64_t histogram::percentile(double q) const {
  if (count_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(
      std::ceil(q * static_cast<double>(count_) * (1 - rank_slack)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(upper_bound_of(i), max_);
  }
  assert(false && "bucket counts sum to count()");
  return max_;
}

std::uint64_t histogram::count_at_or_below(std::uint64_t bound) const {
  if (bound >= max_)
    return count_;
  auto last = index_of(bound);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= last && i < counts_.size(); ++i)
    n += counts_[i];
  return n;
}

void histogram::merge(const histogram& other) {
  assert(other.precision_bits_ == precision_bits_);
  if (other.count_ == 0)
    return;
  if (other.counts_.size() > counts_.size())
    counts_.resize(other.counts_.size());
  for (std::size_t i = 0; i < other.counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

histogram histogram::from_buckets(unsigned precision_bits,
                                  std::vector<std::uint64_t> counts,
                                  std::uint64_t min, std::uint64_t max,
                                  std::uint64_t sum) {
  histogram h{std::clamp(precision_bits, 1u, precision_bits_max)};
  std::uint64_t n = 0;
  for (auto c : counts)
    n += c;
  if (n == 0 || min > max || counts.size() > h.index_of(value_max) + 1)
    return h;
  h.counts_ = std::move(counts);
  h.count_ = n;
  h.min_ = min;
  h.max_ = max;
  h.sum_ = sum;
  return h;
}

void histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = 0;
  max_ = 0;
}

percentile_summary percentiles(const histogram& h) {
  percentile_summary s;
  s.count = h.count();
  s.p50 = h.percentile(0.5);
  s.p90 = h.percentile(0.9);
  s.p99 = h.percentile(0.99);
  s.p999 = h.percentile(0.999);
  s.max = h.max();
  return s;
}

// -- windowed_histogram -------------------------------------------------------

windowed_histogram::windowed_histogram(std::size_t slots, std::int64_t slot_ms,
                                       unsigned precision_bits)
    : slot_ms_(slot_ms), ring_(slots, slot{never, histogram{precision_bits}}),
      total_(precision_bits) {
  assert(slots >= 1 && slot_ms >= 1);
}

std::int64_t windowed_histogram::epoch_of(std::int64_t now_ms) const {
  auto e = now_ms / slot_ms_;
  if (now_ms % slot_ms_ < 0)
    --e; // round towards minus infinity
  return std::max(e, latest_epoch_);
}

void windowed_histogram::record(std::uint64_t value, std::int64_t now_ms) {
  auto e = epoch_of(now_ms);
  latest_epoch_ = e;
  auto n = static_cast<std::int64_t>(ring_.size());
  auto& s = ring_[static_cast<std::size_t>(((e % n) + n) % n)];
  if (s.epoch != e) {
    s.values.reset();
    s.epoch = e;
  }
  s.values.record(value);
  total_.record(value);
}

histogram windowed_histogram::snapshot(std::int64_t now_ms) const {
  auto e = epoch_of(now_ms);
  auto n = static_cast<std::int64_t>(ring_.size());
  histogram merged{total_.precision_bits()};
  for (auto& s : ring_)
    if (s.epoch > e - n && s.epoch <= e)
      merged.merge(s.values);
  return merged;
}

} // namespace stockwire::metrics
