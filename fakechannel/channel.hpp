// The interface every fake channel implements. A channel handler answers
// the channel's real endpoints: auth, payload validation, rate limits,
// state changes. Latency, error injection, counters and the /_fake/
// endpoints are the service's (service.hpp), not the handler's.
#pragma once

#include <string>

#include "fakechannel/http_types.hpp"
#include "fakechannel/state.hpp"

namespace stockwire::fakechannel {

class channel_handler {
public:
  virtual ~channel_handler() = default;

  /// The channel's id: "shopify", "amazon", ...
  virtual const char* name() const = 0;

  /// Answers one request of the channel's API (404 in the channel's shape
  /// for unknown paths). `throttled` is set when the reply means "rate
  /// limited" without being a 429 (Shopify's THROTTLED in a 200).
  virtual http_reply handle(const http_request& req, const clock_reading& now,
                            bool* throttled) = 0;

  /// Applies deferred changes that are due at `now` (Amazon's delayed
  /// apply). Called before every request and before state is shown.
  virtual void settle(const clock_reading& now) { (void)now; }

  /// Forgets everything: listings back to the seeded ones, counters zero,
  /// rate limiters full, idempotency keys and pending changes dropped.
  virtual void reset(const clock_reading& now) = 0;

  virtual channel_state& state() = 0;
};

} // namespace stockwire::fakechannel
