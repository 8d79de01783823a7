// The fake's HTTP/1.1 server: Boost.Beast on one Asio io_context thread,
// one listening socket per channel, keep-alive connections, one request
// in progress per connection. Each request is answered by the service
// (on the io thread, so the service needs no locks); the reply is written
// after the outcome's delay, or the connection is closed without a reply
// when the outcome says drop (an injected timeout).
//
// Bounds: limits.hpp header_bytes_max (431) and body_bytes_max (413).
// Beast stays behind this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fakechannel/service.hpp"

namespace stockwire::fakechannel {

class server {
public:
  /// `svc` must outlive the server.
  explicit server(service& svc);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds every channel's host:port. False with a message naming the
  /// channel and address when one fails (e.g. the port is taken).
  bool listen(std::string* error);

  /// The port bound for `channel` (differs from the setting when that is 0).
  std::uint16_t port(std::size_t channel) const;

  /// Serves on the calling thread until SIGINT or SIGTERM.
  /// REQUIRES: listen() succeeded.
  void run();

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace stockwire::fakechannel
