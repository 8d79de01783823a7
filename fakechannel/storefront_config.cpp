#include "fakechannel/storefront_config.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "config/toml_reader.hpp"
#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

using json = nlohmann::json;

// Secrets and paths: non-empty, bounded like the channels' credentials.
constexpr std::size_t text_bytes_max = 512;

constexpr std::int64_t seed_max = std::numeric_limits<std::int64_t>::max();

std::string check_text(const std::string& x) {
  if (x.empty() || x.size() > text_bytes_max)
    return "must be a non-empty string of at most " +
           std::to_string(text_bytes_max) + " bytes";
  return {};
}

std::string check_path(const std::string& x) {
  if (auto why = check_text(x); !why.empty())
    return why;
  return x[0] == '/' ? std::string{} : "must start with '/'";
}

// The plan's numbers, shared by the TOML reader and the start body.
struct real_key {
  const char* name;
  double min;
  double max;
  double shopper_plan::*field;
};

const real_key real_keys[] = {
    {"rate_per_s", 0, storefront_rate_per_s_max, &shopper_plan::rate_per_s},
    {"zipf_exponent", 0, storefront_zipf_exponent_max,
     &shopper_plan::zipf_exponent},
    {"burst_multiplier", 1, storefront_burst_multiplier_max,
     &shopper_plan::burst_multiplier},
    {"burst_start_s", 0, storefront_seconds_max, &shopper_plan::burst_start_s},
    {"burst_duration_s", 0, storefront_seconds_max,
     &shopper_plan::burst_duration_s},
    {"duration_s", 0, storefront_seconds_max, &shopper_plan::duration_s},
};

struct integer_key {
  const char* name;
  std::int64_t min;
  std::int64_t max;
};

const integer_key seed_key{"seed", 0, seed_max};
const integer_key skus_key{"skus", 1, storefront_skus_max};
const integer_key quantity_key{"quantity", 1, storefront_quantity_max};

void read_plan(config::toml_reader& r, shopper_plan* p) {
  r.integer(seed_key.name, seed_key.min, seed_key.max, &p->seed);
  r.integer(skus_key.name, skus_key.min, skus_key.max, &p->skus);
  r.integer(quantity_key.name, quantity_key.min, quantity_key.max,
            &p->quantity);
  for (const auto& k : real_keys)
    r.number(k.name, k.min, k.max, &(p->*k.field));
}

void read_channel(config::toml_reader& sf, shop_channel c,
                  const std::string& source, std::string* error,
                  storefront_config* out) {
  auto name = channel_name(c);
  auto* t = sf.subtable(name);
  config::toml_reader r{t, std::string{"storefront."} + name + ".", source,
                        error};
  double rate = std::nan("");
  r.number("rate_per_s", 0, storefront_rate_per_s_max, &rate);
  if (!std::isnan(rate))
    out->plan.channel_rate_per_s[index_of(c)] = rate;
  auto& ch = out->channels[index_of(c)];
  r.string("webhook_secret", &ch.webhook_secret, check_text);
  r.string("webhook_path", &ch.webhook_path, check_path);
  r.finish();
}

// "<key>: must be ..." for a JSON value out of range.
std::string range_error(const char* key, double min, double max) {
  return std::string{key} + ": must be a number between " + json(min).dump() +
         " and " + json(max).dump();
}

std::string read_json_integer(const json& body, const integer_key& k,
                              std::int64_t* out) {
  if (!body.contains(k.name))
    return {};
  const auto& v = body[k.name];
  if (!v.is_number_integer() || v.get<std::int64_t>() < k.min ||
      v.get<std::int64_t>() > k.max)
    return std::string{k.name} + ": must be an integer between " +
           std::to_string(k.min) + " and " + std::to_string(k.max);
  *out = v.get<std::int64_t>();
  return {};
}

std::string read_json_real(const json& obj, const char* key, double min,
                           double max, double* out) {
  if (!obj.contains(key))
    return {};
  const auto& v = obj[key];
  if (!v.is_number() || !(v.get<double>() >= min && v.get<double>() <= max))
    return range_error(key, min, max);
  *out = v.get<double>();
  return {};
}

bool is_plan_key(const std::string& key) {
  if (key == seed_key.name || key == skus_key.name || key == quantity_key.name)
    return true;
  for (const auto& k : real_keys)
    if (key == k.name)
      return true;
  return channel_from_name(key).has_value();
}

} // namespace

double shopper_plan::rate_of(shop_channel c) const {
  auto& r = channel_rate_per_s[index_of(c)];
  return r ? *r : rate_per_s;
}

std::array<storefront_channel_config, shop_channel_count>
storefront_config::default_channels() {
  std::array<storefront_channel_config, shop_channel_count> out;
  // cluster-config/single-node.toml's demo secrets (docs/WEBHOOKS.md).
  out[index_of(shop_channel::shopify)].webhook_secret =
      "demo-shopify-webhook-secret";
  out[index_of(shop_channel::amazon)].webhook_secret =
      "demo-amazon-relay-secret";
  out[index_of(shop_channel::woocommerce)].webhook_secret =
      "demo-woocommerce-webhook-secret";
  out[index_of(shop_channel::ebay)].webhook_secret = "demo-ebay-webhook-secret";
  out[index_of(shop_channel::flipkart)].webhook_secret =
      "demo-flipkart-webhook-secret";
  for (auto c : all_shop_channels)
    out[index_of(c)].webhook_path = std::string{"/webhooks/"} + channel_name(c);
  return out;
}

void read_storefront(config::toml_reader& top, const std::string& source,
                     std::string* error, storefront_config* out) {
  auto* t = top.subtable("storefront");
  config::toml_reader r{t, "storefront.", source, error};
  r.boolean("enabled", &out->enabled);
  r.string("stockwire_url", &out->stockwire_url, check_text);
  read_plan(r, &out->plan);
  r.string("shopify_location_id", &out->shopify_location_id, check_text);
  r.integer("connections_per_channel", 1, delivery_connections_max,
            &out->connections_per_channel);
  r.integer("delivery_timeout_ms", 1, delivery_timeout_ms_max,
            &out->delivery_timeout_ms);
  r.integer("retry_delay_ms_min", 1, retry_delay_ms_max_bound,
            &out->retry_delay_ms_min);
  r.integer("retry_delay_ms_max", 1, retry_delay_ms_max_bound,
            &out->retry_delay_ms_max);
  for (auto c : all_shop_channels)
    read_channel(r, c, source, error, out);
  r.finish();
  if (!error->empty())
    return;
  if (out->retry_delay_ms_max < out->retry_delay_ms_min) {
    *error = source + ": storefront.retry_delay_ms_max: must not be below "
                      "retry_delay_ms_min";
    return;
  }
  if (!out->stockwire_url.empty()) {
    if (auto why = parse_http_url(out->stockwire_url, &out->stockwire);
        !why.empty()) {
      *error = source + ": storefront.stockwire_url: " + why;
      return;
    }
  } else if (out->enabled) {
    *error = source + ": storefront.stockwire_url: required when the "
                      "storefront is enabled";
  }
}

std::string apply_overrides(const json& body, shopper_plan* plan) {
  if (body.is_null())
    return {};
  if (!body.is_object())
    return "body: must be a JSON object";
  for (auto& [key, value] : body.items())
    if (!is_plan_key(key))
      return key + ": unknown key";
  shopper_plan p = *plan;
  for (auto* k : {&seed_key, &skus_key, &quantity_key}) {
    std::int64_t v = 0;
    bool present = body.contains(k->name);
    if (auto why = read_json_integer(body, *k, &v); !why.empty())
      return why;
    if (!present)
      continue;
    if (k == &seed_key)
      p.seed = static_cast<std::uint64_t>(v);
    else if (k == &skus_key)
      p.skus = v;
    else
      p.quantity = v;
  }
  for (const auto& k : real_keys)
    if (auto why = read_json_real(body, k.name, k.min, k.max, &(p.*k.field));
        !why.empty())
      return why;
  for (auto c : all_shop_channels) {
    auto name = channel_name(c);
    if (!body.contains(name))
      continue;
    const auto& ch = body[name];
    if (!ch.is_object())
      return std::string{name} + ": must be an object {\"rate_per_s\": N}";
    for (auto& [key, value] : ch.items())
      if (key != "rate_per_s")
        return std::string{name} + "." + key + ": unknown key";
    double rate = p.rate_of(c);
    if (auto why = read_json_real(ch, "rate_per_s", 0,
                                  storefront_rate_per_s_max, &rate);
        !why.empty())
      return std::string{name} + "." + why;
    p.channel_rate_per_s[index_of(c)] = rate;
  }
  *plan = p;
  return {};
}

std::string parse_http_url(const std::string& url, http_endpoint* out) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return "https is not supported (stockwired is reached on loopback)";
  if (url.rfind(scheme, 0) != 0)
    return "must start with http://";
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  http_endpoint e;
  std::string host = authority, port;
  if (!authority.empty() && authority[0] == '[') { // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string::npos)
      return "unterminated '[' in the host";
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      return "expected ':' after ']'";
    port = after.empty() ? "" : after.substr(1);
    if (after == ":")
      return "port must be 1..65535";
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty())
      return "port must be 1..65535";
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos ||
        std::stol(port) < 1 || std::stol(port) > 65535)
      return "port must be 1..65535";
    e.port = static_cast<std::uint16_t>(std::stol(port));
  }
  if (host.empty())
    return "needs a host";
  e.host = host;
  e.base_path = path;
  *out = e;
  return {};
}

} // namespace stockwire::fakechannel
