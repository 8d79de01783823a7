// What the fake's HTTP server hands to the channel handlers and what it
// gets back: plain structs, so handlers never see Beast and stay testable.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace stockwire::fakechannel {

struct http_request {
  std::string method;                         // upper case, as received
  std::string target;                         // path and query, percent-encoded
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;

  /// The header's value, or an empty string. `name` in lower case.
  const std::string& header(const std::string& name) const;
};

struct http_reply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

/// How the server answers one request: `reply` after `delay_ms`, or, when
/// `drop` is set, nothing at all (the connection closes after `delay_ms`,
/// which is how an injected timeout looks to the client).
struct http_outcome {
  http_reply reply;
  std::int64_t delay_ms = 0;
  bool drop = false;
};

/// Wall and monotonic time of one request, read once at the edge so the
/// handlers are deterministic functions of their inputs.
struct clock_reading {
  std::int64_t mono_ms = 0; // steady clock: rate limiters, delays
  std::int64_t wall_ms = 0; // system clock: timestamps, calendar days
};

} // namespace stockwire::fakechannel
