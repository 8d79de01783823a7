#include "fakechannel/webhook_format.hpp"

#include <cassert>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fakechannel/order_json.hpp"

namespace stockwire::fakechannel {

namespace {

constexpr std::uint64_t seq_bound = 1'000'000; // 6 digits per run

const char* const woo_delivery_header = "X-WC-Webhook-Delivery-ID";

std::string digits(std::uint64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width,
                static_cast<unsigned long long>(value));
  return buf;
}

std::uint64_t pow10(int n) {
  std::uint64_t x = 1;
  while (n-- > 0)
    x *= 10;
  return x;
}

// The last `width` digits of `value`, zero-padded.
std::string tail(std::uint64_t value, int width) {
  return digits(value % pow10(width), width);
}

// A UUID-shaped id derived from `text` (FNV-1a twice): stable for one
// order, so every retry carries the same delivery ids.
std::string uuid_like(const std::string& text) {
  std::uint64_t a = 14695981039346656037ull, b = 1099511628211ull;
  for (unsigned char c : text) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 14695981039346656037ull + 0x9E3779B97F4A7C15ull;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

webhook_request shopify(const order& o, const std::string& secret) {
  webhook_request r;
  r.body = shopify_order_json(o).dump();
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "Shopify-Captain-Hook"},
               {"X-Shopify-Topic", "orders/create"},
               {"X-Shopify-Hmac-Sha256", sign_body(secret, r.body)},
               {"X-Shopify-Shop-Domain", "stockwire-fake.myshopify.com"},
               {"X-Shopify-API-Version", "2026-04"},
               {"X-Shopify-Webhook-Id", uuid_like("webhook/" + o.id)},
               {"X-Shopify-Event-Id", uuid_like("event/" + o.id)},
               {"X-Shopify-Triggered-At", rfc3339_ms(o.wall_ms)}};
  return r;
}

webhook_request woocommerce(const order& o, const std::string& secret) {
  webhook_request r;
  r.body = woocommerce_order_json(o, "processing", o.wall_ms).dump();
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)"},
               {"X-WC-Webhook-Source", "https://shop.example.com/"},
               {"X-WC-Webhook-Topic", "order.created"},
               {"X-WC-Webhook-Resource", "order"},
               {"X-WC-Webhook-Event", "created"},
               {"X-WC-Webhook-Signature", sign_body(secret, r.body)},
               {"X-WC-Webhook-ID", "1"},
               {woo_delivery_header, ""}};
  return r;
}

webhook_request relayed(std::string body, const std::string& secret) {
  webhook_request r;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "stockwire-relay (fakechannel)"},
               {"X-Stockwire-Signature", sign_body(secret, r.body)}};
  return r;
}

} // namespace

order_ids make_order_ids(shop_channel c, std::uint64_t run_base,
                         std::uint64_t seq) {
  assert(seq >= 1 && seq < seq_bound);
  order_ids out;
  switch (c) {
  case shop_channel::shopify: // 16 digits, line items one more
    out.order_id = tail(run_base, 10) + digits(seq, 6);
    out.item_id = out.order_id + "1";
    out.order_id = std::to_string(std::stoull(out.order_id));
    out.item_id = std::to_string(std::stoull(out.item_id));
    break;
  case shop_channel::woocommerce: // post ids: 14 digits
    out.order_id =
        std::to_string(std::stoull(tail(run_base, 8) + digits(seq, 6)));
    out.item_id = out.order_id + "1";
    break;
  case shop_channel::amazon: { // 3-7-7
    auto d = tail(run_base, 10) + digits(seq, 7);
    out.order_id = d.substr(0, 3) + "-" + d.substr(3, 7) + "-" + d.substr(10);
    out.item_id = tail(run_base, 7) + digits(seq, 7);
    break;
  }
  case shop_channel::ebay: { // NN-NNNNN-NNNNN
    auto d = tail(run_base, 6) + digits(seq, 6);
    out.order_id = d.substr(0, 2) + "-" + d.substr(2, 5) + "-" + d.substr(7);
    out.item_id = tail(run_base, 6) + digits(seq, 6);
    break;
  }
  case shop_channel::flipkart: // OD + 18 digits
    out.order_id = "OD" + tail(run_base, 10) + digits(seq, 8);
    out.item_id = out.order_id;
    break;
  }
  return out;
}

webhook_request make_webhook(shop_channel c, const order& o,
                             const std::string& secret,
                             const std::string& target) {
  webhook_request r;
  switch (c) {
  case shop_channel::shopify:
    r = shopify(o, secret);
    break;
  case shop_channel::woocommerce:
    r = woocommerce(o, secret);
    break;
  case shop_channel::amazon:
    r = relayed(
        amazon_order_change_json(o, uuid_like("notification/" + o.id)).dump(),
        secret);
    break;
  case shop_channel::ebay:
  case shop_channel::flipkart:
    r = relayed(
        relay_order_json(o, std::string{channel_name(c)} + "-relay-" + o.id)
            .dump(),
        secret);
    break;
  }
  r.target = target;
  return r;
}

void stamp_attempt(shop_channel c, std::uint64_t attempt_seq,
                   webhook_request* r) {
  if (c != shop_channel::woocommerce)
    return;
  // Woo's is wp_hash(id . time): 32 hex digits, new on every attempt.
  char buf[40];
  std::snprintf(buf, sizeof buf, "%032llx",
                static_cast<unsigned long long>(attempt_seq));
  for (auto& [name, value] : r->headers)
    if (name == woo_delivery_header)
      value = buf;
}

std::string sign_body(const std::string& secret, const std::string& body) {
  static const unsigned char empty = 0;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  auto* data = body.empty()
                   ? &empty
                   : reinterpret_cast<const unsigned char*>(body.data());
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data,
           body.size(), mac, &mac_len) == nullptr)
    return {};
  std::string out(4 * ((mac_len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac,
                          static_cast<int>(mac_len));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

} // namespace stockwire::fakechannel
