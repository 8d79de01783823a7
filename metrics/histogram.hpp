// Latency histograms with bounded relative error, for the lag and latency
// figures of the node (recorded in microseconds; the histogram itself is
// unit-free).
//
//   histogram           log-linear buckets (as in HdrHistogram): values
//                       below 2^p are counted exactly, every power of two
//                       above is split into 2^p equal sub-buckets, so a
//                       bucket's width is at most 1/2^p of its lower bound.
//                       O(1) record, memory ~2^p * 8 bytes per power of two
//                       actually reached (the count vector grows lazily).
//   windowed_histogram  the last minute: a ring of sub-histograms rotated by
//                       an injected clock, plus the cumulative total.
//
// Single-threaded value types: each lives inside one actor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace stockwire::metrics {

class histogram {
public:
  // 2^6 = 64 sub-buckets per power of two: relative error <= 1/64 (1.6%).
  static constexpr unsigned precision_bits_default = 6;
  // 2^16 sub-buckets: 0.0015% error at 512 KiB per power of two; anything
  // finer is not worth the memory for latencies.
  static constexpr unsigned precision_bits_max = 16;
  // 2^40 us is 12.7 days: far above any latency or lag worth telling apart.
  // Larger values are recorded as value_max.
  static constexpr std::uint64_t value_max = std::uint64_t{1} << 40;

  /// REQUIRES: 1 <= precision_bits <= precision_bits_max.
  explicit histogram(unsigned precision_bits = precision_bits_default);

  /// Counts `value` (clamped to value_max) `count` times.
  void record(std::uint64_t value, std::uint64_t count = 1);

  std::uint64_t count() const { return count_; }
  /// Exact sum of the recorded (clamped) values.
  std::uint64_t sum() const { return sum_; }
  /// Exact extremes; 0 when empty.
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }

  /// The value at quantile q (0 <= q <= 1): the upper bound of the bucket
  /// holding the ceil(q * count)-th smallest value, clamped to max(), so
  /// within relative_error() above the true value. 0 when empty.
  std::uint64_t percentile(double q) const;

  /// How many recorded values are <= `bound`: exact when `bound` is a
  /// bucket's upper bound (always below 2^p); otherwise the bucket holding
  /// `bound` counts as at or below it.
  std::uint64_t count_at_or_below(std::uint64_t bound) const;

  /// Adds the counts of `other`. REQUIRES: same precision_bits().
  void merge(const histogram& other);

  /// Empty again (keeps the precision and the allocated buckets).
  void reset();

  /// The count of each bucket, by bucket index (trailing buckets never
  /// reached may be missing): with min(), max() and sum(), all it takes to
  /// rebuild the histogram elsewhere (another process) with from_buckets().
  const std::vector<std::uint64_t>& bucket_counts() const { return counts_; }

  /// A histogram holding `counts` (by bucket index, as bucket_counts()) and
  /// the given exact extremes and sum. Input that no histogram of this
  /// precision can produce (an index beyond value_max's bucket, or, with a
  /// count, min > max) yields an empty one: it comes from the network,
  /// never from a bug here.
  static histogram from_buckets(unsigned precision_bits,
                                std::vector<std::uint64_t> counts,
                                std::uint64_t min, std::uint64_t max,
                                std::uint64_t sum);

  unsigned precision_bits() const { return precision_bits_; }
  /// Largest relative distance from a value to its bucket's upper bound.
  double relative_error() const;

private:
  std::size_t index_of(std::uint64_t value) const;
  std::uint64_t upper_bound_of(std::size_t index) const;

  unsigned precision_bits_;
  std::vector<std::uint64_t> counts_; // by bucket index, grown on demand
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
};

/// The figures the CLI prints for a histogram.
struct percentile_summary {
  std::uint64_t count = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t p999 = 0;
  std::uint64_t max = 0;
};

percentile_summary percentiles(const histogram& h);

/// Values of the last `slots * slot_ms` milliseconds (the current slot
/// included: between (slots - 1) * slot_ms and slots * slot_ms of
/// history), and of all time. Slot k holds the values recorded in
/// [k * slot_ms, (k + 1) * slot_ms) of the injected monotonic clock.
class windowed_histogram {
public:
  // 6 slots of 10 s: "the last minute", aged out in 10 s steps.
  static constexpr std::size_t slots_default = 6;
  static constexpr std::int64_t slot_ms_default = 10'000;

  /// REQUIRES: slots >= 1, slot_ms >= 1.
  explicit windowed_histogram(
      std::size_t slots = slots_default, std::int64_t slot_ms = slot_ms_default,
      unsigned precision_bits = histogram::precision_bits_default);

  void record(std::uint64_t value, std::int64_t now_ms);

  /// The values of the window ending at now_ms, merged.
  histogram snapshot(std::int64_t now_ms) const;

  /// Everything recorded since construction.
  const histogram& total() const { return total_; }

private:
  static constexpr std::int64_t never =
      std::numeric_limits<std::int64_t>::min();

  struct slot {
    std::int64_t epoch = never; // slot number of the values held
    histogram values;
  };

  std::int64_t epoch_of(std::int64_t now_ms) const;

  std::int64_t slot_ms_;
  std::vector<slot> ring_;
  std::int64_t latest_epoch_ = never; // time never goes back past it
  histogram total_;
};

} // namespace stockwire::metrics
