// The settings of a node's HTTP gateway: where it listens, who may call
// it, and every bound it enforces. Filled from the node configuration
// (config/node_config.hpp); the defaults are the named constants of
// gateway/limits.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "connectors/channel.hpp"
#include "core/limits.hpp"
#include "gateway/limits.hpp"

namespace stockwire::gateway {

/// A channel account that posts webhooks to POST /webhooks/{channel}.
struct webhook_account {
  std::string channel;                       // its [channels.<id>] id
  channel_kind kind = channel_kind::shopify; // decides the payload format
  std::string secret; // signing secret; empty: every webhook gets 401
};

struct settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080; // 0: any free port (tests)

  // Bearer tokens accepted on /v1; empty: no authentication.
  std::vector<std::string> api_tokens;

  std::int64_t request_timeout_ms = limits::request_timeout_ms_default;
  std::int64_t retry_after_s = limits::retry_after_s_default;
  std::int64_t idle_timeout_s = limits::idle_timeout_s_default;
  std::size_t connections_max = limits::connections_default;
  std::size_t inflight_commands_max = limits::inflight_commands_default;

  std::size_t body_bytes_max = limits::body_bytes_default;
  std::size_t header_bytes_max = limits::header_bytes_default;
  std::size_t json_depth_max = limits::json_depth_default;
  std::size_t order_lines_max = limits::order_lines_default;
  std::size_t batch_orders_max = limits::batch_orders_default;
  std::size_t stock_query_skus_max = limits::stock_query_skus_default;
  // Largest qty of an order line, |delta| of an adjustment and on_hand of a
  // set; at most the core's stockwire::limits::quantity_max.
  std::int64_t qty_max = stockwire::limits::quantity_max;
  // Longest SKU accepted; at most the core's stockwire::limits::sku_bytes_max
  // (which keeps LMDB keys within their 511-byte limit).
  std::size_t sku_bytes_max = stockwire::limits::sku_bytes_max;

  // Every configured channel account (other ids get 404 unknown_channel).
  std::vector<webhook_account> webhook_accounts;
  // Webhooks the channel timestamped longer ago than this get 408.
  std::int64_t webhook_max_age_s = limits::webhook_max_age_s_default;
};

} // namespace stockwire::gateway
