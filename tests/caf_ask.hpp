// The request-and-run helper of the deterministic CAF protocol tests
// (test_coordinator_fixture): include after <caf/test/dsl.hpp>.
#pragma once

#include <utility>

namespace stockwire::test {

/// Sends `msg` from `self` to `dest` as a request, runs every actor of
/// `sched` until idle, and returns the reply (a value of type T or the
/// error). Fails the test when no reply came.
template <class T, class Self, class Scheduler, class Msg>
caf::expected<T> ask(Self& self, Scheduler& sched, const caf::actor& dest,
                     Msg msg) {
  auto h = self->request(dest, caf::infinite, std::move(msg));
  sched.run();
  caf::expected<T> result{caf::error{}};
  bool got = false;
  h.receive(
      [&](T& x) {
        result = std::move(x);
        got = true;
      },
      [&](caf::error& e) {
        result = std::move(e);
        got = true;
      });
  CAF_REQUIRE(got);
  return result;
}

} // namespace stockwire::test
