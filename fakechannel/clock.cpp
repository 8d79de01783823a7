#include "fakechannel/clock.hpp"

#include <chrono>

namespace stockwire::fakechannel {

clock_reading read_clock() {
  using namespace std::chrono;
  clock_reading c;
  c.mono_ms =
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
          .count();
  c.wall_ms =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch())
          .count();
  return c;
}

} // namespace stockwire::fakechannel
