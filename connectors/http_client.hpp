// An asynchronous HTTP/1.1 client for the channel connectors: Boost.Beast on
// one Asio io_context thread that the client owns. Beast, Asio and OpenSSL
// stay behind this header.
//
// Contract:
// - send() may be called from any thread. Its `done` is called exactly once,
//   on the client's thread, with a complete response (any status) or an
//   error naming the endpoint ("connect 127.0.0.1:18301: Connection
//   refused", "read api.example.com:443: timeout after 10000 ms").
// - Connections are pooled per (scheme, host, port): idle keep-alive
//   connections are reused; at most connections_per_endpoint exist at once
//   (busy or idle); further requests wait FIFO, at most queue_max of them
//   (beyond: "queue full" at once). A connection that timed out, failed,
//   or got `Connection: close` is closed, never reused.
// - A request that fails on a reused idle connection before any byte of
//   the response arrived (the server closed it meanwhile) is sent once more
//   on a fresh connection. Only safe because every request we send is an
//   idempotent absolute set; a fresh connection's failure is final.
// - stop() (and the destructor) fail every request not yet answered with
//   "client stopped": queued ones and those on the wire alike. send() after
//   stop() calls `done` at once, on the calling thread, with that error.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "connectors/channel.hpp"

namespace stockwire {

struct http_client_options {
  // Concurrent keep-alive connections per scheme/host/port.
  std::size_t connections_per_endpoint = 4;
  // Name resolution + TCP connect + TLS handshake.
  std::chrono::milliseconds connect_timeout{3000};
  // Writing the request and reading the whole response.
  std::chrono::milliseconds request_timeout{10000};
  // A larger response fails with "response body too large".
  std::size_t response_body_bytes_max = 16 << 20;
  // Requests waiting for a connection, per endpoint; beyond: fail fast.
  std::size_t queue_max = 10000;
  // https: verify the server's certificate chain (system default CA paths)
  // and that it names the host. Off only for tests against self-signed
  // servers.
  bool verify_peer = true;
};

struct http_result {
  bool ok = false;        // a complete response arrived (any status)
  std::string error;      // when !ok: what failed, naming host:port
  http_response response; // when ok
  // From the send() call to the complete response (or the failure).
  std::chrono::microseconds round_trip{0};
};

class http_client {
public:
  /// Starts the client's thread.
  explicit http_client(http_client_options opts = {});

  /// Calls stop(). REQUIRES: not called on the client's thread (from a
  /// `done` callback).
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `req` to req.scheme://req.host:req.port, each part taken from
  /// `endpoint` when empty (0 for the port; port 0 there as well means 80
  /// for http, 443 for https). Sets Host, User-Agent and Content-Length; the
  /// request's own headers follow (a Host or User-Agent among them replaces
  /// ours). Calls `done` exactly once, on the client's thread.
  /// REQUIRES: `done` does not throw (an empty `done` is allowed: the
  /// result is dropped).
  void send(const channel_account& endpoint, http_request req,
            std::function<void(http_result)> done);

  /// Fails every pending request with "client stopped" and ends the
  /// client's thread. Idempotent. Returns once every callback has run,
  /// except when called on the client's thread (from a callback): then the
  /// remaining callbacks run after that callback returns. A name lookup in
  /// progress cannot be cancelled (getaddrinfo): its request fails at once,
  /// but stop() waits for the lookup to return.
  void stop();

  struct impl; // public only so that the .cpp's helpers can name it

private:
  std::unique_ptr<impl> impl_;
};

} // namespace stockwire
