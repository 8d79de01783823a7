// libFuzzer entry for one webhook format, chosen at compile time
// (STOCKWIRE_FUZZ_FORMAT = shopify | woocommerce | amazon | relay; one
// target each, see CMakeLists.txt and scripts/fuzz.sh).
//
// Input: one selector byte, then the body. The body is signed with the
// right secret here, so every input reaches the parser. The selector:
//   bits 0-1  the topic header (the format's three stock topics and one
//             it ignores; Woo's fourth choice sends no topic at all)
//   bit 2     a staleness window of 5 minutes (else none)
//   bit 3     Shopify: send X-Shopify-Triggered-At; WooCommerce: send no
//             signature (the ping path, else 401)
// Besides the sanitizers, every verdict is checked against the contract
// of event.hpp: a crash here is a contract violation.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/limits.hpp"
#include "webhooks/event.hpp"

using namespace stockwire::webhooks;

namespace {

constexpr format fmt = format::STOCKWIRE_FUZZ_FORMAT;
constexpr std::string_view secret = "fuzz-secret";
constexpr std::int64_t now_ms = 1'717'243'200'000; // 2024-06-01T12:00:00Z
constexpr std::int64_t window_ms = 5 * 60 * 1000;

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "contract violated: %s (%s:%d)\n", #cond, __FILE__, \
                   __LINE__);                                                  \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

using header_list = std::vector<std::pair<std::string, std::string>>;

header_list headers_for(std::uint8_t sel, std::string_view body) {
  header_list h;
  auto topic = sel & 3u;
  bool bit3 = (sel & 8u) != 0;
  switch (fmt) {
  case format::shopify: {
    static const char* topics[] = {"orders/create", "orders/cancelled",
                                   "refunds/create", "products/update"};
    h.emplace_back("X-Shopify-Hmac-Sha256", sign(secret, body));
    h.emplace_back("X-Shopify-Topic", topics[topic]);
    h.emplace_back("X-Shopify-Event-Id",
                   "98880550-7158-44d4-b7cd-2c97c8a091b5");
    if (bit3)
      h.emplace_back("X-Shopify-Triggered-At", "2024-06-01T11:58:00.5Z");
    break;
  }
  case format::woocommerce: {
    static const char* topics[] = {"order.created", "order.updated",
                                   "product.updated", ""};
    if (!bit3)
      h.emplace_back("X-WC-Webhook-Signature", sign(secret, body));
    h.emplace_back("X-WC-Webhook-Topic", topics[topic]);
    break;
  }
  case format::amazon:
  case format::relay:
    h.emplace_back("X-Stockwire-Signature", sign(secret, body));
    break;
  }
  return h;
}

void check_contract(const verdict& v, bool may_be_unsigned) {
  FUZZ_CHECK(v.status == 200 || v.status == 400 || v.status == 408 ||
             (may_be_unsigned && v.status == 401));
  FUZZ_CHECK(!v.ping || (fmt == format::woocommerce && v.status == 200));
  if (v.status != 200) {
    FUZZ_CHECK(v.events.empty());
    FUZZ_CHECK(!v.code.empty() && !v.message.empty());
    return;
  }
  FUZZ_CHECK(v.code.empty());
  FUZZ_CHECK(v.events.size() <= 1);
  for (auto& e : v.events) {
    FUZZ_CHECK(!e.order_id.empty());
    FUZZ_CHECK(e.order_id.size() <= stockwire::limits::op_id_bytes_max);
    for (char c : e.order_id)
      FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
    FUZZ_CHECK(e.kind != event_kind::restock || !e.refund_id.empty());
    FUZZ_CHECK(e.kind == event_kind::order_cancelled || !e.lines.empty());
    for (auto& l : e.lines) {
      // Only an Amazon cancellation may carry 0 (see amazon.cpp).
      FUZZ_CHECK(l.qty >= (e.kind == event_kind::order_cancelled ? 0 : 1));
      FUZZ_CHECK(l.qty <= stockwire::limits::quantity_max);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::uint8_t sel = data[0];
  std::string_view body{reinterpret_cast<const char*>(data + 1), size - 1};
  auto headers = headers_for(sel, body);
  request_view req;
  req.body = body;
  req.header = [&headers](std::string_view name) {
    for (auto& [k, val] : headers)
      if (iequal(k, name))
        return val;
    return std::string{};
  };
  bool unsigned_mode = fmt == format::woocommerce && (sel & 8u) != 0;
  auto v = verify_and_parse(fmt, secret, req, now_ms,
                            (sel & 4u) != 0 ? window_ms : 0);
  check_contract(v, unsigned_mode);
  return 0;
}
