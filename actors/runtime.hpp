// How every Stockwire process configures its CAF actor system.
#pragma once

#include <caf/fwd.hpp>

namespace stockwire {

/// Registers the message types and sizes the scheduler: `threads` workers
/// (0: one per core less one, at least one; see default_worker_threads),
/// and idle workers block instead of spinning.
void configure_actor_system(caf::actor_system_config& cfg, int threads);

} // namespace stockwire
