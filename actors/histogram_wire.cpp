#include "actors/histogram_wire.hpp"

namespace stockwire {

histogram_data to_wire(const metrics::histogram& h) {
  histogram_data d;
  d.precision_bits = h.precision_bits();
  auto& counts = h.bucket_counts();
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) {
      d.indexes.push_back(i);
      d.counts.push_back(counts[i]);
    }
  d.min = h.min();
  d.max = h.max();
  d.sum = h.sum();
  return d;
}

metrics::histogram from_wire(const histogram_data& d) {
  using metrics::histogram;
  histogram empty;
  if (d.precision_bits < 1 || d.precision_bits > histogram::precision_bits_max)
    return empty;
  if (d.indexes.size() != d.counts.size() || d.indexes.empty())
    return histogram{d.precision_bits};
  // The largest index a histogram can have is far below this; anything
  // bigger is refused before a vector of that size is allocated.
  constexpr std::uint64_t index_bound = std::uint64_t{1} << 24;
  std::vector<std::uint64_t> dense;
  for (std::size_t k = 0; k < d.indexes.size(); ++k) {
    auto i = d.indexes[k];
    if (i >= index_bound || (k > 0 && i <= d.indexes[k - 1]))
      return histogram{d.precision_bits};
    dense.resize(i + 1);
    dense[i] = d.counts[k];
  }
  return histogram::from_buckets(d.precision_bits, std::move(dense), d.min,
                                 d.max, d.sum);
}

} // namespace stockwire
