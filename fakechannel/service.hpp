// The fake channels behind their ports: routes a request that arrived on
// a channel's port either to the test endpoints (/_fake/...) or, after
// error injection, to the channel's handler; counts the results and adds
// the configured latency. Owns the storefront (simulated shoppers,
// storefront.hpp), which the server's driver (storefront_driver.hpp) runs.
// Single-threaded (the server's io thread).
//
// Test endpoints, served on every channel's port, about all channels:
//   GET  /_fake/state     {"<channel>": {"<listing key>": {quantity,
//                          version, updated_at_ms, revisions}}}
//   GET  /_fake/requests  {"<channel>": {requests, accepted, throttled,
//                          errors, injected}}
//   POST /_fake/reset     listings back to the seeded ones, counters zero,
//                          rate limits full, pending changes dropped,
//                          orders, cancellations and the storefront's run,
//                          purchases, deliveries and history forgotten
//   POST /_fake/storefront/start  [body: plan overrides] starts shoppers
//   POST /_fake/storefront/stop   the shoppers leave
//   GET  /_fake/storefront        counters per channel and in total
//   GET  /_fake/purchases[?channel=]  every purchase
//   GET  /_fake/history?sku=      shown quantity over time per channel
// (JSON shapes in docs/FAKECHANNEL.md.) They are never delayed, injected
// or counted.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "fakechannel/channel.hpp"
#include "fakechannel/config.hpp"
#include "fakechannel/storefront.hpp"

namespace stockwire::fakechannel {

class service {
public:
  /// The enabled channels of `cfg`, in the order shopify, amazon,
  /// woocommerce, ebay, flipkart.
  service(const fake_config& cfg, const clock_reading& now);
  ~service();

  std::size_t channel_count() const { return channels_.size(); }
  const char* name(std::size_t channel) const;
  const channel_common& common(std::size_t channel) const;

  /// How to answer `req`, which arrived on the port of `channel`.
  /// REQUIRES: channel < channel_count().
  http_outcome handle(std::size_t channel, const http_request& req,
                      const clock_reading& now);

  /// The simulated shoppers and their webhook deliveries.
  storefront& shop() { return *shop_; }

  /// Lets the shoppers due at `now` shop, after the channels applied what
  /// was due (Amazon's delayed changes), so shoppers see what is shown.
  void run_storefront(const clock_reading& now);

private:
  struct entry {
    channel_common common;
    std::unique_ptr<channel_handler> handler;
  };

  http_outcome test_endpoint(const http_request& req, const clock_reading& now);
  http_reply storefront_endpoint(const http_request& req,
                                 const std::string& path,
                                 const clock_reading& now);
  void settle(const clock_reading& now);
  void count(channel_state& s, const http_reply& r, bool throttled);

  std::vector<entry> channels_;
  std::unique_ptr<storefront> shop_;
  std::mt19937_64 rng_;
};

} // namespace stockwire::fakechannel
