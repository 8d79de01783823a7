// The fake channels behind their ports: routes a request that arrived on
// a channel's port either to the test endpoints (/_fake/...) or, after
// error injection, to the channel's handler; counts the results and adds
// the configured latency. Single-threaded (the server's io thread).
//
// Test endpoints, served on every channel's port, about all channels:
//   GET  /_fake/state     {"<channel>": {"<listing key>": {quantity,
//                          version, updated_at_ms, revisions}}}
//   GET  /_fake/requests  {"<channel>": {requests, accepted, throttled,
//                          errors, injected}}
//   POST /_fake/reset     listings back to the seeded ones, counters zero,
//                          rate limits full, pending changes dropped
// They are never delayed, injected or counted.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "fakechannel/channel.hpp"
#include "fakechannel/config.hpp"

namespace stockwire::fakechannel {

class service {
public:
  /// The enabled channels of `cfg`, in the order shopify, amazon,
  /// woocommerce, ebay, flipkart.
  service(const fake_config& cfg, const clock_reading& now);

  std::size_t channel_count() const { return channels_.size(); }
  const char* name(std::size_t channel) const;
  const channel_common& common(std::size_t channel) const;

  /// How to answer `req`, which arrived on the port of `channel`.
  /// REQUIRES: channel < channel_count().
  http_outcome handle(std::size_t channel, const http_request& req,
                      const clock_reading& now);

private:
  struct entry {
    channel_common common;
    std::unique_ptr<channel_handler> handler;
  };

  http_outcome test_endpoint(const http_request& req, const clock_reading& now);
  void count(channel_state& s, const http_reply& r, bool throttled);

  std::vector<entry> channels_;
  std::mt19937_64 rng_;
};

} // namespace stockwire::fakechannel
