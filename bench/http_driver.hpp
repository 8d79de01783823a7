// The HTTP benchmark driver: drives a running stockwired over HTTP/1.1
// keep-alive connections (one request in flight per connection) with the
// scenarios of the core benchmark. No CAF here: it is a plain client.
//
// Every run seeds its own SKUs through the API (PUT /v1/stock/{sku}) under a
// fresh name prefix, so repeated runs against one node never meet each
// other's stock or order ids.
#pragma once

#include <cstddef>
#include <string>

#include "bench/report.hpp"

namespace stockwire::bench {

struct http_options {
  std::string target;           // http://HOST:PORT
  std::string scenario = "hot"; // hot, catalog, sellout, retry
  int connections = 32;
  int batch = 1;           // orders per request; > 1: POST /v1/orders:batch
  double duration_s = 10;  // hot, catalog, retry
  std::size_t skus = 0;    // catalog SKUs; 0: the default (10,000)
  std::string token;       // bearer token, when the node wants one
  bool random_ids = false; // order ids without order (see core_driver.cpp)
};

/// Runs one scenario against opts.target and returns its figures. A node
/// that cannot be reached or refuses the seed yields a result with
/// extra["error"] set and no orders.
scenario_result run_http(const http_options& opts);

} // namespace stockwire::bench
