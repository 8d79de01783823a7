#include "actors/runtime.hpp"

#include <algorithm>
#include <thread>

#include <caf/actor_system_config.hpp>

#include "actors/messages.hpp"

namespace stockwire {

namespace {

// Polls of an idle CAF worker before it blocks on its condition variable.
// CAF polls 100 times, then 500 times with 50 us naps, by default: with as
// many workers as cores, spinning workers take the CPU the HTTP thread and
// the journal need (measured on 2 cores, 32 connections, no fsync: 14.5k ->
// 25k orders/s, p99 8 -> 2 ms).
constexpr std::size_t worker_poll_attempts = 1;

} // namespace

void configure_actor_system(caf::actor_system_config& cfg, int threads) {
  register_message_types(cfg);
  // CAF defaults to 4 workers even on 2 cores; more workers than cores only
  // add context switches (and slow shutdown, see CAF-NOTES.md).
  if (threads <= 0)
    threads = static_cast<int>(std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", std::max(1, threads));
  cfg.set("work-stealing.aggressive-poll-attempts", worker_poll_attempts);
  cfg.set("work-stealing.moderate-poll-attempts", worker_poll_attempts);
}

} // namespace stockwire
