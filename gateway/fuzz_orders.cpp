// libFuzzer entry for the order bodies (parse_order, parse_batch in
// order_parse.cpp; built with -DSTOCKWIRE_FUZZ=ON, run by scripts/fuzz.sh).
//
// Input: one selector byte, then the body. Bit 0 of the selector picks the
// route: 0 POST /v1/orders, 1 POST /v1/orders:batch. Besides the
// sanitizers, every result is checked against the contract of
// requests.hpp: an accepted order has 1..order_lines_max lines of distinct
// SKUs, each qty within 1..qty_max; a refusal has a code and a message.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gateway/requests.hpp"

using namespace stockwire::gateway;

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

void check_order(const order_input& o, const settings& cfg) {
  check(!o.order_id.empty());
  check(!o.lines.empty() && o.lines.size() <= cfg.order_lines_max);
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    check(o.lines[i].qty >= 1 && o.lines[i].qty <= cfg.qty_max);
    check(!check_sku(cfg, o.lines[i].sku));
    for (std::size_t j = 0; j < i; ++j)
      check(o.lines[j].sku != o.lines[i].sku);
  }
}

void check_error(const input_error& err) {
  check(!err.code.empty() && !err.message.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  settings cfg;
  cfg.qty_max = 1000;
  cfg.order_lines_max = 5;
  cfg.batch_orders_max = 50;
  std::string_view body{reinterpret_cast<const char*>(data + 1), size - 1};
  input_error err;
  if ((data[0] & 1) == 0) {
    order_input o;
    if (parse_order(body, cfg, &o, &err))
      check_order(o, cfg);
    else
      check_error(err);
    return 0;
  }
  std::vector<batch_item> items;
  if (!parse_batch(body, cfg, &items, &err)) {
    check_error(err);
    return 0;
  }
  check(!items.empty() && items.size() <= cfg.batch_orders_max);
  for (auto& item : items) {
    if (item.error.code.empty())
      check_order(item.order, cfg);
    else
      check_error(item.error);
  }
  return 0;
}
