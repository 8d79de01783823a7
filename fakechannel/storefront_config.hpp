// Configuration of the storefront (simulated shoppers): the [storefront]
// table of the fakechannel TOML, and the body of
// POST /_fake/storefront/start, which may override the run parameters
// (shopper_plan) for one run. Keys, defaults and ranges are listed in
// docs/FAKECHANNEL.md; the ranges are limits.hpp's storefront_* bounds.
// Unknown keys are refused in both places.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fakechannel/catalogue.hpp"

namespace stockwire::config {
class toml_reader;
} // namespace stockwire::config

namespace stockwire::fakechannel {

/// One run of shoppers. Every channel with a rate above zero gets its own
/// seeded Poisson stream of arrivals (storefront.hpp).
struct shopper_plan {
  std::uint64_t seed = 1;
  std::int64_t skus = 100;   // DEMO-1 .. DEMO-<skus>
  double rate_per_s = 1;     // shopper arrivals per second and channel
  double zipf_exponent = 1;  // weight of DEMO-k: 1 / k^exponent (0: uniform)
  std::int64_t quantity = 1; // units a shopper wants
  double burst_multiplier = 10;
  double burst_start_s = 0;    // since the run's start
  double burst_duration_s = 0; // 0: no burst
  double duration_s = 0;       // 0: until stopped
  // Per-channel arrival rates; unset: rate_per_s.
  std::array<std::optional<double>, shop_channel_count> channel_rate_per_s;

  double rate_of(shop_channel c) const;
};

/// Where stockwired listens: "http://host:port[/base]" (no TLS).
struct http_endpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string base_path; // without trailing '/', may be empty
};

struct storefront_channel_config {
  std::string webhook_secret; // default: the demo secret of single-node.toml
  std::string webhook_path;   // default: "/webhooks/<channel>"
};

struct storefront_config {
  bool enabled = false;
  std::string stockwire_url; // required when enabled
  http_endpoint stockwire;   // stockwire_url, parsed
  shopper_plan plan;
  std::string shopify_location_id = "1"; // stockwired's default location
  std::int64_t connections_per_channel = 4;
  std::int64_t delivery_timeout_ms = 5'000; // Shopify: 5 s per delivery
  std::int64_t retry_delay_ms_min = 100;    // first retry; doubles after
  std::int64_t retry_delay_ms_max = 5'000;
  std::array<storefront_channel_config, shop_channel_count> channels =
      default_channels();

  static std::array<storefront_channel_config, shop_channel_count>
  default_channels();
};

/// Reads the [storefront] table (and its per-channel subtables) of a
/// fakechannel TOML. Errors go to the reader's error string.
void read_storefront(config::toml_reader& top, const std::string& source,
                     std::string* error, storefront_config* out);

/// Applies the overrides of a start request's body (an object with the
/// plan's keys, "<channel>": {"rate_per_s"} for per-channel rates) to
/// `plan`. An empty string when valid; otherwise why, and `plan` is
/// unchanged.
std::string apply_overrides(const nlohmann::json& body, shopper_plan* plan);

/// Parses "http://host[:port][/base]". Empty string when valid, else why.
std::string parse_http_url(const std::string& url, http_endpoint* out);

} // namespace stockwire::fakechannel
