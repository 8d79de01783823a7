#include "fakechannel/config.hpp"

#include "config/toml_reader.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "fakechannel/limits.hpp"

namespace stockwire::fakechannel {

namespace {

constexpr std::int64_t port_max = 65535;
constexpr std::int64_t rate_limit_max = 1'000'000;
constexpr std::size_t secret_bytes_max = 512;

// Typed reads that remember the keys asked for; finish() refuses the rest.
using table_reader = config::toml_reader;

// Credentials and hosts: non-empty, bounded.
std::string check_secret(const std::string& x) {
  if (x.empty() || x.size() > secret_bytes_max)
    return "must be a non-empty string of at most " +
           std::to_string(secret_bytes_max) + " bytes";
  return {};
}

std::string check_listing_key(const std::string& x) {
  return x.empty() ? "must be a non-empty string" : std::string{};
}

void read_common(table_reader& r, channel_common* c) {
  r.boolean("enabled", &c->enabled);
  r.string("host", &c->host, check_secret);
  r.integer("port", 0, port_max, &c->port);
  r.integer("latency_ms", 0, latency_ms_max, &c->latency_ms);
  r.number("error_500_rate", 0, 1, &c->error_500_rate);
  r.number("error_503_rate", 0, 1, &c->error_503_rate);
  r.number("timeout_rate", 0, 1, &c->timeout_rate);
  r.integer("timeout_ms", 0, timeout_ms_max, &c->timeout_ms);
  r.boolean("strict_listings", &c->strict_listings);
  r.string_array("listings", &c->listings, check_listing_key);
}

void read_shopify(table_reader& r, shopify_config* c) {
  read_common(r, &c->common);
  r.string("access_token", &c->access_token, check_secret);
  r.number("rest_bucket_size", 1, rate_limit_max, &c->rest_bucket_size);
  r.number("rest_leak_per_s", 0.001, rate_limit_max, &c->rest_leak_per_s);
  r.number("graphql_bucket_points", 1, rate_limit_max,
           &c->graphql_bucket_points);
  r.number("graphql_restore_per_s", 0.001, rate_limit_max,
           &c->graphql_restore_per_s);
  r.integer("mutation_cost", 1, rate_limit_max, &c->mutation_cost);
  r.integer("throttled_http_status", 200, 429, &c->throttled_http_status);
  r.boolean("enforce_idempotency", &c->enforce_idempotency);
}

void read_amazon(table_reader& r, amazon_config* c) {
  read_common(r, &c->common);
  r.string("access_token", &c->access_token, check_secret);
  r.number("rate_per_s", 0.0001, rate_limit_max, &c->rate_per_s);
  r.number("burst", 1, rate_limit_max, &c->burst);
  r.integer("apply_delay_ms", 0, timeout_ms_max, &c->apply_delay_ms);
  r.integer("feed_processing_ms", 0, timeout_ms_max, &c->feed_processing_ms);
  r.number("create_feed_rate_per_s", 0.0001, 1000, &c->create_feed_rate_per_s);
  r.number("create_feed_burst", 1, 1000, &c->create_feed_burst);
}

void read_woocommerce(table_reader& r, woocommerce_config* c) {
  read_common(r, &c->common);
  r.string("consumer_key", &c->consumer_key, check_secret);
  r.string("consumer_secret", &c->consumer_secret, check_secret);
  r.integer("batch_items_max", 1, rate_limit_max, &c->batch_items_max);
  r.number("rate_per_s", 0, rate_limit_max, &c->rate_per_s);
  r.number("burst", 1, rate_limit_max, &c->burst);
}

void read_ebay(table_reader& r, ebay_config* c) {
  read_common(r, &c->common);
  r.string("access_token", &c->access_token, check_secret);
  r.integer("requests_per_call_max", 1, rate_limit_max,
            &c->requests_per_call_max);
  r.integer("daily_call_quota", 0, std::int64_t{1} << 40, &c->daily_call_quota);
  r.integer("revisions_per_listing_per_day", 0, rate_limit_max,
            &c->revisions_per_listing_per_day);
}

void read_flipkart(table_reader& r, flipkart_config* c) {
  read_common(r, &c->common);
  r.string("access_token", &c->access_token, check_secret);
  r.integer("skus_per_call_max", 0, rate_limit_max, &c->skus_per_call_max);
  r.number("rate_per_s", 0, rate_limit_max, &c->rate_per_s);
  r.number("burst", 1, rate_limit_max, &c->burst);
}

template <class Config, class Read>
void read_channel(table_reader& top, const char* name, const std::string& src,
                  std::string* error, Config* c, Read read) {
  auto* t = top.subtable(name);
  table_reader r{t, std::string{name} + ".", src, error};
  read(r, c);
  r.finish();
}

} // namespace

bool parse_config(const std::string& toml_text, const std::string& source,
                  fake_config* out, std::string* error) {
  error->clear();
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& err) {
    std::ostringstream msg;
    msg << source << ":" << err.source().begin.line << ": "
        << err.description();
    *error = msg.str();
    return false;
  }
  fake_config cfg;
  table_reader top{&doc, "", source, error};
  top.integer("seed", 0, std::numeric_limits<std::int64_t>::max(), &cfg.seed);
  read_channel(top, "shopify", source, error, &cfg.shopify, read_shopify);
  read_channel(top, "amazon", source, error, &cfg.amazon, read_amazon);
  read_channel(top, "woocommerce", source, error, &cfg.woocommerce,
               read_woocommerce);
  read_channel(top, "ebay", source, error, &cfg.ebay, read_ebay);
  read_channel(top, "flipkart", source, error, &cfg.flipkart, read_flipkart);
  read_storefront(top, source, error, &cfg.storefront);
  top.finish();
  if (!error->empty())
    return false;
  if (cfg.shopify.throttled_http_status != 200 &&
      cfg.shopify.throttled_http_status != 429) {
    *error = source + ": shopify.throttled_http_status: must be 200 or 429";
    return false;
  }
  *out = std::move(cfg);
  return true;
}

bool load_config(const std::string& path, fake_config* out,
                 std::string* error) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, out, error);
}

} // namespace stockwire::fakechannel
