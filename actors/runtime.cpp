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

// The node's busiest threads run outside the scheduler: the gateway's Asio
// thread, the journal's and its applier's. One worker per core left them
// competing with the workers for the cores: on 2 cores, HTTP `hot` at 32
// connections took 51-61 us of CPU per order with 2 workers against 42-44
// with 1, at 18.0-19.3k against 20.6-21.1k orders/s (p99 4.6-8.0 against
// 3.4-4.2 ms; interleaved, 2026-11-27); the batch route and the core
// benchmark did not lose.
int default_worker_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
}

} // namespace

void configure_actor_system(caf::actor_system_config& cfg, int threads) {
  register_message_types(cfg);
  // CAF defaults to 4 workers even on 2 cores; more workers than cores only
  // add context switches (and slow shutdown, see CAF-NOTES.md).
  if (threads <= 0)
    threads = default_worker_threads();
  cfg.set("scheduler.max-threads", std::max(1, threads));
  cfg.set("work-stealing.aggressive-poll-attempts", worker_poll_attempts);
  cfg.set("work-stealing.moderate-poll-attempts", worker_poll_attempts);
}

} // namespace stockwire
