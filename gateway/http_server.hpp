// The HTTP/1.1 server of a node: Boost.Beast on one Asio io_context thread,
// keep-alive connections, one request in progress per connection. It
// parses requests within the configured bounds and hands them to an
// http_handler; replies come back from any thread and are written on the
// io thread. Beast stays behind this header (pimpl), so nothing else pays
// for its compile time.
//
// Bounds (gateway::settings): header and body bytes (431 / 413, then the
// connection is closed: the rest of the stream cannot be trusted),
// connections_max (excess connections are closed at accept), idle_timeout_s
// (a connection idle, or slow to send one request, for that long is
// closed).
//
// Shutdown: stop() closes the listening socket and every idle connection;
// a connection with a request in progress writes its reply (with
// "Connection: close") and then closes. run() returns when no connection
// is left, so every request that was read has been answered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gateway/http_types.hpp"
#include "gateway/settings.hpp"

namespace stockwire::gateway {

class http_server {
public:
  /// `handler` must outlive the server.
  http_server(const settings& cfg, http_handler& handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds settings::host:port and listens. False (with a message naming
  /// the address) when that fails, e.g. the port is taken.
  bool listen(std::string* error);

  /// The port actually bound (differs from the setting when that is 0).
  std::uint16_t port() const;

  /// Serves on the calling thread until stop() and all connections are
  /// done. REQUIRES: listen() succeeded.
  void run();

  /// Begins the shutdown described above. Thread-safe; not for signal
  /// handlers (call it from a thread that waits for signals).
  void stop();

  struct impl; // defined in http_server.cpp, shared with its connections

private:
  std::shared_ptr<impl> impl_;
};

} // namespace stockwire::gateway
