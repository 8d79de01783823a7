// Runs the storefront (storefront.hpp) on the server's io thread: wakes up
// when the next shopper arrives or a delivery is due, lets the due
// shoppers shop, and delivers their webhooks to stockwired over HTTP/1.1
// keep-alive connections: [storefront] connections_per_channel per
// channel, one request in flight per connection. An answer 2xx delivers;
// anything else (another status, connection refused or reset, no answer
// within delivery_timeout_ms) is a failed attempt the outbox retries after
// its backoff. A request on a kept-alive connection that the server had
// closed meanwhile is resent once at once on a new connection, not counted
// as a failure (what HTTP clients do for idempotent retries; the webhook's
// ids make it one for Stockwire).
//
// Single-threaded like the server: no locks. Asio and Beast stay behind
// this header.
#pragma once

#include <memory>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace stockwire::fakechannel {

class service;

class storefront_driver {
public:
  /// `io` and `svc` must outlive the driver; `io` runs on one thread.
  storefront_driver(boost::asio::io_context& io, service& svc);
  ~storefront_driver();
  storefront_driver(const storefront_driver&) = delete;
  storefront_driver& operator=(const storefront_driver&) = delete;

  /// Call on the io thread after anything may have changed the storefront
  /// (a request was handled): runs the due arrivals, starts due deliveries
  /// on idle connections and re-arms the wake-up. Cheap when nothing is
  /// due; nothing when the storefront is disabled.
  void pump();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace stockwire::fakechannel
