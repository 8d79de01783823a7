// What the HTTP server hands to the API and what it gets back: plain
// structs, so the API (routing, JSON, the bridge) never sees Beast and the
// server never sees JSON or CAF.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace stockwire::gateway {

enum class http_method { get, put, post, delete_, other };

struct http_request {
  http_method method = http_method::other;
  std::string method_name;   // as received, for error messages
  std::string target;        // path and query, percent-encoded
  std::string authorization; // the Authorization header, or empty
  std::string content_type;  // the Content-Type header, or empty
  // The X-* headers, as received (a channel webhook's signature, topic and
  // delivery id); the API needs no other header.
  std::vector<std::pair<std::string, std::string>> x_headers;
  std::string body;
};

struct http_reply {
  unsigned status = 200;
  std::string body;               // JSON unless content_type says otherwise
  std::string content_type;       // empty: application/json
  std::int64_t retry_after_s = 0; // > 0: send Retry-After
  std::string allow;              // non-empty: send Allow (405)
  bool challenge = false;         // send WWW-Authenticate: Bearer (401)
};

/// Delivers the reply of one request. May be called from any thread,
/// exactly once per request.
using respond_fn = std::function<void(http_reply)>;

/// Something that answers requests: the API, or a test double.
class http_handler {
public:
  virtual ~http_handler() = default;
  virtual void handle(http_request req, respond_fn respond) = 0;
};

} // namespace stockwire::gateway
