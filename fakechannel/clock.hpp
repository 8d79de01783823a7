// Reads the clocks, once per event, at the edge (the server, the storefront
// driver, main); everything below gets the reading as a value.
#pragma once

#include "fakechannel/http_types.hpp"

namespace stockwire::fakechannel {

/// Now: steady clock (mono_ms) and system clock (wall_ms), milliseconds
/// since their epochs.
clock_reading read_clock();

} // namespace stockwire::fakechannel
