// Histograms across process boundaries: a metrics::histogram as the
// histogram_data message (its non-empty buckets) and back. Merging the
// histograms of several nodes this way gives the cluster's exact figures
// (within the buckets' relative error); averaging their percentiles would
// not.
#pragma once

#include "actors/messages.hpp"
#include "metrics/histogram.hpp"

namespace stockwire {

/// The non-empty buckets of `h`, its extremes and sum.
histogram_data to_wire(const metrics::histogram& h);

/// The histogram `d` describes; an empty one when `d` is inconsistent
/// (a precision a histogram cannot have, indexes and counts of different
/// lengths, indexes not ascending, or what from_buckets refuses).
metrics::histogram from_wire(const histogram_data& d);

} // namespace stockwire
